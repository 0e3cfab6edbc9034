"""OpenLineage in: Airflow and dbt events through the real client's HTTP transport, joined to Python steps."""

from __future__ import annotations

import json
import random
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.serde import Serde
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpCompression
from sqlalchemy import Engine, select

import mltrace_otel
from mltrace_otel.openlineage.events import parse_event
from mltrace_otel.openlineage.receive import receive_events
from mltrace_otel.openlineage.runs import run_span_id
from mltrace_otel.queries.lineage import Direction, lineage
from mltrace_otel.queries.records import Run
from mltrace_otel.queries.runs import get_run, recent_runs
from mltrace_otel.store.clear import clear_store
from mltrace_otel.store.models import openlineage_runs, run_edges
from tests.openlineage.conftest import ol_client
from tests.openlineage.scenarios import DBT_ERROR, WAREHOUSE, Day, airflow_dbt_day


def _log_python_steps(day: Day) -> None:
    """The Python steps of the day, logged with mltrace-otel's API (the real SDK and exporter)."""
    load = mltrace_otel.ComponentRun(
        "load_orders",
        start_timestamp=day.t0 + timedelta(seconds=50),
        end_timestamp=day.t0 + timedelta(seconds=80),
        inputs=["/data/exports/orders.csv"],
        outputs=[f"{WAREHOUSE}/analytics.raw.orders"],
    )
    mltrace_otel.log_component_run(load)
    score = mltrace_otel.ComponentRun(
        "score_orders",
        start_timestamp=day.t0 + timedelta(seconds=400),
        end_timestamp=day.t0 + timedelta(seconds=420),
        inputs=["s3://lake/exports/orders_daily.parquet", "/data/reports/summary.json"],
        outputs=["scores.csv"],
    )
    mltrace_otel.log_component_run(score)
    mltrace_otel.flush()


def _run_of(engine: Engine, component: str) -> Run:
    with engine.connect() as conn:
        found = [r for r in recent_runs(conn, 200).items if r.component == component]
    assert len(found) == 1, component
    return found[0]


def _send(client: OpenLineageClient, events: list[Any]) -> None:
    for event in events:
        client.emit(event)


def test_airflow_and_dbt_lineage_joins_python_steps(configured: str, engine: Engine, client: OpenLineageClient) -> None:
    day = airflow_dbt_day()
    _log_python_steps(day)
    _send(client, day.events)

    stg = _run_of(engine, "dbt/analytics.staging.stg_orders")
    assert stg.attributes["mltrace.inputs"] == [f"{WAREHOUSE}/analytics.raw.orders"]
    with engine.connect() as conn:
        upstream = lineage(conn, output="scores.csv")
        components = {r.component for r in upstream.runs.values()}
        # The Python step's output is the dbt model's input: one graph from the Airflow export to the scores.
        assert {"score_orders", "airflow/daily_sales.publish", "dbt/analytics.marts.orders_daily",
                "dbt/analytics.staging.stg_orders", "load_orders", "airflow/daily_sales.export_orders",
                "spark/summarize_orders"} == components  # fmt: skip
        edges = {(upstream.runs[e.consumer_id].component, e.via) for e in upstream.edges}
        assert ("dbt/analytics.staging.stg_orders", f"{WAREHOUSE}/analytics.raw.orders") in edges
        assert ("load_orders", "/data/exports/orders.csv") in edges  # Airflow's `file` dataset is the path
        assert ("score_orders", "s3://lake/exports/orders_daily.parquet") in edges
        assert ("spark/summarize_orders", "s3://lake/exports/orders_daily.parquet") in edges  # s3a:// met s3://
        assert ("score_orders", "/data/reports/summary.json") in edges  # file:///data/reports//summary.json
        downstream = lineage(conn, output=f"{WAREHOUSE}/analytics.raw.orders", direction=Direction.DOWNSTREAM)
        assert {r.component for r in downstream.runs.values()} >= {
            "load_orders", "dbt/analytics.staging.stg_orders", "dbt/analytics.marts.orders_daily",
            "dbt/analytics.marts.orders_by_region", "airflow/daily_sales.publish", "score_orders",
        }  # fmt: skip


