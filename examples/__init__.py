"""Example pipelines recorded with mltrace-otel; ``python -m examples.load_all`` runs them all into one store."""
