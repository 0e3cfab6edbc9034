"""mltrace 0.17's quirks, each shown absent here."""

from __future__ import annotations

import importlib.util
import re
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, text

import mltrace_otel as mltrace
from mltrace_otel import ComponentRun, component_run, register
from mltrace_otel.queries.staleness import stale_reasons
from mltrace_otel.store.clear import clear_store
from mltrace_otel.store.engine import get_engine
from tests.core.conftest import Store
from tests.helpers import count_statements

T0 = datetime(2024, 6, 1, tzinfo=UTC)


def _log(component: str, start_min: float, inputs: list[str], outputs: list[str]) -> str:
    start = T0 + timedelta(minutes=start_min)
    run = ComponentRun(component, "", start, start + timedelta(seconds=30), inputs=inputs, outputs=outputs)
    return mltrace.log_component_run(run)


def test_failed_runs_are_visible_everywhere(store: Store) -> None:
    @register("flaky_train", inputs=["features.csv"], outputs=["model.pkl"])
    def flaky_train() -> None:
        raise MemoryError("out of memory")

    with pytest.raises(MemoryError):
        flaky_train()
    (run_id,) = mltrace.get_recent_run_ids()
    info = mltrace.get_component_run_information(run_id)
    assert info.status == "ERROR" and [p.name for p in info.outputs] == ["model.pkl"]
    assert [h.status for h in mltrace.get_history("flaky_train")] == ["ERROR"]
    ((depth, traced),) = mltrace.backtrace("model.pkl")
    assert (depth, traced.id, traced.status) == (0, run_id, "ERROR")
    (node,) = mltrace.web_trace("model.pkl")
    assert node["failed"] is True


LATIN1_MODULE = textwrap.dedent(
    """\
    # -*- coding: latin-1 -*-
    from mltrace_otel import register

    @register("résumé", output_vars=["target"])
    def nettoyer():
        target = "données_nettoyées.csv"  # café, naïve, Ørsted
        return target
    """
)


