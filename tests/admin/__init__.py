"""The Django admin: changelists, history with changes, and the CSV export."""
