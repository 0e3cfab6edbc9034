"""Mutations through HTTP: each returns the object it changed, and the change is stored."""

from __future__ import annotations

from sqlalchemy import Engine

from mltrace_otel.queries.pointers import get_pointer
from tests.graphql.client import GraphQL
from tests.graphql.dags import small_pipeline


def test_flag_unflag_and_unflag_all(api: GraphQL, engine: Engine) -> None:
    small_pipeline(engine)
    flagged = api.data('mutation { flagOutput(name: "predictions.csv") { name flagged flaggedAt } }')["flagOutput"]
    assert flagged["name"] == "predictions.csv" and flagged["flagged"] is True and flagged["flaggedAt"]
    api.data('mutation { flagOutput(name: "model.pkl") { flagged } }')
    with engine.connect() as conn:
        assert get_pointer(conn, "predictions.csv").flagged
    # Flag state shows wherever the pointer appears.
    outputs = api.data('{ trace(output: "predictions.csv") { outputs { name flagged } } }')["trace"]["outputs"]
    assert outputs == [{"name": "predictions.csv", "flagged": True}]

    unflagged = api.data('mutation { unflagOutput(name: "predictions.csv") { flagged flaggedAt } }')
    assert unflagged["unflagOutput"] == {"flagged": False, "flaggedAt": None}
    assert [p["name"] for p in api.data("{ flaggedOutputs { name } }")["flaggedOutputs"]] == ["model.pkl"]
    assert api.data("mutation { unflagAll }")["unflagAll"] == 1
    assert api.data("{ flaggedOutputs { name } }")["flaggedOutputs"] == []
    assert api.data("mutation { unflagAll }")["unflagAll"] == 0


def test_tag_untag_and_update_component(api: GraphQL, engine: Engine) -> None:
    small_pipeline(engine)
    tagged = api.data('mutation { tagComponent(name: "clean", tags: ["etl", " daily ", "etl"]) { name tags } }')
    assert tagged["tagComponent"] == {"name": "clean", "tags": ["daily", "etl"]}
    assert [c["name"] for c in api.data('{ components(tag: "daily") { name } }')["components"]] == ["clean"]
    untagged = api.data('mutation { untagComponent(name: "clean", tags: ["daily"]) { tags } }')
    assert untagged["untagComponent"] == {"tags": ["etl"]}

    updated = api.data(
        'mutation { updateComponent(name: "clean", owner: "data-eng", description: "drops nulls") '
        "{ name owner description } }"
    )["updateComponent"]
    assert updated == {"name": "clean", "owner": "data-eng", "description": "drops nulls"}
    # Omitted fields are kept.
    kept = api.data('mutation { updateComponent(name: "clean", owner: "ana") { owner description } }')
    assert kept["updateComponent"] == {"owner": "ana", "description": "drops nulls"}
    assert api.data('{ component(name: "clean") { owner } }')["component"] == {"owner": "ana"}


def test_set_run_notes(api: GraphQL, engine: Engine) -> None:
    pipeline = small_pipeline(engine)
    rid = pipeline.id("train")
    changed = api.data(f'mutation {{ setRunNotes(id: "{rid}", notes: "retrained after bug #12") {{ id notes }} }}')
    assert changed["setRunNotes"] == {"id": rid, "notes": "retrained after bug #12"}
    assert api.data(f'{{ run(id: "{rid}") {{ notes }} }}')["run"] == {"notes": "retrained after bug #12"}


def test_mutations_on_unknown_things_answer_null_and_name_them(api: GraphQL, engine: Engine) -> None:
    small_pipeline(engine)
    cases = {
        'flagOutput(name: "nope.csv") { flagged }': "nope.csv",
        'tagComponent(name: "ghost", tags: ["x"]) { name }': "ghost",
        'updateComponent(name: "ghost", owner: "x") { name }': "ghost",
        'setRunNotes(id: "00000000000000ff", notes: "x") { id }': "00000000000000ff",
    }
    for field, name in cases.items():
        body = api.execute(f"mutation {{ {field} }}")
        assert list(body["data"].values()) == [None]
        assert name in body["errors"][0]["message"] and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    bad = api.execute('mutation { tagComponent(name: "clean", tags: ["  "]) { name } }')
    assert bad["data"] == {"tagComponent": None}
    assert "tag" in bad["errors"][0]["message"] and bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
