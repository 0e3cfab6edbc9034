"""The schema, as SQLAlchemy Core tables (ingest is Core-only: no ORM identity map on the hot path).

Ids are the W3C hex strings (span 16, trace 32 characters), so the API, CLI, UI and SQL all speak the same id.
Times are integer nanoseconds since the epoch, as OTel carries them: exact, portable between SQLite and Postgres,
and cheap to compare in the lineage subqueries.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from mltrace_otel.pointers import PointerKind
from mltrace_otel.span_record import SPAN_KINDS, STATUS_CODES


def one_of(column: str, values: tuple[str, ...] | list[str]) -> CheckConstraint:
    """A column with a closed set of values (docs/design.md §3); the name follows the "ck" convention below."""
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})", name=column)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# JSONB on Postgres (compact, indexable for attribute filters), JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")
# An autoincrementing BIGINT on Postgres and the rowid alias on SQLite (only INTEGER PRIMARY KEY autoincrements there).
SeqId = BigInteger().with_variant(Integer(), "sqlite")

spans = Table(
    "spans",
    metadata,
    # Arrival order: subscriptions poll "seq > last seen"; never an id clients see.
    Column("seq", SeqId, primary_key=True, autoincrement=True),
    Column("span_id", String(16), nullable=False, unique=True),
    Column("trace_id", String(32), nullable=False),
    Column("parent_span_id", String(16)),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("start_ns", BigInteger, nullable=False),
    Column("end_ns", BigInteger, nullable=False),
    Column("status_code", String(8), nullable=False),
    Column("status_message", Text),
    # Non-null exactly when the span is a component run (carries mltrace.component).
    Column("component", Text),
    Column("git_hash", String(64)),
    Column("code_hash", String(64), ForeignKey("code_snapshots.hash")),
    Column("notes", Text),
    Column("service_name", Text),
    Column("attributes", Json, nullable=False),
    Column("events", Json, nullable=False),
    Column("links", Json, nullable=False),
    Column("resource", Json, nullable=False),
    Column("scope", Json, nullable=False),
    Column("ingested_ns", BigInteger, nullable=False),
    one_of("kind", SPAN_KINDS),
    one_of("status_code", STATUS_CODES),
)
# otelTrace(traceId): every span of a trace in one seek.
Index("ix_spans_trace_id", spans.c.trace_id)
# history(component): newest first, keyset by (start_ns, span_id).
Index("ix_spans_component_start", spans.c.component, spans.c.start_ns, spans.c.span_id)
# recentRuns: runs only, newest first; partial so plain child spans do not bloat it.
Index(
    "ix_spans_run_start",
    spans.c.start_ns,
    spans.c.span_id,
    postgresql_where=text("component IS NOT NULL"),
    sqlite_where=text("component IS NOT NULL"),
)

code_snapshots = Table(
    "code_snapshots",
    metadata,
    Column("hash", String(64), primary_key=True),  # sha256 of the UTF-8 source
    Column("content", Text, nullable=False),
)
# Retention deletes a snapshot once no span refers to it: finding (and the foreign key checking) that no span does.
Index(
    "ix_spans_code_hash",
    spans.c.code_hash,
    postgresql_using="hash",
    postgresql_where=text("code_hash IS NOT NULL"),
    sqlite_where=text("code_hash IS NOT NULL"),
)

components = Table(
    "components",
    metadata,
    Column("name", Text, primary_key=True),
    Column("description", Text),
    Column("owner", Text),
    # Start time of the run that set each value: "latest value wins" by run time, not by arrival order.
    Column("description_ns", BigInteger, nullable=False, server_default=text("0")),
    Column("owner_ns", BigInteger, nullable=False, server_default=text("0")),
    Column("created_ns", BigInteger, nullable=False),
)

component_tags = Table(
    "component_tags",
    metadata,
    Column("component", Text, ForeignKey("components.name", ondelete="CASCADE"), primary_key=True),
    Column("tag", Text, primary_key=True),
)
Index("ix_component_tags_tag", component_tags.c.tag)

io_pointers = Table(
    "io_pointers",
    metadata,
    Column("name", Text, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("flagged", Boolean, nullable=False, server_default=text("false")),
    Column("flagged_ns", BigInteger),
    Column("created_ns", BigInteger, nullable=False),
    one_of("kind", [k.value for k in PointerKind]),
)
# flaggedOutputs and review: a handful of flagged rows among many.
Index(
    "ix_io_pointers_flagged",
    io_pointers.c.flagged,
    postgresql_where=text("flagged"),
    sqlite_where=text("flagged"),
)

# What each run read ("in") and wrote ("out"). Start/end times, the component and whether the run failed are copied
# from the run (immutable once a span ended) so choosing a producer is one index seek, with no join back to spans.
# A failed run keeps its intended outputs here, but produces a pointer only when no successful run did. No unique
# key: rows are only ever written for spans new in the same transaction (spans.span_id is the guard), and a
# unique index here would cost a third index update per row on the ingest hot path.
run_io = Table(
    "run_io",
    metadata,
    Column("span_id", String(16), nullable=False),
    Column("direction", String(3), nullable=False),
    Column("pointer", Text, nullable=False),
    Column("component", Text, nullable=False),
    Column("start_ns", BigInteger, nullable=False),
    Column("end_ns", BigInteger, nullable=False),
    Column("failed", Boolean, nullable=False, server_default=text("false")),
    # Inputs only: false when lineage does not follow this input to its producer (the run named its dependencies
    # itself: mltrace's set_dependencies_from_inputs=False). Always true for outputs.
    Column("traced", Boolean, nullable=False, server_default=text("true")),
    one_of("direction", ("in", "out")),
)
# Inputs/outputs of given runs (DataLoaders, details).
Index("ix_run_io_span_id", run_io.c.span_id)
# "Latest successful (else failed) producer of X that ended at or before T": seek (X, failed), scan end_ns
# backwards; outputs only.
Index(
    "ix_run_io_out_failed_end",
    run_io.c.pointer,
    run_io.c.failed,
    run_io.c.end_ns,
    run_io.c.span_id,
    postgresql_where=text("direction = 'out'"),
    sqlite_where=text("direction = 'out'"),
)
# Fallback producer by start time (clock skew), consumers of X started after T (late-producer repair),
# producers/consumers of a pointer: all seek (X, direction) and range over start_ns.
Index("ix_run_io_pointer_start", run_io.c.pointer, run_io.c.direction, run_io.c.start_ns, run_io.c.span_id)
# review: the newest unflagged outputs of a component, one short range per component (queries/review.py).
Index(
    "ix_run_io_out_component_end",
    run_io.c.component,
    run_io.c.end_ns,
    postgresql_where=text("direction = 'out'"),
    sqlite_where=text("direction = 'out'"),
)

# Live delivery: every stored run, numbered in commit order. Writers number a batch's new runs last in their
# transaction, under a lock held until commit (store/ingest.py), so a reader that sees number n also sees every
# number below it: "seq > the last one I read" misses nothing and waits for nothing (queries/arrivals.py).
run_arrivals = Table(
    "run_arrivals",
    metadata,
    Column("seq", SeqId, primary_key=True, autoincrement=True),
    Column("span_id", String(16), nullable=False),
    sqlite_autoincrement=True,
)

# Materialised lineage: consumer depends on producer, via an IO pointer or a span link ('' for links).
# Repaired at ingest when a producer arrives late (see store/edges.py), so reads are a plain recursive walk.
run_edges = Table(
    "run_edges",
    metadata,
    Column("consumer_id", String(16), primary_key=True),
    Column("producer_id", String(16), primary_key=True),
    Column("via", Text, primary_key=True),
    Column("kind", String(4), nullable=False),
    one_of("kind", ("io", "link")),
)
# Downstream walks and dependents: who consumed this run's outputs.
Index("ix_run_edges_producer", run_edges.c.producer_id, run_edges.c.consumer_id)

LINK_VIA = ""

# OpenLineage runs (POST /api/v1/lineage): every event as received, and what was stored for its run. A run's span
# is a pure function of its events (mltrace_otel/openlineage/runs.py), stored once a terminal event arrived and
# replaced when a later event changes it; ``digest`` is null while the run has no terminal event (it is pending,
# invisible to queries, as an OTel span is until it ends).
openlineage_runs = Table(
    "openlineage_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("span_id", String(16), nullable=False),
    Column("digest", String(64)),
    Column("updated_ns", BigInteger, nullable=False),
)
# Retention deletes the OpenLineage rows of the runs it deletes.
Index("ix_openlineage_runs_span", openlineage_runs.c.span_id)
# The OpenLineage spec's run-event types; the receiver (openlineage/events.py, a layer above) accepts exactly these.
OPENLINEAGE_EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
openlineage_events = Table(
    "openlineage_events",
    metadata,
    Column("run_id", String(36), primary_key=True),
    # sha256 of the event's canonical JSON: the same event delivered twice is kept once.
    Column("event_hash", String(64), primary_key=True),
    Column("event_type", String(16), nullable=False),
    Column("event_time_ns", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
    Column("received_ns", BigInteger, nullable=False),
    one_of("event_type", OPENLINEAGE_EVENT_TYPES),
)

# `mltrace db copy` checkpoints, kept in the *target* store and committed with each page copied, so an
# interrupted copy resumes after the last committed page. Never copied itself.
store_copies = Table(
    "store_copies",
    metadata,
    Column("source", Text, primary_key=True),
    Column("table_name", Text, primary_key=True),
    Column("last_key", Text),  # JSON array: the source key of the last row copied
    Column("rows_copied", BigInteger, nullable=False, server_default=text("0")),
    Column("done", Boolean, nullable=False, server_default=text("false")),
    Column("updated_ns", BigInteger, nullable=False),
)

# Access (issue 13). API keys are stored as the sha256 of the key (a 256-bit random secret, so no salt or slow hash
# is needed); a key is never stored. ``revoked_ns`` set = refused by every replica on its next request.
api_keys = Table(
    "api_keys",
    metadata,
    Column("name", Text, primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scopes", Text, nullable=False),  # space-separated scope names
    Column("created_by", Text, nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("revoked_ns", BigInteger),
)
# UI sessions: the cookie holds a random token, the table its sha256; a session lives as long as its key.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("key_name", Text, nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("expires_ns", BigInteger, nullable=False),
)
# Every change to what review ranks on and to who may do what: who, what, before -> after (JSON texts), when.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", SeqId, primary_key=True, autoincrement=True),
    Column("at_ns", BigInteger, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("subject", Text, nullable=False),
    Column("before", Text),
    Column("after", Text),
    sqlite_autoincrement=True,
)
Index("ix_audit_log_subject_seq", audit_log.c.subject, audit_log.c.seq)
# Outputs a user pinned (`mltrace pin`): retention never deletes the run that produced one, nor anything upstream.
pins = Table(
    "pins",
    metadata,
    Column("pointer", Text, primary_key=True),
    Column("pinned_ns", BigInteger, nullable=False),
    Column("note", Text),
)

# ---------------------------------------------------------------- monitoring (outputs, feedback, metrics)
# A task's outputs and their feedback (ground truth), as mltrace's Task logged them, keyed by the output id: the
# same id delivered again (an OTLP retry) is kept once, its first value stands. ``value`` holds a number,
# ``label`` a category; exactly one is set. trace_id/span_id: the run whose context the record was logged in.
tasks = Table(
    "tasks",
    metadata,
    Column("name", Text, primary_key=True),
    Column("created_ns", BigInteger, nullable=False),
    # Drift settings; null means the default (see mltrace_otel/monitoring/drift.py).
    Column("drift_threshold", Float),
    Column("reference_start_ns", BigInteger),
    Column("reference_end_ns", BigInteger),
    # Registered metrics, a JSON list of {"name": ..., "window_s": ...}: what /metrics exports for the task.
    Column("metrics", Text),
)


def _observations(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("task", Text, primary_key=True),
        Column("output_id", Text, primary_key=True),
        Column("value", Float),
        Column("label", Text),
        Column("ts_ns", BigInteger, nullable=False),
        Column("trace_id", String(32)),
        Column("span_id", String(16)),
        Column("ingested_ns", BigInteger, nullable=False),
    )


task_outputs = _observations("task_outputs")
task_feedback = _observations("task_feedback")
# Windows and distributions read a task's rows by time.
Index("ix_task_outputs_task_ts", task_outputs.c.task, task_outputs.c.ts_ns)
Index("ix_task_feedback_task_ts", task_feedback.c.task, task_feedback.c.ts_ns)
Index("ix_task_outputs_span_id", task_outputs.c.span_id)  # a run's outputs, for its drift badge

# Sufficient statistics of the joined (output, feedback) pairs per task and minute of the output's time: a
# window's metric is a sum over its minutes. Ingest marks the minutes it touched in task_dirty_buckets; a read
# recomputes only those (see mltrace_otel/monitoring/buckets.py).
task_metric_buckets = Table(
    "task_metric_buckets",
    metadata,
    Column("task", Text, primary_key=True),
    Column("bucket_ns", BigInteger, primary_key=True),
    *(Column(c, BigInteger, nullable=False) for c in ("n", "n_correct", "tp", "fp", "fn", "tn", "n_num", "n_ape")),
    Column("n_ll", BigInteger, nullable=False),
    *(Column(c, Float, nullable=False) for c in ("sum_abs", "sum_sq", "sum_ape", "sum_ll")),
)
task_dirty_buckets = Table(
    "task_dirty_buckets",
    metadata,
    Column("task", Text, primary_key=True),
    Column("bucket_ns", BigInteger, primary_key=True),
)
# Each task's outputs per minute: count, numeric count and sum, time span, and cumulative counts at the /metrics
# histogram's bounds (le_0...; monitoring/buckets.py EDGES); and category counts per minute. Kept by the same
# marks, they let a scrape and the task list add up minutes instead of reading outputs.
task_output_buckets = Table(
    "task_output_buckets",
    metadata,
    Column("task", Text, primary_key=True),
    Column("bucket_ns", BigInteger, primary_key=True),
    Column("n", BigInteger, nullable=False),
    Column("n_value", BigInteger, nullable=False),
    Column("sum_value", Float, nullable=False),
    Column("first_ns", BigInteger, nullable=False),
    Column("last_ns", BigInteger, nullable=False),
    *(Column(f"le_{i}", BigInteger, nullable=False) for i in range(20)),
)
task_label_buckets = Table(
    "task_label_buckets",
    metadata,
    Column("task", Text, primary_key=True),
    Column("bucket_ns", BigInteger, primary_key=True),
    Column("label", Text, primary_key=True),
    Column("n", BigInteger, nullable=False),
)
# Per class (the output's or feedback's category, or "v" + its number) of the joined pairs, per minute: true and
# false positives and false negatives, what multi-class (macro, micro, weighted) precision/recall/F1 add up.
task_class_buckets = Table(
    "task_class_buckets",
    metadata,
    Column("task", Text, primary_key=True),
    Column("bucket_ns", BigInteger, primary_key=True),
    Column("class_key", Text, primary_key=True),
    Column("tp", BigInteger, nullable=False),
    Column("fp", BigInteger, nullable=False),
    Column("fn", BigInteger, nullable=False),
)
