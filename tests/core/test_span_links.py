"""OTel span links are dependencies too (docs/design.md §2), whatever order the linked spans arrive in."""

from __future__ import annotations

from sqlalchemy import Engine

from mltrace_otel.queries.lineage import lineage
from mltrace_otel.queries.linked_runs import dependencies_of, dependency_runs
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import run_record

OTHER_TRACE = "cd" * 16


def _edges(engine: Engine, run_id: str) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return sorted((e.producer_id, e.via, e.kind) for e in dependencies_of(conn, [run_id])[run_id])


def test_a_link_makes_the_linked_run_a_dependency_across_traces(engine: Engine) -> None:
    batch_job = run_record("aggregate", 0, 1, trace_id=OTHER_TRACE)
    consumer = run_record("report", 5, 6, links=[batch_job.span_id])
    ingest_spans(engine, [batch_job, consumer])
    assert _edges(engine, consumer.span_id) == [(batch_job.span_id, "", "link")]
    with engine.connect() as conn:
        graph = lineage(conn, run_ids=[consumer.span_id])
    assert set(graph.runs) == {consumer.span_id, batch_job.span_id}


def test_a_link_to_a_span_that_has_not_arrived_appears_when_it_does(engine: Engine) -> None:
    consumer = run_record("report", 5, 6, links=["00000000000abcde"])
    ingest_spans(engine, [consumer])
    assert _edges(engine, consumer.span_id) == []  # dangling: hidden, never an error
    with engine.connect() as conn:
        assert set(lineage(conn, run_ids=[consumer.span_id]).runs) == {consumer.span_id}
    late = run_record("aggregate", 0, 1, span_id="00000000000abcde", trace_id=OTHER_TRACE)
    ingest_spans(engine, [late])
    assert _edges(engine, consumer.span_id) == [(late.span_id, "", "link")]


def test_a_link_and_an_io_edge_to_the_same_run_are_both_kept_and_the_run_appears_once(engine: Engine) -> None:
    producer = run_record("train", 0, 1, outputs=["model.pkl"])
    consumer = run_record("serve", 2, 3, inputs=["model.pkl"], links=[producer.span_id])
    ingest_spans(engine, [consumer, producer])
    assert _edges(engine, consumer.span_id) == [(producer.span_id, "", "link"), (producer.span_id, "model.pkl", "io")]
    with engine.connect() as conn:
        graph = lineage(conn, run_ids=[consumer.span_id])
    assert len(graph.runs) == 2


def test_a_link_is_honoured_even_to_a_run_that_started_later(engine: Engine) -> None:
    # Links are explicit: the time rules apply to IO pointers only.
    consumer = run_record("backfill", 0, 1, links=[])
    later = run_record("source", 10, 11)
    consumer = run_record("backfill", 0, 1, links=[later.span_id])
    ingest_spans(engine, [consumer, later])
    assert _edges(engine, consumer.span_id) == [(later.span_id, "", "link")]


def test_a_link_to_itself_and_repeated_links_make_no_extra_edges(engine: Engine) -> None:
    target = run_record("source", 0, 1)
    me = "0000000000fedcba"
    consumer = run_record("self_linked", 2, 3, span_id=me, links=[me, target.span_id, target.span_id])
    ingest_spans(engine, [target, consumer])
    assert _edges(engine, me) == [(target.span_id, "", "link")]


def test_links_from_plain_otel_spans_that_are_not_runs_do_not_make_lineage(engine: Engine) -> None:
    run = run_record("source", 0, 1)
    plain = run_record("x", 2, 3, links=[run.span_id])
    plain = type(plain)(**{**{f: getattr(plain, f) for f in plain.__dataclass_fields__}, "attributes": {}})
    ingest_spans(engine, [run, plain])
    with engine.connect() as conn:
        assert dependencies_of(conn, [plain.span_id])[plain.span_id] == []


def test_a_link_to_a_plain_span_that_is_not_a_run_is_not_a_dependency(engine: Engine) -> None:
    # A messaging system's "send" span, say: stored and shown in the OTel trace, but not a lineage node.
    plain = run_record("x", 0, 1)
    plain = type(plain)(**{**{f: getattr(plain, f) for f in plain.__dataclass_fields__}, "attributes": {}})
    consumer = run_record("consume", 2, 3, links=[plain.span_id])
    ingest_spans(engine, [plain, consumer])
    assert _edges(engine, consumer.span_id) == []
    with engine.connect() as conn:
        assert set(lineage(conn, run_ids=[consumer.span_id]).runs) == {consumer.span_id}
        # The GraphQL dependencies loader reads edges with their runs: the same rule holds there.
        assert dependency_runs(conn, [consumer.span_id])[consumer.span_id] == []
