"""The query layer GraphQL, the CLI and mltrace's API share. Functions take a SQLAlchemy ``Connection``.

Batch functions (``*_by_ids``, ``linked_runs.dependencies_of``, ...) take many keys and run one statement, so
per-request DataLoaders can serve a whole nesting level with one round trip.
"""

from mltrace_otel.queries.errors import InvalidArgument, NotFound

__all__ = ["InvalidArgument", "NotFound"]
