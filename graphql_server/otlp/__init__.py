"""OTLP/HTTP trace receiver (``POST /v1/traces``)."""
