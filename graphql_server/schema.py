"""Assembles the one Schema: Query, Mutation, Subscription, with the guards and error policy of the settings."""

from __future__ import annotations

from strawberry.tools import merge_types

from graphql_server.errors import Schema
from graphql_server.guards import schema_extensions
from graphql_server.operations.access import AccessMutation, AccessQuery
from graphql_server.operations.mutation import Mutation
from graphql_server.operations.query import Query
from graphql_server.settings import ServerSettings
from graphql_server.subscriptions.subscription import Subscription


def build_schema(settings: ServerSettings | None = None) -> Schema:
    return Schema(
        query=merge_types("Query", (Query, AccessQuery)),
        mutation=merge_types("Mutation", (Mutation, AccessMutation)),
        subscription=Subscription,
        extensions=schema_extensions(settings or ServerSettings()),
    )
