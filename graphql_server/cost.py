"""The cost of a request: how many items it may produce, refused over ``MLTRACE_MAX_QUERY_COST``.

Each field costs the number of times it can appear: its parent's count times its own ``first`` (or ``limit``)
argument, from the query, a variable or the schema's default; other fields count once per parent. So
``recentRuns(first: 1000) { edges { node { id } } }`` costs 4 x 1000, and 49 aliases of it cost 49 times that:
depth, alias and token limits each let such a request through, the product does not. Lineage graphs are bounded
separately (``MLTRACE_LINEAGE_MAX_NODES``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.pyutils import Undefined
from strawberry.extensions import SchemaExtension

SIZE_ARGUMENTS = ("first", "limit")
Parent = GraphQLObjectType | GraphQLInterfaceType


def _size(node: FieldNode, definition: Any, variables: Mapping[str, Any]) -> int:
    for name in SIZE_ARGUMENTS:
        argument = definition.args.get(name)
        if argument is None:
            continue
        given = next((a.value for a in node.arguments or () if a.name.value == name), None)
        value: Any = argument.default_value
        if isinstance(given, IntValueNode):
            value = int(given.value)
        elif isinstance(given, VariableNode):
            value = variables.get(given.name.value, value)
        if isinstance(value, int) and value is not Undefined:
            return max(value, 0)
    return 1


class _Counter:
    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ):
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def cost(self, selection_set: SelectionSetNode, parent: Parent, count: int, seen: frozenset[str]) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                definition = parent.fields.get(selection.name.value)
                if definition is None:  # __typename and introspection
                    continue
                here = count * _size(selection, definition, self.variables)
                total += here
                child = get_named_type(definition.type)
                if selection.selection_set is not None and isinstance(child, (GraphQLObjectType, GraphQLInterfaceType)):
                    total += self.cost(selection.selection_set, child, here, seen)
            elif isinstance(selection, InlineFragmentNode):
                total += self.cost(selection.selection_set, self._type(selection, parent), count, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    total += self.cost(fragment.selection_set, self._type(fragment, parent), count, seen | {name})
        return total

    def _type(self, node: InlineFragmentNode | FragmentDefinitionNode, parent: Parent) -> Parent:
        if node.type_condition is None:
            return parent
        found = self.schema.get_type(node.type_condition.name.value)
        return found if isinstance(found, (GraphQLObjectType, GraphQLInterfaceType)) else parent


def request_cost(schema: GraphQLSchema, document: Any, operation_name: str | None, variables: Mapping[str, Any]) -> int:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    counter = _Counter(schema, fragments, variables)
    total = 0
    for op in operations:
        root = schema.get_root_type(op.operation)
        if root is not None:
            total += counter.cost(op.selection_set, root, 1, frozenset())
    return total


def cost_limit(maximum: int) -> type[SchemaExtension]:
    class QueryCost(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            context = self.execution_context
            if context.graphql_document is not None:
                schema = context.schema._schema
                cost = request_cost(schema, context.graphql_document, context.operation_name, context.variables or {})
                if cost > maximum:
                    raise GraphQLError(
                        f"this request may produce {cost} items, over the server limit maxQueryCost = {maximum} (set "
                        "by MLTRACE_MAX_QUERY_COST): ask for fewer items per list (first) or fewer aliases",
                        extensions={"code": "LIMIT_EXCEEDED", "limit": "maxQueryCost", "max": maximum, "cost": cost},
                    )
            yield

    return QueryCost
