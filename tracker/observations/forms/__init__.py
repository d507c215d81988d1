"""Forms of the observation chart, one module per kind of entry: they clean input and convert units."""
