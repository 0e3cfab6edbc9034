"""A drifted task marks its producing runs: the runs whose outputs fall in a drifted window, through GraphQL's
ComponentRun.drift, batched (no statement per run)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from starlette.testclient import TestClient

from mltrace_otel.monitoring import drift
from mltrace_otel.monitoring.run_drift import drifted_runs
from tests.helpers import count_statements
from tests.monitoring.planting import HOUR, T0, plant_drifted_runs


def _gql(client: TestClient, query: str) -> dict[str, Any]:
    answer = client.post("/graphql", json={"query": query})
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    return dict(answer.json()["data"])


def test_only_the_runs_whose_outputs_drifted_are_marked(engine: Engine) -> None:
    scorers, featurize = plant_drifted_runs(engine)
    with engine.connect() as conn:
        found = drifted_runs(conn, [*scorers, featurize, "0" * 16])
    assert [len(found[r]) for r in scorers] == [0, 0, 1] and found[featurize] == [] and found["0" * 16] == []
    (mark,) = found[scorers[-1]]
    # The mark is the clock hour's point of the task's own drift series.
    (point,) = drift.drift_series(engine, "fraud-score", start_ns=T0 + 2 * HOUR, end_ns=T0 + 3 * HOUR)
    assert (mark.task, mark.outputs, mark.window) == ("fraud-score", 300, point)
    assert point.drifted


def test_run_drift_is_batched_in_graphql(client: TestClient, engine: Engine) -> None:
    def statements(query: str) -> int:
        with count_statements(engine) as counter:
            _gql(client, query)
        return counter.count

    scorers, _ = plant_drifted_runs(engine, hours=4)
    query = "{ %s }"
    one = statements(query % f'r0: run(id: "{scorers[0]}") {{ drift {{ task }} }}')
    four = statements(query % " ".join(f'r{i}: run(id: "{r}") {{ drift {{ task }} }}' for i, r in enumerate(scorers)))
    assert four == one, (one, four)
    data = _gql(client, query % " ".join(f'r{i}: run(id: "{r}") {{ drift {{ task outputs window {{ drifted }} }} }}'
                                         for i, r in enumerate(scorers)))  # fmt: skip
    assert [len(data[f"r{i}"]["drift"]) for i in range(4)] == [0, 0, 0, 1]
    assert data["r3"]["drift"] == [{"task": "fraud-score", "outputs": 300, "window": {"drifted": True}}]
    lineage = _gql(client, '{ lineage(output: "scores-h3.csv") { nodes { run { id drift { task } } } } }')
    marked = {n["run"]["id"] for n in lineage["lineage"]["nodes"] if n["run"]["drift"]}
    assert marked == {scorers[-1]}
    # The same on the node's plain facts, what the UI's graph asks (LineageNode.drift).
    plain = _gql(client, '{ lineage(output: "scores-h3.csv") { nodes { id drift { task } } } }')["lineage"]["nodes"]
    assert {n["id"]: n["drift"] for n in plain if n["drift"]} == {scorers[-1]: [{"task": "fraud-score"}]}
