"""Lineage-aware retention on SQLite and Postgres: a kept run's dependencies stay, pins and flags protect, plan
equals apply, ingest goes on during a purge, plain spans have a life of their own."""

from __future__ import annotations

import dataclasses
import json
import random
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from mltrace_otel.cli.main import app
from mltrace_otel.config import ConfigError
from mltrace_otel.openlineage.events import RunEvent, parse_event
from mltrace_otel.openlineage.receive import receive_events
from mltrace_otel.queries.lineage import lineage
from mltrace_otel.queries.pointers import set_flag
from mltrace_otel.retention.pins import pin, unpin
from mltrace_otel.retention.plan import plan_retention
from mltrace_otel.retention.policy import Limits, load_policy_file, parse_policy
from mltrace_otel.retention.purge import apply_retention
from mltrace_otel.semconv import CODE_SNAPSHOT
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from mltrace_otel.store.rows import snapshot_hash
from tests.helpers import new_span_id, run_record

DAY = 86_400
BASE_NS = 1_700_000_000 * 10**9  # run_record's epoch
NOW = BASE_NS + 100 * DAY * 10**9  # "now" is day 100


def _run(component: str, day: float, inputs: tuple[str, ...] = (), outputs: tuple[str, ...] = ()) -> SpanRecord:
    return run_record(component, day * DAY, day * DAY + 60, inputs, outputs)


def _plain_span(day: float) -> SpanRecord:
    return SpanRecord(
        trace_id="cd" * 16,
        span_id=new_span_id(),
        parent_span_id=None,
        name="http-get",
        kind="CLIENT",
        start_ns=BASE_NS + int(day * DAY * 10**9),
        end_ns=BASE_NS + int(day * DAY * 10**9) + 1,
        status_code="UNSET",
        attributes={},
    )


def _ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT span_id FROM spans WHERE component IS NOT NULL")).scalars())


def _dangling_edges(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM run_edges e WHERE NOT EXISTS (SELECT 1 FROM spans s WHERE s.span_id = "
                    "e.producer_id) OR NOT EXISTS (SELECT 1 FROM spans s WHERE s.span_id = e.consumer_id)"
                )
            ).scalar_one()
        )


