"""GraphQL ``task`` and ``tasks``: the numbers the store holds, worst drift first, clear errors."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.monitoring.planting import HOUR, NS, T0, obs, plant


def _gql(client: TestClient, query: str) -> dict[str, Any]:
    answer = client.post("/graphql", json={"query": query})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _plant(engine: Engine) -> None:
    rng = random.Random(3)
    rows = []
    for i in range(120):  # "steady": two hours of the same distribution, with labels
        rows.append(obs("output", "steady", f"s{i}", i % 2, T0 + i * 60 * NS))
        rows.append(obs("feedback", "steady", f"s{i}", 1 if i < 90 else 0, T0 + 2 * HOUR))
    for i in range(240):  # "shifted": its second hour moves up by two standard deviations
        rows.append(obs("output", "shifted", f"h{i}", rng.gauss(0 if i < 120 else 2, 1), T0 + i * 30 * NS))
    plant(engine, rows)


def test_tasks_come_worst_drift_first_with_their_numbers(client: TestClient, engine: Engine) -> None:
    _plant(engine)
    data = _gql(client, "{ tasks { name outputCount feedbackCount latestDrift { method drifted score } } }")["data"]
    names = [t["name"] for t in data["tasks"]]
    assert names == ["shifted", "steady"]
    shifted, steady = data["tasks"]
    assert shifted["latestDrift"]["drifted"] and shifted["latestDrift"]["method"] == "psi"
    assert (steady["outputCount"], steady["feedbackCount"], steady["latestDrift"]["drifted"]) == (120, 120, False)
    assert _gql(client, "{ taskNames }")["data"]["taskNames"] == ["shifted", "steady"]


def test_one_task_answers_outputs_metrics_distribution_and_drift(client: TestClient, engine: Engine) -> None:
    _plant(engine)
    query = """{ task(name: "steady") {
        outputs(last: 2) { outputId value label at }
        feedback(last: 1) { outputId value }
        metric(name: "accuracy", windowSeconds: 7200, at: "2026-01-01T01:59:00Z") { value pairs start end }
        metrics(name: "accuracy", since: "2026-01-01T00:00:00Z", until: "2026-01-01T02:00:00Z", stepSeconds: 3600) {
            value pairs start }
        distribution(since: "2026-01-01T00:00:00Z", until: "2026-01-01T02:00:00Z", stepSeconds: 3600) {
            numeric edges buckets { start counts } }
        drift(since: "2026-01-01T01:00:00Z", until: "2026-01-01T02:00:00Z") { score drifted method }
    } }"""
    task = _gql(client, query)["data"]["task"]
    assert [o["outputId"] for o in task["outputs"]] == ["s119", "s118"]
    assert task["metric"] == {"value": 0.5, "pairs": 120, "start": "2026-01-01T00:00:00+00:00",
                              "end": "2026-01-01T02:00:00+00:00"}  # fmt: skip
    # Hour 0: 60 outputs, labels all 1, half right; hour 1: 30 labelled 1 then 30 labelled 0, half right.
    assert [(m["value"], m["pairs"]) for m in task["metrics"]] == [(0.5, 60), (0.5, 60)]
    assert [sum(b["counts"]) for b in task["distribution"]["buckets"]] == [60, 60]
    assert task["drift"][0]["method"] == "psi" and task["drift"][0]["drifted"] is False


def test_unknown_tasks_metrics_and_oversized_ranges_are_told(client: TestClient, engine: Engine) -> None:
    _plant(engine)
    unknown = _gql(client, '{ task(name: "nope") { name } }')
    assert unknown["data"]["task"] is None and "task 'nope'" in unknown["errors"][0]["message"]
    bad = _gql(client, '{ task(name: "steady") { metric(name: "auroc") { value } } }')
    assert "built-in metrics are accuracy" in bad["errors"][0]["message"]
    wide = _gql(client, '{ task(name: "steady") { metrics(name: "mae", since: "2000-01-01T00:00:00Z", '
                        'stepSeconds: 60) { value } } }')  # fmt: skip
    assert "at most 2000 steps" in wide["errors"][0]["message"]
