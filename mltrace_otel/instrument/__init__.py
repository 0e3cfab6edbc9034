"""Turning pipeline steps into OpenTelemetry spans that are component runs."""
