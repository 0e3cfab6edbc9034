"""The mltrace-otel server: GraphQL API, OTLP/HTTP receiver and the web UI, in one Starlette app."""
