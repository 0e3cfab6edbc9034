"""What a GraphQL operation needs: ``read`` for queries and subscriptions, ``annotate`` for mutations, ``admin`` for
the key fields. Checked before execution for every transport (HTTP and websocket alike), after validation.

Not a validation rule: validation results are cached per query text (validation_cache.py), while the answer here
depends on who asks.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import FieldNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode, OperationDefinitionNode
from graphql.language import SelectionSetNode
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from graphql_server.auth.principal import Denied, Principal, missing_scope
from mltrace_otel.queries.scopes import Scope

# Top-level fields that need more than their operation type's scope.
ADMIN_FIELDS = frozenset({"apiKeys", "createApiKey", "revokeApiKey"})


def operation(document: object, name: str | None) -> OperationDefinitionNode | None:
    found = [d for d in getattr(document, "definitions", ()) if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        found = [d for d in found if d.name is not None and d.name.value == name]
    return found[0] if len(found) == 1 else None


def top_fields(selection_set: SelectionSetNode, fragments: dict[str, SelectionSetNode]) -> Iterator[str]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from top_fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from top_fields(fragments.pop(selection.name.value), fragments)


def required(op: OperationDefinitionNode, document: object) -> list[tuple[Scope, str]]:
    fragments = {
        d.name.value: d.selection_set for d in getattr(document, "definitions", ()) if d.kind == "fragment_definition"
    }
    needs: list[tuple[Scope, str]] = []
    default = Scope.ANNOTATE if op.operation.value == "mutation" else Scope.READ
    for name in top_fields(op.selection_set, fragments):
        needs.append((Scope.ADMIN if name in ADMIN_FIELDS else default, name))
    return needs


def refuse(denied: Denied, response: object) -> GraphQLError:
    if isinstance(response, Response):  # HTTP: the status says it too (a websocket has no status per operation)
        response.status_code = denied.status
    return GraphQLError(denied.message, extensions={"code": denied.code})


class AccessCheck(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        principal: Principal | Denied = context.principal
        if isinstance(principal, Denied):
            raise refuse(principal, context.response)
        op = operation(self.execution_context.graphql_document, self.execution_context.operation_name)
        if op is not None:
            for scope, field in required(op, self.execution_context.graphql_document):
                if not principal.allows(scope):
                    raise refuse(missing_scope(principal, scope, f"{field}"), context.response)
        elif not principal.allows(Scope.ADMIN):  # no single operation to judge: only a key that may do all runs it
            raise refuse(missing_scope(principal, Scope.ADMIN, "this document"), context.response)
        yield
