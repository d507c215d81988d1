"""Forms for the observation chart: they clean input and convert units, and nothing else."""
