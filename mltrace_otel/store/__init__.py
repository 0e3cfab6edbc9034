"""Persistence: tables, engines, migrations and the one ingest path."""
