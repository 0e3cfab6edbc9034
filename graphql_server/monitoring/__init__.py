"""Monitoring endpoints: ``POST /v1/logs`` (outputs and feedback as OTLP log records) and ``GET /metrics``."""
