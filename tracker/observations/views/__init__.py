"""The observation chart's pages, one module per kind of entry."""
