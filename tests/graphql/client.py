"""A small GraphQL-over-HTTP client for tests: posts to /graphql and checks the transport-level answer."""

from __future__ import annotations

from typing import Any

import httpx


class GraphQL:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def execute(self, query: str, variables: dict[str, Any] | None = None, *, status: int = 200) -> dict[str, Any]:
        """The whole response body (data and errors)."""
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data of a query that must succeed without errors."""
        body = self.execute(query, variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def errors(self, query: str, variables: dict[str, Any] | None = None, *, status: int = 200) -> list[dict[str, Any]]:
        """The errors of a query that must fail."""
        body = self.execute(query, variables, status=status)
        assert body.get("errors"), body
        errors: list[dict[str, Any]] = body["errors"]
        return errors
