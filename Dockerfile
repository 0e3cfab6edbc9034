# mltrace-otel server image: GraphQL API, OTLP/HTTP receiver and the web UI on one port (8080).
#   docker build -t mltrace-otel .
#   docker run -p 8080:8080 -v mltrace:/data mltrace-otel                     # embedded SQLite in /data
#   docker run -p 8080:8080 -e MLTRACE_DATABASE_URL=postgresql://... mltrace-otel

# 1. The UI: built once, shipped inside the Python package as static files (no Node at run time).
FROM node:20-bookworm-slim AS ui
WORKDIR /src/ui
COPY ui/package.json ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY ui/ ./
COPY graphql_server/schema.graphql /src/graphql_server/schema.graphql
RUN npm run build

# 2. The Python package with its server extra.
FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MLTRACE_HOME=/data \
    MLTRACE_AUTH=keys
# keys mode: the image listens on 0.0.0.0, where an open server would let anyone rewrite flags (and where
# `mltrace serve` refuses off mode without --insecure).
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mltrace_otel/ mltrace_otel/
COPY graphql_server/ graphql_server/
COPY --from=ui /src/graphql_server/static/ graphql_server/static/
RUN pip install --no-cache-dir ".[server]" \
    && useradd --create-home --uid 10001 mltrace \
    && mkdir -p /data && chown mltrace /data
USER mltrace
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz').status != 200)"
# Schema migrations run at start (several replicas may start at once: they take an advisory lock).
CMD ["mltrace", "serve", "--host", "0.0.0.0", "--port", "8080"]
