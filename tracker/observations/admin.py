"""The observation chart in the admin: read-only, with history (tracker.lib.admin)."""
