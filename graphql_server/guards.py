"""Guards against abusive queries, from ServerSettings: depth, aliases, tokens, introspection.

Extensions are passed as factories (instances are deprecated) so each operation gets fresh state.
The lineage node cap is enforced where lineage is resolved (operations/query.py).
"""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from graphql_server.auth.access_check import AccessCheck
from graphql_server.cost import cost_limit
from graphql_server.errors import ErrorPolicy
from graphql_server.input_checks import RefuseNul
from graphql_server.settings import ServerSettings
from graphql_server.validation_cache import ValidatedQueries, validation_cache

ExtensionFactory = Callable[[], SchemaExtension]


def schema_extensions(settings: ServerSettings) -> list[ExtensionFactory]:
    extensions: list[ExtensionFactory] = [
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        ErrorPolicy,
        AccessCheck,  # who may run the operation: after validation, before execution, on every transport
        RefuseNul,
    ]
    if settings.max_query_cost:  # 0 turns the cost limit off
        extensions.append(cost_limit(settings.max_query_cost))
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    # Last: it sees the rules every guard above added, and skips them all for a text that already passed.
    extensions.append(validation_cache(ValidatedQueries()))
    return extensions