def test_parent_facets_become_span_parents_in_the_dag_runs_trace(engine: Engine, client: OpenLineageClient) -> None:
    day = airflow_dbt_day()
    _send(client, day.events)
    dag, build, dbt_run, stg = (day.steps[k] for k in ("dag", "dbt_build", "dbt_run", "stg_orders"))
    dag_trace = uuid.UUID(dag.run_id).hex
    runs = {k: _run_of(engine, s.component) for k, s in day.steps.items()}
    assert runs["dag"].parent_id is None
    assert runs["dbt_build"].parent_id == run_span_id(dag.run_id)
    assert runs["dbt_run"].parent_id == run_span_id(build.run_id)
    assert runs["stg_orders"].parent_id == run_span_id(dbt_run.run_id)
    assert runs["stg_orders"].id == run_span_id(stg.run_id)
    # The root facet names the DAG run: the DAG, its tasks and dbt's runs under them are one trace.
    assert {r.trace_id for k, r in runs.items() if k != "spark"} == {dag_trace}
    assert runs["spark"].trace_id == uuid.UUID(day.steps["spark"].run_id).hex


def test_failures_facets_and_metadata_are_kept(engine: Engine, client: OpenLineageClient) -> None:
    day = airflow_dbt_day()
    _send(client, day.events)
    failed = _run_of(engine, "dbt/analytics.marts.orders_by_region")
    assert failed.status_code == "ERROR" and failed.status_message == DBT_ERROR
    ok = _run_of(engine, "dbt/analytics.staging.stg_orders")
    assert ok.status_code == "OK"
    attrs = ok.attributes
    assert attrs["openlineage.run_id"] == day.steps["stg_orders"].run_id
    assert attrs["openlineage.event_types"] == ["START", "COMPLETE"]
    assert json.loads(attrs["openlineage.job.facets.sql"])["query"] == "select * from analytics.raw.orders"
    assert json.loads(attrs["openlineage.run.facets.processing_engine"])["name"] == "dbt"
    assert json.loads(attrs["openlineage.run.facets.parent"])["run"]["runId"] == day.steps["dbt_run"].run_id
    outputs = json.loads(attrs["openlineage.outputs"])
    assert outputs[0]["outputFacets"]["outputStatistics"]["rowCount"] == 42
    assert [f["name"] for f in outputs[0]["facets"]["schema"]["fields"]] == ["order_id", "amount"]
    assert attrs["mltrace.component.description"] == "the staging.stg_orders model"
    task = _run_of(engine, "airflow/daily_sales.export_orders")
    assert json.loads(task.attributes["openlineage.run.facets.nominalTime"])["nominalStartTime"]
    assert task.service_name == "airflow"
    with engine.connect() as conn:
        component = conn.execute(select(openlineage_runs.c.digest)).all()
    assert all(row.digest for row in component)  # every run of the day ended: none pending


