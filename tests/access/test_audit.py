"""Every write is in the audit log with its author, before and after; auditLog pages and filters it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.access.conftest import Keys
from tests.graphql.dags import small_pipeline


def gql(client: TestClient, keys: Keys, key: str, query: str) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query}, headers=keys.header(key))
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return body["data"]


def test_each_write_is_recorded_with_who_what_before_and_after(
    keys_client: TestClient, engine: Engine, keys: Keys
) -> None:
    run_id = small_pipeline(engine).id("train")
    writes = [
        'mutation { flagOutput(name: "model.pkl") { flagged } }',
        'mutation { unflagOutput(name: "model.pkl") { flagged } }',
        'mutation { flagOutput(name: "clean.csv") { flagged } }',
        "mutation { unflagAll }",
        'mutation { tagComponent(name: "train", tags: ["gpu"]) { tags } }',
        'mutation { untagComponent(name: "train", tags: ["ml"]) { tags } }',
        'mutation { updateComponent(name: "train", owner: "ana") { owner } }',
        f'mutation {{ setRunNotes(id: "{run_id}", notes: "bad seed") {{ id }} }}',
    ]
    for query in writes:
        gql(keys_client, keys, "annotate", query)
    gql(keys_client, keys, "admin", 'mutation { createApiKey(name: "bot", scopes: ["read"]) { secret } }')
    gql(keys_client, keys, "admin", 'mutation { revokeApiKey(name: "bot") { name } }')

    page = gql(keys_client, keys, "read", "{ auditLog(first: 20) { entries { actor action subject before after } } }")
    everything = page["auditLog"]["entries"]
    # The fixture's four keys were created (and recorded) first, by "tests".
    got = [
        (e["actor"], e["action"], e["subject"], e["before"], e["after"]) for e in everything if e["actor"] != "tests"
    ]
    owner = lambda o, tags: json.dumps({"description": None, "owner": o, "tags": tags}, separators=(",", ":"))  # noqa: E731
    assert got[::-1] == [
        ("key:annotate", "flag", "pointer:model.pkl", '{"flagged":false}', '{"flagged":true}'),
        ("key:annotate", "unflag", "pointer:model.pkl", '{"flagged":true}', '{"flagged":false}'),
        ("key:annotate", "flag", "pointer:clean.csv", '{"flagged":false}', '{"flagged":true}'),
        ("key:annotate", "unflag_all", "pointers", '{"flagged":["clean.csv"]}', '{"flagged":[]}'),
        ("key:annotate", "tag", "component:train", owner(None, ["ml"]), owner(None, ["gpu", "ml"])),
        ("key:annotate", "untag", "component:train", owner(None, ["gpu", "ml"]), owner(None, ["gpu"])),
        ("key:annotate", "component.update", "component:train", owner(None, ["gpu"]), owner("ana", ["gpu"])),
        ("key:annotate", "notes", f"run:{run_id}", '{"notes":null}', '{"notes":"bad seed"}'),
        ("key:admin", "key.create", "key:bot", None, '{"name":"bot","revoked":false,"scopes":"read"}'),
        ("key:admin", "key.revoke", "key:bot", '{"name":"bot","revoked":false,"scopes":"read"}',
         '{"name":"bot","revoked":true,"scopes":"read"}'),
    ]  # fmt: skip

    first = gql(keys_client, keys, "read", "{ auditLog(first: 3) { entries { action } hasNextPage endCursor } }")
    rest = gql(
        keys_client, keys, "read",
        f'{{ auditLog(first: 20, after: "{first["auditLog"]["endCursor"]}") {{ entries {{ action }} hasNextPage }} }}',
    )  # fmt: skip
    assert first["auditLog"]["hasNextPage"] and not rest["auditLog"]["hasNextPage"]
    assert len(first["auditLog"]["entries"]) + len(rest["auditLog"]["entries"]) == len(everything)
    one = gql(keys_client, keys, "read", '{ auditLog(subject: "pointer:model.pkl") { entries { action } } }')
    assert [e["action"] for e in one["auditLog"]["entries"]] == ["unflag", "flag"]


def test_who_flagged_an_output_is_shown_where_the_output_is(
    keys_client: TestClient, engine: Engine, keys: Keys
) -> None:
    small_pipeline(engine)
    gql(keys_client, keys, "annotate", 'mutation { flagOutput(name: "model.pkl") { flagged } }')
    gql(keys_client, keys, "admin", 'mutation { flagOutput(name: "predictions.csv") { flagged } }')
    review = gql(keys_client, keys, "read", "{ review { flagged { name flaggedBy flaggedAt } } }")["review"]["flagged"]
    assert {p["name"]: p["flaggedBy"] for p in review} == {"model.pkl": "key:annotate", "predictions.csv": "key:admin"}
    assert all(p["flaggedAt"] for p in review)
    outputs = gql(keys_client, keys, "read", '{ trace(output: "predictions.csv") { inputs { name flaggedBy } } }')
    assert {p["name"]: p["flaggedBy"] for p in outputs["trace"]["inputs"]} == {
        "model.pkl": "key:annotate",
        "clean.csv": None,
    }


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_clear_is_recorded_and_keeps_keys_and_the_log(db_url: str, engine: Engine) -> None:
    from typer.testing import CliRunner

    from mltrace_otel.cli.main import app
    from mltrace_otel.queries.api_keys import list_keys
    from mltrace_otel.queries.audit import audit_page
    from tests.access.conftest import make_key

    small_pipeline(engine)
    make_key(engine, "kept", "read")
    assert CliRunner().invoke(app, ["--database-url", db_url, "clear", "--yes"]).exit_code == 0
    with engine.connect() as conn:
        assert [k.name for k in list_keys(conn)] == ["kept"]
        newest = audit_page(conn, 1).entries[0]
    assert newest.action == "clear" and newest.actor.startswith("local:") and '"spans":4' in (newest.before or "")


def test_flagging_a_task_window_records_each_output_it_flags(
    keys_client: TestClient, engine: Engine, keys: Keys
) -> None:
    from tests.monitoring.planting import NS, T0, obs, plant

    small_pipeline(engine)
    # Two outputs of the "scores" task that runs wrote, one already flagged, and one no run wrote (not flagged).
    plant(engine, [obs("output", "scores", name, 0.5, T0 + i * NS) for i, name in
                   enumerate(["clean.csv", "predictions.csv", "loose-output"])])  # fmt: skip
    gql(keys_client, keys, "annotate", 'mutation { flagOutput(name: "clean.csv") { flagged } }')
    query = 'mutation { flagTaskWindow(task: "scores", since: "2026-01-01T00:00:00Z", until: "2026-01-01T01:00:00Z") }'
    assert gql(keys_client, keys, "admin", query)["flagTaskWindow"] == 2

    entries = gql(keys_client, keys, "read", "{ auditLog(first: 3) { entries { actor action subject before after } } }")
    got = [(e["actor"], e["action"], e["subject"], json.loads(e["before"])) for e in entries["auditLog"]["entries"]]
    assert sorted(got[:2]) == [
        ("key:admin", "flag", "pointer:clean.csv", {"flagged": True}),
        ("key:admin", "flag", "pointer:predictions.csv", {"flagged": False}),
    ]
    assert got[2] == ("key:annotate", "flag", "pointer:clean.csv", {"flagged": False})
    after = json.loads(entries["auditLog"]["entries"][0]["after"])
    assert after["flagged"] is True and after["task_window"]["task"] == "scores"
    review = gql(keys_client, keys, "read", "{ review { flagged { name flaggedBy } } }")["review"]["flagged"]
    assert {p["name"]: p["flaggedBy"] for p in review} == {"clean.csv": "key:admin", "predictions.csv": "key:admin"}
