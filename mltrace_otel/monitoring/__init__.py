"""Monitoring what components output: values and their feedback (ground truth), metrics over windows, drift.

Outputs and feedback travel as OpenTelemetry log records (events), so any language's SDK or a Collector can send
them to ``POST /v1/logs``; in Python, :func:`mltrace_otel.log_output` and :func:`mltrace_otel.log_feedback` emit
them through the OTel logs SDK, off the caller's thread.
"""