def _store_answers(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every stored run (what queries show of it) and every lineage edge, in a fixed order."""
    with engine.connect() as conn:
        runs = sorted(
            (r.id, r.trace_id, r.parent_id, r.component, r.start_ns, r.end_ns, r.status_code, r.status_message,
             json.dumps(r.attributes, sort_keys=True))
            for r in recent_runs(conn, 500).items
        )  # fmt: skip
        edges = sorted(tuple(row) for row in conn.execute(select(run_edges)))
    return runs, edges


def test_events_merge_to_the_same_runs_in_any_order(engine: Engine) -> None:
    day = airflow_dbt_day()
    events = [parse_event(json.loads(Serde.to_json(e))) for e in day.events]
    receive_events(engine, events)
    in_order = _store_answers(engine)
    assert len(in_order[0]) == len(day.steps) and in_order[1]
    rng = random.Random(15)
    for _ in range(4):
        with engine.begin() as conn:
            clear_store(conn)
        shuffled = rng.sample(events, len(events))
        for event in shuffled:  # one request per event, as the client sends them
            receive_events(engine, [event])
        assert _store_answers(engine) == in_order


def test_a_run_is_pending_until_its_terminal_event_and_start_after_complete_updates_it(
    engine: Engine, client: OpenLineageClient, server: str
) -> None:
    day = airflow_dbt_day()
    stg = day.steps["stg_orders"]
    start, complete = (e for e in day.events if e.run.runId == stg.run_id)
    client.emit(start)
    with engine.connect() as conn:
        assert recent_runs(conn, 10).items == []  # START alone: pending, invisible to queries
    answer = httpx.post(f"{server}/api/v1/lineage", content=Serde.to_json(complete),
                        headers={"Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code == 201
    assert answer.json()["runs"] == [{"runId": stg.run_id, "spanId": run_span_id(stg.run_id), "state": "stored"}]
    run = _run_of(engine, stg.component)
    assert run.end_ns - run.start_ns == 50 * 10**9

    # Now the other way round, on a fresh run id: COMPLETE first (stored at once), START later (moves the start).
    with engine.begin() as conn:
        clear_store(conn)
    late = str(uuid.uuid4())
    for event in (complete, start):
        event.run.runId = late
        answer = httpx.post(f"{server}/api/v1/lineage", content=Serde.to_json(event),
                            headers={"Content-Type": "application/json"})  # fmt: skip
        assert answer.status_code == 201
        state = answer.json()["runs"][0]["state"]
        assert state == ("stored" if event is complete else "updated")
    run = _run_of(engine, stg.component)
    assert run.end_ns - run.start_ns == 50 * 10**9
    assert run.attributes["openlineage.event_types"] == ["START", "COMPLETE"]
    again = httpx.post(f"{server}/api/v1/lineage", content=Serde.to_json(start),
                       headers={"Content-Type": "application/json"})  # fmt: skip
    assert again.json()["runs"][0]["state"] == "unchanged"  # the same event twice is kept once


def _event(run_id: str, event_type: str, t: float, day: Day, **extra: Any) -> Any:
    return parse_event({
        "eventType": event_type, "eventTime": day.at(t), "run": {"runId": run_id}, "producer": "test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json", "job": {"namespace": "ns", "name": "p"},
        **extra,
    })  # fmt: skip


def test_a_late_event_that_moves_a_run_repoints_the_runs_that_depended_on_it(configured: str, engine: Engine) -> None:
    """RUNNING at 5 s and COMPLETE at 10 s: the run starts at 5 s, before a consumer that started at 6 s, which
    therefore depends on it. A START at 7 s arrives last: the run now started after the consumer, so the
    consumer no longer depends on it."""
    day = airflow_dbt_day()
    producer = str(uuid.uuid4())
    outputs = {"outputs": [{"namespace": "s3://lake", "name": "late.parquet"}]}
    receive_events(engine, [_event(producer, "RUNNING", 5, day, **outputs), _event(producer, "COMPLETE", 10, day)])
    consumer = mltrace_otel.ComponentRun(
        "consumer", start_timestamp=day.t0 + timedelta(seconds=6), end_timestamp=day.t0 + timedelta(seconds=12),
        inputs=["s3://lake/late.parquet"],
    )  # fmt: skip
    consumer_id = mltrace_otel.log_component_run(consumer)
    mltrace_otel.flush()
    with engine.connect() as conn:
        assert [e.producer_id for e in lineage(conn, run_ids=[consumer_id]).edges] == [run_span_id(producer)]
    assert receive_events(engine, [_event(producer, "START", 7, day)])[0].state == "updated"
    with engine.connect() as conn:
        assert lineage(conn, run_ids=[consumer_id]).edges == []
        assert get_run(conn, run_span_id(producer)).start_ns == get_run(conn, consumer_id).start_ns + 10**9


def test_notes_written_on_a_run_survive_a_late_event(engine: Engine) -> None:
    day = airflow_dbt_day()
    run_id = str(uuid.uuid4())
    receive_events(engine, [_event(run_id, "COMPLETE", 10, day)])
    from mltrace_otel.queries.runs import set_notes

    with engine.begin() as conn:
        set_notes(conn, run_span_id(run_id), "checked by hand")
    receive_events(engine, [_event(run_id, "START", 1, day)])
    with engine.connect() as conn:
        assert get_run(conn, run_span_id(run_id)).notes == "checked by hand"


def _valid(day: Day) -> dict[str, Any]:
    return json.loads(Serde.to_json(day.events[1]))


def _without(doc: dict[str, Any], *path: str) -> dict[str, Any]:
    target = doc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return doc


@pytest.mark.parametrize(
    ("break_it", "field"),
    [
        (lambda d: _without(d, "eventTime"), "eventTime"),
        (lambda d: {**d, "eventTime": "yesterday"}, "eventTime"),
        (lambda d: {**d, "eventType": "FINISHED"}, "eventType"),
        (lambda d: _without(d, "run"), "run"),
        (lambda d: {**d, "run": {"runId": "not-a-uuid"}}, "run.runId"),
        (lambda d: _without(d, "job", "name"), "job.name"),
        (lambda d: {**d, "job": {"namespace": "", "name": "x"}}, "job.namespace"),
        (lambda d: {**d, "outputs": {"namespace": "file"}}, "outputs"),
        (lambda d: {**d, "outputs": [{"namespace": "file", "name": "/a"}, {"namespace": "file"}]}, "outputs[1].name"),
        (lambda d: {**d, "run": {**d["run"], "facets": {"nominalTime": "today"}}}, "run.facets.nominalTime"),
        (
            lambda d: {**d, "run": {**d["run"], "facets": {"parent": {"run": {"runId": "x"}, "job": {}}}}},
            "run.facets.parent.run.runId",
        ),
        (lambda d: {"eventTime": d["eventTime"], "dataset": {"namespace": "file", "name": "/a"}}, "run"),
    ],
)
def test_malformed_events_get_a_400_naming_the_field(server: str, engine: Engine, break_it: Any, field: str) -> None:
    body = break_it(_valid(airflow_dbt_day()))
    answer = httpx.post(f"{server}/api/v1/lineage", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field
    assert field.split("[")[0] in answer.json()["message"]
    with engine.connect() as conn:
        assert conn.execute(select(openlineage_runs)).all() == []


def test_a_batch_with_one_bad_event_stores_none(server: str, engine: Engine) -> None:
    day = airflow_dbt_day()
    good = [json.loads(Serde.to_json(e)) for e in day.events[:4]]
    bad = [*good[:2], {**good[2], "run": {"runId": 42}}, good[3]]
    answer = httpx.post(f"{server}/api/v1/lineage", json=bad)
    assert answer.status_code == 400 and answer.json()["field"] == "[2].run.runId"
    assert httpx.post(f"{server}/api/v1/lineage", content=b"{not json").json()["field"] == "body"
    with engine.connect() as conn:
        assert conn.execute(select(openlineage_runs)).all() == []
    answer = httpx.post(f"{server}/api/v1/lineage", json=good)
    assert answer.status_code == 201 and len(answer.json()["runs"]) == 3


def test_the_ingest_token_guards_the_endpoint_and_the_client_sends_it(token_server: str, engine: Engine) -> None:
    day = airflow_dbt_day()
    denied = httpx.post(f"{token_server}/api/v1/lineage", json=json.loads(Serde.to_json(day.events[0])))
    assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
    client = ol_client(
        token_server, auth=ApiKeyTokenProvider({"apiKey": "ol-s3cret"}), compression=HttpCompression.GZIP
    )
    _send(client, day.events)
    assert _run_of(engine, "airflow/daily_sales").status_code == "OK"


def test_events_of_the_same_runs_arriving_at_once_are_all_kept(engine: Engine) -> None:
    """Several replicas (threads here) receiving the events of the same runs at the same moment: each run's row
    lock orders them, so the stored runs are those of sequential arrival."""
    from concurrent.futures import ThreadPoolExecutor

    day = airflow_dbt_day()
    events = [parse_event(json.loads(Serde.to_json(e))) for e in day.events]
    receive_events(engine, events)
    expected = _store_answers(engine)
    with engine.begin() as conn:
        clear_store(conn)
    shuffled = random.Random(7).sample(events, len(events))
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda e: receive_events(engine, [e]), shuffled))
    assert _store_answers(engine) == expected
