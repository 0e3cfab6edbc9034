"""OpenLineage out: Python runs reach an OpenLineage endpoint (ours: a real HTTP receiver) as the same runs."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

import mltrace_otel
from mltrace_otel.openlineage.emit import OpenLineageSpanExporter
from mltrace_otel.queries.records import Run
from mltrace_otel.queries.runs import recent_runs
from mltrace_otel.store.engine import get_engine
from mltrace_otel.store.models import run_edges
from tests.core.subprocesses import ROOT, python_env


def _runs(engine: Engine) -> dict[str, Run]:
    with engine.connect() as conn:
        return {r.id: r for r in recent_runs(conn, 200).items}


def _edges(engine: Engine) -> set[tuple[str, str, str]]:
    with engine.connect() as conn:
        return {(r.consumer_id, r.producer_id, r.via) for r in conn.execute(select(run_edges))}


def _pipeline() -> None:
    with (
        mltrace_otel.component_run("prepare", inputs=["raw.csv"], outputs=["/data/clean.csv"]),
        mltrace_otel.component_run("featurize", inputs=["/data/clean.csv"], outputs=["s3://lake/f.parquet"]),
    ):
        pass  # featurize runs inside prepare: its parent
    with pytest.raises(ValueError), mltrace_otel.component_run("train", inputs=["s3://lake/f.parquet"]):
        raise ValueError("labels are all null")


@pytest.fixture
def local_store(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'pipeline.db'}"
    yield url
    mltrace_otel.shutdown()


def test_runs_go_out_as_openlineage_events_and_come_back_as_the_same_runs(
    local_store: str, server: str, engine: Engine
) -> None:
    provider = mltrace_otel.configure(local_store, openlineage_url=server)
    _pipeline()
    assert mltrace_otel.flush()
    ours = _runs(get_engine(local_store))
    theirs = _runs(engine)
    assert set(theirs) == set(ours) and len(ours) == 3
    for run_id, run in ours.items():
        other = theirs[run_id]
        assert (other.component, other.trace_id, other.parent_id, other.start_ns, other.end_ns) == (
            run.component, run.trace_id, run.parent_id, run.start_ns, run.end_ns,
        )  # fmt: skip
        # OpenLineage has COMPLETE or FAIL: an UNSET status (ended without error) comes back as OK.
        assert other.status_code == ("ERROR" if run.status_code == "ERROR" else "OK")
        assert other.attributes["mltrace.inputs"] == run.attributes.get("mltrace.inputs", [])
        assert other.attributes["mltrace.outputs"] == run.attributes.get("mltrace.outputs", [])
    train = next(r for r in theirs.values() if r.component == "train")
    assert "labels are all null" in (train.status_message or "")
    assert _edges(engine) == _edges(get_engine(local_store))  # the same lineage on both sides
    featurize = next(r for r in theirs.values() if r.component == "featurize")
    # Marquez sees the parent run too: the child's event names its parent's job.
    assert '"name":"prepare"' in featurize.attributes["openlineage.run.facets.parent"]
    assert any(isinstance(e, OpenLineageSpanExporter) for e in _extra_exporters(provider))


def _extra_exporters(provider: object) -> list[object]:
    processors = provider._active_span_processor._span_processors  # type: ignore[attr-defined]
    return [getattr(p, "span_exporter", None) for p in processors]


def _pipeline_process(db_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    code = "import mltrace_otel as m\nwith m.component_run('step', outputs=['out.csv']):\n    pass\n"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=python_env(db_url, **env), capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_openlineage_url_in_the_environment_turns_it_on(tmp_path: Path, server: str, engine: Engine) -> None:
    local = f"sqlite:///{tmp_path / 'p.db'}"
    off = _pipeline_process(local, OPENLINEAGE_URL=server, OPENLINEAGE_DISABLED="true")
    assert off.returncode == 0, off.stderr
    assert _runs(engine) == {}
    on = _pipeline_process(local, OPENLINEAGE_URL=server, OPENLINEAGE_NAMESPACE="team-ml")
    assert on.returncode == 0, on.stderr
    (run,) = _runs(engine).values()
    assert run.component == "step"
    assert run.attributes["openlineage.job.namespace"] == "team-ml"
    assert run.attributes["mltrace.outputs"] == ["out.csv"]


def test_an_unreachable_endpoint_never_disturbs_the_pipeline(
    local_store: str, caplog: pytest.LogCaptureFixture
) -> None:
    mltrace_otel.configure(local_store, openlineage_url="http://127.0.0.1:9")
    with caplog.at_level(logging.ERROR, logger="mltrace_otel.openlineage.emit"):
        _pipeline()
        mltrace_otel.flush()
    assert len(_runs(get_engine(local_store))) == 3  # stored locally all the same
    errors = [r for r in caplog.records if "could not send an OpenLineage event" in r.getMessage()]
    assert len(errors) == 1  # once per outage, not per event


def test_mltrace_run_sends_its_run_too(db_url: str, server: str, engine: Engine, tmp_path: Path) -> None:
    local = f"sqlite:///{tmp_path / 'p.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "mltrace_otel.cli.main", "--database-url", local, "run", "-c", "shell-step",
         "-o", "/data/out.txt", "--", "true"],
        cwd=tmp_path, env=python_env(OPENLINEAGE_URL=server), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (run,) = _runs(engine).values()
    assert run.component == "shell-step" and run.attributes["mltrace.outputs"] == ["/data/out.txt"]
    assert set(_runs(get_engine(local))) == {run.id}
