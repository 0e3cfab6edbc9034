"""The websocket (graphql-transport-ws): the key travels in connection_init; every operation is checked by scope."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.access.conftest import Keys
from tests.graphql.dags import small_pipeline

PROTOCOL = "graphql-transport-ws"


@contextmanager
def _session(
    client: TestClient, payload: dict[str, Any] | None, headers: dict[str, str] | None = None
) -> Iterator[Any]:
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL], headers=headers or {}) as ws:
        ws.send_json({"type": "connection_init", **({"payload": payload} if payload is not None else {})})
        yield ws


def _run(ws: Any, op_id: str, query: str) -> dict[str, Any]:
    ws.send_json({"id": op_id, "type": "subscribe", "payload": {"query": query}})
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message["type"] != "complete":  # of an earlier operation
            assert message["id"] == op_id, message
            return message


def _closed_with(session: Any) -> int:
    with pytest.raises(WebSocketDisconnect) as closed, session as ws:
        ws.receive_json()
    return closed.value.code


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_websocket_without_a_good_key_is_closed_before_the_acknowledgement(
    keys_client: TestClient, keys: Keys
) -> None:
    for payload in (None, {}, {"authorization": "Bearer mlt_wrong"}, {"authorization": "mlt_wrong"}):
        assert _closed_with(_session(keys_client, payload)) == 4403, payload


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_operations_over_the_websocket_need_their_scope(keys_client: TestClient, engine: Engine, keys: Keys) -> None:
    small_pipeline(engine)
    mutation = 'mutation { flagOutput(name: "model.pkl") { flagged } }'
    with _session(keys_client, {"authorization": f"Bearer {keys.secrets['read']}"}) as ws:
        assert ws.receive_json()["type"] == "connection_ack"
        assert _run(ws, "1", "{ tags }")["payload"] == {"data": {"tags": ["ml"]}}
        refused = _run(ws, "2", mutation)
        errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN" and "'annotate' scope" in errors[0]["message"]

    with _session(keys_client, {"authorization": keys.secrets["ingest"]}) as ws:  # the scheme may be left out
        assert ws.receive_json()["type"] == "connection_ack"
        refused = _run(ws, "3", "subscription { runAdded { id } }")
        errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
        assert "'read' scope" in errors[0]["message"]

    with _session(keys_client, {"Authorization": f"Bearer {keys.secrets['annotate']}"}) as ws:
        assert ws.receive_json()["type"] == "connection_ack"
        assert _run(ws, "4", mutation)["payload"] == {"data": {"flagOutput": {"flagged": True}}}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_session_cookie_opens_a_websocket_only_from_this_sites_pages(keys_client: TestClient, keys: Keys) -> None:
    signed_in = keys_client.post("/auth/session", json={"key": keys.secrets["read"]})
    assert signed_in.status_code == 200
    cookie = f"mltrace_session={signed_in.cookies['mltrace_session']}"
    with _session(keys_client, None, {"cookie": cookie, "origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "connection_ack"
    # Refused at the handshake (Strawberry's origin check, 1008) before ours (4403) would see it.
    assert _closed_with(_session(keys_client, None, {"cookie": cookie, "origin": "https://evil.example"})) == 1008


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_off_mode_needs_no_key_on_the_websocket(off_client: TestClient) -> None:
    with _session(off_client, None) as ws:
        assert ws.receive_json()["type"] == "connection_ack"
        assert _run(ws, "1", "{ tags }")["payload"] == {"data": {"tags": []}}
