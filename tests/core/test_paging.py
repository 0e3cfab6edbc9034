"""Keyset paging returns every run exactly once, newest first, even when many runs start at the same instant."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from mltrace_otel.queries.records import Page
from mltrace_otel.queries.runs import history, recent_runs
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import run_record


def _all_pages(fetch: Callable[..., Page], first: int) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        page = fetch(first=first, after=after)
        ids.extend(r.id for r in page.items)
        if not page.has_next:
            return ids
        after = page.end_cursor


def test_paging_through_runs_that_start_together_sees_each_once(engine: Engine) -> None:
    same_instant = [run_record("burst", 5, 6) for _ in range(25)]
    others = [run_record("burst", t, t + 1) for t in (1, 9)]
    plain = run_record("x", 5, 6)
    plain = type(plain)(**{**{f: getattr(plain, f) for f in plain.__dataclass_fields__}, "attributes": {}})
    ingest_spans(engine, [*same_instant, *others, plain])
    with engine.connect() as conn:
        for first in (1, 7, 25, 100):
            ids = _all_pages(lambda **kw: recent_runs(conn, **kw), first)
            assert len(ids) == len(set(ids)) == 27  # the plain span is no run
            assert ids[0] == others[1].span_id and ids[-1] == others[0].span_id
            assert ids[1:26] == sorted((r.span_id for r in same_instant), reverse=True)
            assert _all_pages(lambda **kw: history(conn, "burst", **kw), first) == ids
        empty = recent_runs(conn, first=0)
        assert empty.items == [] and empty.has_next


def test_history_date_bounds_are_inclusive(engine: Engine) -> None:
    runs = [run_record("daily", t, t + 1) for t in (0, 10, 20)]
    ingest_spans(engine, runs)
    with engine.connect() as conn:
        page = history(conn, "daily", since_ns=runs[1].start_ns, until_ns=runs[2].start_ns)
        assert [r.id for r in page.items] == [runs[2].span_id, runs[1].span_id]
        assert history(conn, "nobody").items == []
