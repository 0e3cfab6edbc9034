"""No N+1 behind the CLI: a command costs the same number of SQL statements for a small or a large answer."""

from __future__ import annotations

from sqlalchemy import Engine

from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from tests.cli.conftest import Invoke
from tests.helpers import count_statements, run_record


def _fan_in(prefix: str, width: int) -> list[SpanRecord]:
    """``width`` shards from one source, each feeding one training run: a graph of width + 2 runs."""
    source = run_record("source", 0, 1, outputs=[f"{prefix}raw"])
    shards = [run_record("shard", 2, 3, inputs=[f"{prefix}raw"], outputs=[f"{prefix}part-{i}"]) for i in range(width)]
    train = run_record("train", 4, 5, inputs=[f"{prefix}part-{i}" for i in range(width)], outputs=[f"{prefix}model"])
    return [source, *shards, train]


def _cost(engine: Engine, cli: Invoke, *args: str) -> int:
    with count_statements(engine) as counter:
        result = cli(*args)
    assert result.exit_code == 0, result.output
    return counter.count


def test_trace_and_lineage_cost_does_not_grow_with_the_graph(cli: Invoke, engine: Engine) -> None:
    ingest_spans(engine, [*_fan_in("small-", 3), *_fan_in("big-", 300)])
    for command in (("trace",), ("lineage",), ("lineage", "--downstream")):
        target = "raw" if "--downstream" in command else "model"
        small = _cost(engine, cli, command[0], f"small-{target}", *command[1:], "--json")
        big = _cost(engine, cli, command[0], f"big-{target}", *command[1:], "--json")
        assert small == big, command


def test_recent_and_history_cost_does_not_grow_with_the_limit(cli: Invoke, engine: Engine) -> None:
    ingest_spans(engine, _fan_in("", 600))
    assert _cost(engine, cli, "recent", "--limit", "5", "--json") == _cost(engine, cli, "recent", "-n", "600", "--json")
    assert _cost(engine, cli, "history", "shard", "-n", "5") == _cost(engine, cli, "history", "shard", "-n", "600")