def test_non_utf8_source_with_a_coding_cookie_is_logged_and_stored(store: Store, tmp_path: Path) -> None:
    module_path = tmp_path / "latin1_step.py"
    module_path.write_bytes(LATIN1_MODULE.encode("latin-1"))
    spec = importlib.util.spec_from_file_location("latin1_step", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.nettoyer() == "données_nettoyées.csv"
    (run_id,) = mltrace.get_recent_run_ids()
    info = mltrace.get_component_run_information(run_id)
    assert info.component_name == "résumé"
    assert [p.name for p in info.outputs] == ["données_nettoyées.csv"]
    assert info.code_snapshot is not None and "café, naïve, Ørsted" in info.code_snapshot


def test_non_ascii_source_in_utf8_is_stored(store: Store) -> None:
    @register("emoji_step")
    def emoji_step() -> str:
        return "🚀 naïve café"

    emoji_step()
    info = mltrace.get_component_run_information(mltrace.get_recent_run_ids(1)[0])
    assert info.code_snapshot is not None and "🚀 naïve café" in info.code_snapshot


def test_a_run_reading_and_writing_one_pointer_does_not_depend_on_itself(store: Store) -> None:
    with component_run("append_log", outputs=["log.csv"]) as first:
        pass
    with component_run("append_log", inputs=["log.csv"], outputs=["log.csv"]) as second:
        pass
    assert store.dependencies(second.id) == {first.id}
    assert store.dependencies(first.id) == set()
    trace = mltrace.backtrace("log.csv")
    assert [info.id for _, info in trace] == [second.id, first.id]


def test_reads_never_write(store: Store) -> None:
    _log("ingest", 0, [], ["raw.csv"])
    run_id = _log("clean", 1, ["raw.csv"], ["clean.csv"])
    mltrace.flag_output_id("clean.csv")
    before = {t: store.count(t) for t in ("spans", "io_pointers", "components", "run_edges", "run_io")}
    with count_statements(store.engine) as counter:
        mltrace.get_io_pointer("raw.csv")
        with pytest.raises(mltrace.NotFound):
            mltrace.get_io_pointer("never-seen.csv")
        mltrace.get_history("clean")
        mltrace.get_recent_run_ids()
        mltrace.get_component_run_information(run_id)
        mltrace.get_component_information("clean")
        mltrace.get_components()
        mltrace.get_all_tags()
        mltrace.backtrace("clean.csv")
        mltrace.web_trace("clean.csv")
        mltrace.review_flagged_outputs()
    writes = [s for s in counter.statements if re.match(r"\s*(INSERT|UPDATE|DELETE|CREATE|DROP)", s, re.I)]
    assert writes == []
    assert {t: store.count(t) for t in before} == before


def test_review_survives_a_flagged_output_that_no_run_produced(store: Store) -> None:
    _log("ingest", 0, ["vendor-feed.csv"], ["raw.csv"])  # vendor-feed.csv is only ever read
    _log("predict", 1, ["raw.csv"], ["pred-1"])
    mltrace.flag_output_id("vendor-feed.csv")
    assert mltrace.review_flagged_outputs() == (["vendor-feed.csv"], [])
    mltrace.flag_output_id("pred-1")
    flagged, ranked = mltrace.review_flagged_outputs()
    assert sorted(flagged) == ["pred-1", "vendor-feed.csv"]
    assert sorted(info.component_name for info, _ in ranked) == ["ingest", "predict"]
    details = mltrace.review_details()
    assert details.unproduced == ["vendor-feed.csv"]


def test_clearing_the_store_keeps_other_applications_tables(store: Store) -> None:
    _log("ingest", 0, [], ["raw.csv"])
    mltrace.flush()
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE billing_invoices (id INTEGER PRIMARY KEY, amount INTEGER)"))
        conn.execute(text("INSERT INTO billing_invoices VALUES (1, 250)"))
    with store.engine.begin() as conn:
        deleted = clear_store(conn)
    assert deleted["spans"] == 1 and deleted["io_pointers"] == 1
    assert store.count("spans") == 0 and store.count("run_io") == 0
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT amount FROM billing_invoices")).scalar_one() == 250
    with component_run("after_clear"):  # the store stays usable
        pass
    assert [r.component for r in store.runs()] == ["after_clear"]


def test_staleness_is_quiet_for_parallel_shards_and_precise_when_one_reruns(store: Store) -> None:
    shards = [_log("featuregen", 0, [f"raw-{i}.csv"], [f"features-{i}.csv"]) for i in range(10)]
    train = _log("train", 5, [f"features-{i}.csv" for i in range(10)], ["model.pkl"])
    with store.connect() as conn:
        assert stale_reasons(conn, [train])[train] == []  # ten sibling runs of one component: not "newer" ones
    rerun = _log("featuregen", 10, ["raw-3.csv"], ["features-3.csv"])
    with store.connect() as conn:
        reasons = stale_reasons(conn, [train])[train]
    assert [(r.dependency_id, r.newer_run_id) for r in reasons] == [(shards[3], rerun)]
    assert "features-3.csv" in reasons[0].reason


def test_one_engine_and_a_pooled_connection_serve_every_call(store: Store) -> None:
    _log("ingest", 0, [], ["raw.csv"])
    engine = get_engine(store.url)
    connects: list[object] = []

    def on_connect(*_: object) -> None:
        connects.append(1)

    event.listen(engine, "connect", on_connect)
    try:
        for _ in range(25):
            mltrace.get_recent_run_ids()
            mltrace.backtrace("raw.csv")
            mltrace.get_component_information("ingest")
    finally:
        event.remove(engine, "connect", on_connect)
    assert get_engine(store.url) is engine
    assert len(connects) <= 1  # mltrace: a new engine and connection for each of these 75 calls