def test_policy_text_and_file(tmp_path: Path) -> None:
    policy = parse_policy("*=90d; component:serve=30d,last:1000; tag:adhoc=7d ; spans=2w")
    assert policy.default == Limits(90 * DAY * 10**9, None)
    assert policy.components["serve"] == Limits(30 * DAY * 10**9, 1000)
    assert policy.rules_for("serve", ["adhoc"]) == (policy.components["serve"],)  # the component's own rule wins
    assert policy.rules_for("etl", ["adhoc"]) == (policy.tags["adhoc"],)
    assert policy.rules_for("etl", []) == (policy.default,)
    assert policy.spans_within_ns == 14 * DAY * 10**9
    assert parse_policy(policy.describe()) == policy
    file = tmp_path / "retention.toml"
    file.write_text(
        '[default]\nwithin = "90d"\n[spans]\nwithin = "14d"\n'
        '[[rules]]\ncomponent = "a;b=c"\nlast = 5\n[[rules]]\ntag = "adhoc"\nwithin = "7d"\nlast = 2\n'
    )
    loaded = load_policy_file(file)
    assert loaded.components == {"a;b=c": Limits(None, 5)} and loaded.tags == {"adhoc": Limits(7 * DAY * 10**9, 2)}
    for bad, message in [
        ("*=90", "not a duration"),
        ("*=last:0", "positive whole number"),
        ("owner:x=1d", "unknown selector"),
        ("spans=last:5", "by age only"),
        ("*", "expected SELECTOR=LIMITS"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_policy(bad)
    file.write_text('[[rules]]\ncomponent = "x"\ntag = "y"\nwithin = "1d"\n')
    with pytest.raises(ConfigError, match="exactly one"):
        load_policy_file(file)


def test_a_kept_runs_dependencies_stay_whatever_their_age(engine: Engine) -> None:
    a = _run("ingest", 1, outputs=("raw",))
    b = _run("clean", 2, ("raw",), ("clean",))
    c = _run("train", 3, ("clean",), ("model",))
    d = _run("predict", 90, ("model",), ("pred",))  # kept: younger than 30 days
    e = _run("ingest", 1, outputs=("x",))
    f = _run("clean", 2, ("x",), ("y",))  # old, and nothing kept depends on e or f
    ingest_spans(engine, [a, b, c, d, e, f])
    policy = parse_policy("*=30d")
    with engine.connect() as conn:
        plan = plan_retention(conn, policy, NOW, with_ids=True)
    assert plan.run_ids == sorted([e.span_id, f.span_id])
    assert plan.runs_expired == 5 and plan.protected == {"depended_on": 1, "upstream": 2}
    result = apply_retention(engine, policy, NOW, with_ids=True)
    assert sorted(result.deleted_ids or []) == plan.run_ids
    assert _ids(engine) == {a.span_id, b.span_id, c.span_id, d.span_id}
    with engine.connect() as conn:
        assert set(lineage(conn, output="pred").runs) == {a.span_id, b.span_id, c.span_id, d.span_id}
        pointers = set(conn.execute(text("SELECT name FROM io_pointers")).scalars())
    assert pointers == {"raw", "clean", "model", "pred"}  # x and y: nothing refers to them any more
    assert _dangling_edges(engine) == 0


def test_pins_and_flags_protect_their_lineage(engine: Engine) -> None:
    p1, p2 = _run("fit", 1, outputs=("features",)), _run("fit2", 2, ("features",), ("model-v1",))
    q1, q2 = _run("score", 1, outputs=("scores",)), _run("report", 2, ("scores",), ("report.html",))
    older = _run("fit2", 0.5, ("features",), ("model-v1",))  # an older producer of the pinned output
    r = _run("misc", 1, outputs=("misc",))
    ingest_spans(engine, [p1, p2, q1, q2, older, r])
    with engine.begin() as conn:
        pin(conn, "model-v1", "shipped to production")
        set_flag(conn, "report.html", True)
    policy = parse_policy("*=30d")
    with engine.connect() as conn:
        plan = plan_retention(conn, policy, NOW, with_ids=True)
    # The pin keeps the output's latest producer (what lineage shows) and its upstream, not every older producer.
    assert plan.run_ids == sorted([r.span_id, older.span_id])
    assert plan.protected == {"pinned": 1, "flagged": 1, "depended_on": 2}
    with engine.begin() as conn:
        assert unpin(conn, "model-v1")
        set_flag(conn, "report.html", False)
    result = apply_retention(engine, policy, NOW, with_ids=True)
    assert result.runs_deleted == 6 and _ids(engine) == set()


def test_plan_equals_apply_and_leaves_no_orphan(engine: Engine) -> None:
    rng = random.Random(17)
    records: list[SpanRecord] = []
    outputs: list[tuple[float, str]] = []
    for i in range(150):
        day = rng.uniform(0, 100)
        earlier = [name for when, name in outputs if when < day]
        inputs = tuple(rng.sample(earlier, min(len(earlier), rng.choice([0, 1, 1, 2]))))
        records.append(_run(f"c{i % 5}", day, inputs, (f"out/{i}",)))
        outputs.append((day + 0.01, f"out/{i}"))
    records += [_plain_span(d) for d in (1, 50, 95)]
    ingest_spans(engine, records)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO component_tags (component, tag) VALUES ('c3', 'adhoc'), ('c4', 'adhoc')"))
    policy = parse_policy("*=40d; component:c1=last:5; tag:adhoc=60d,last:3; spans=10d")
    with engine.connect() as conn:
        plan = plan_retention(conn, policy, NOW, with_ids=True)
    assert plan.runs_to_delete > 10 and sum(plan.protected.values()) > 0 and plan.spans_to_delete == 2
    before = _ids(engine)
    result = apply_retention(engine, policy, NOW, batch_size=7, with_ids=True)
    assert sorted(result.deleted_ids or []) == plan.run_ids and result.kept_late == 0
    assert _ids(engine) == before - set(plan.run_ids)
    assert result.spans_deleted == 2 and _dangling_edges(engine) == 0
    with engine.connect() as conn:
        numbered = set(conn.execute(text("SELECT span_id FROM run_arrivals")).scalars())
    assert numbered == _ids(engine)  # the arrival numbers of deleted runs went with them
    with engine.connect() as conn:
        again = plan_retention(conn, policy, NOW)
        plain = conn.execute(text("SELECT count(*) FROM spans WHERE component IS NULL")).scalar_one()
    assert again.runs_to_delete == 0 and again.spans_to_delete == 0 and plain == 1


def test_ingest_goes_on_during_a_purge_and_new_dependents_keep_their_producers(engine: Engine) -> None:
    # The three oldest read a seed run each: when they come to be depended on, their seeds must stay too.
    seeds = [_run("seed", 0.5, outputs=(f"seed/{i}",)) for i in range(3)]
    old = [_run("old", 1 + i / 100, (f"seed/{i}",) if i < 3 else (), (f"old/{i}",)) for i in range(60)]
    ingest_spans(engine, [*seeds, *old])
    stored: list[str] = []
    progress = threading.Condition()
    done = threading.Event()

    def ingest_forever() -> None:
        i = 0
        while not done.is_set():
            # Newer runs reading the oldest outputs, which the purge reaches last (it deletes newest first).
            run = _run("new", 99 + i / 10_000, (f"old/{i % 3}",), (f"new/{i}",))
            ingest_spans(engine, [run])
            with progress:
                stored.append(run.span_id)
                progress.notify_all()
            i += 1

    seen = 0

    def between_batches() -> None:
        """Each batch waits for a run ingested since the last one: a purge that blocked ingest would hang here."""
        nonlocal seen
        if writer.ident is None:
            writer.start()  # after the plan and a first batch: what it ingests is news to the purge
        with progress:
            assert progress.wait_for(lambda: len(stored) > seen, timeout=120), "ingest made no progress"
            seen = len(stored)

    writer = threading.Thread(target=ingest_forever)
    try:
        result = apply_retention(engine, parse_policy("*=30d"), NOW, batch_size=5, on_batch=between_batches)
    finally:
        done.set()
        if writer.ident is not None:
            writer.join(60)
    remaining = _ids(engine)
    assert set(stored) <= remaining  # every run ingested during the purge is there
    # The three oldest runs came to be depended on during the purge: kept with their seeds; every other old run went.
    assert {r.span_id for r in [*seeds, *old[:3]]} <= remaining and result.kept_late == 6
    assert not {r.span_id for r in old[3:]} & remaining and result.runs_deleted == 57
    assert result.batches >= 13 and seen >= 12  # 12 batches of runs, then ranges of arrival numbers
    assert _dangling_edges(engine) == 0


def test_cli_pin_plan_apply(engine: Engine, db_url: str) -> None:
    ingest_spans(engine, [_run("a", 1, outputs=("keep-me",)), _run("b", 1, outputs=("lose-me",))])
    runner = CliRunner()

    def invoke(*args: str) -> str:
        done = runner.invoke(app, ["--database-url", db_url, *args])
        assert done.exit_code == 0, done.output
        return done.output

    invoke("pin", "keep-me", "--note", "release 1")
    assert json.loads(invoke("pins", "--json"))[0]["note"] == "release 1"
    planned = json.loads(invoke("retention", "plan", "--policy", "*=1d", "--json"))
    assert planned["runs_to_delete"] == 1 and planned["runs_kept_for_lineage"] == {"pinned": 1}
    assert "runs to delete" in invoke("retention", "plan", "--policy", "*=1d")
    applied = json.loads(invoke("retention", "apply", "--policy", "*=1d", "--pause-ratio", "0.5", "--json"))
    assert applied["runs_deleted"] == 1
    missing = runner.invoke(app, ["--database-url", db_url, "pin", "no-such-output"])
    assert missing.exit_code == 1 and "no output 'no-such-output'" in missing.output
    bad = runner.invoke(app, ["--database-url", db_url, "retention", "plan", "--policy", "*=soon"])
    assert bad.exit_code == 2 and "not a duration" in bad.output


def test_the_server_purges_on_a_schedule(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from starlette.testclient import TestClient

    from graphql_server.app import create_app
    from graphql_server.settings import ServerSettings

    today = (time.time_ns() - BASE_NS) / 1e9 / DAY
    kept, old = _run("a", today, outputs=("new",)), _run("a", 1, outputs=("old",))
    ingest_spans(engine, [kept, old])
    monkeypatch.setenv("MLTRACE_RETENTION", "*=30d")
    monkeypatch.setenv("MLTRACE_RETENTION_INTERVAL_S", "0.2")
    with TestClient(create_app(ServerSettings(database_url=db_url), engine=engine)):
        deadline = time.monotonic() + 120  # a hang detector, not a timing assertion
        while old.span_id in _ids(engine):
            assert time.monotonic() < deadline, "the scheduled purge never ran"
            time.sleep(0.1)
    assert _ids(engine) == {kept.span_id}
    monkeypatch.setenv("MLTRACE_RETENTION_INTERVAL_S", "soon")
    with pytest.raises(ConfigError, match="not a number"):
        create_app(ServerSettings(database_url=db_url), engine=engine)


def _openlineage_run(day: float, output: str) -> list[RunEvent]:
    run_id = str(uuid.uuid4())
    at = [datetime.fromtimestamp((BASE_NS + int((day * DAY + s) * 10**9)) / 10**9, UTC).isoformat() for s in (0, 60)]
    return [
        parse_event(
            {
                "eventType": state,
                "eventTime": time,
                "run": {"runId": run_id},
                "job": {"namespace": "dbt", "name": "orders"},
                "outputs": [{"namespace": "file", "name": output}] if state == "COMPLETE" else [],
                "producer": "tests",
            }
        )
        for state, time in zip(("START", "COMPLETE"), at, strict=True)
    ]


def _rows(engine: Engine, sql: str) -> set[object]:
    with engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())


def test_code_snapshots_and_openlineage_events_of_deleted_runs_go_with_them(engine: Engine) -> None:
    only_old, shared = "print('only old runs ran me')", "print('old and new runs ran me')"
    ingest_spans(
        engine,
        [
            run_record("train", 1 * DAY, 1 * DAY + 60, outputs=["m-1"], attributes={CODE_SNAPSHOT: only_old}),
            run_record("train", 2 * DAY, 2 * DAY + 60, outputs=["m-2"], attributes={CODE_SNAPSHOT: shared}),
            run_record("train", 99 * DAY, 99 * DAY + 60, outputs=["m-99"], attributes={CODE_SNAPSHOT: shared}),
        ],
    )
    old_events, new_events = _openlineage_run(3, "/lake/old"), _openlineage_run(98, "/lake/new")
    receive_events(engine, old_events + new_events)
    assert len(_rows(engine, "SELECT event_hash FROM openlineage_events")) == 4

    result = apply_retention(engine, parse_policy("*=30d"), NOW)
    assert result.runs_deleted == 3  # two train runs and the OpenLineage run of day 3
    assert _rows(engine, "SELECT hash FROM code_snapshots") == {snapshot_hash(shared)}
    assert _rows(engine, "SELECT run_id FROM openlineage_runs") == {new_events[0].run_id}
    assert _rows(engine, "SELECT run_id FROM openlineage_events") == {new_events[0].run_id}
    assert _rows(engine, "SELECT event_hash FROM openlineage_events") == {e.digest for e in new_events}
    # A span with the deleted code stored afterwards brings its snapshot again.
    ingest_spans(engine, [run_record("train", 100 * DAY, 100 * DAY + 1, attributes={CODE_SNAPSHOT: only_old})])
    assert _rows(engine, "SELECT hash FROM code_snapshots") == {snapshot_hash(shared), snapshot_hash(only_old)}


def test_plain_spans_purged_by_age_take_their_code_snapshots(engine: Engine) -> None:
    old = dataclasses.replace(_plain_span(1), attributes={CODE_SNAPSHOT: "print('a plain span')"})
    ingest_spans(engine, [old, _run("keep", 99)])
    assert len(_rows(engine, "SELECT hash FROM code_snapshots")) == 1
    result = apply_retention(engine, parse_policy("*=365d; spans=30d"), NOW)
    assert result.spans_deleted == 1
    assert _rows(engine, "SELECT hash FROM code_snapshots") == set()
