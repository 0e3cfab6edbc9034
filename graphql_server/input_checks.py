"""Bad input is bad input: a NUL character in any string argument (written in the query or passed as a variable) is
refused before execution with a message saying so, instead of reaching the database (Postgres text cannot hold
it: the driver's error used to surface as an internal server error).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

MESSAGE = "string arguments may not contain the NUL character (\\u0000): no stored name or text can hold it"


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: StringValueNode | None = None

    def enter_string_value(self, node: StringValueNode, *_: object) -> None:
        if self.found is None and "\x00" in node.value:
            self.found = node


class RefuseNul(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        literals = _Literals()
        if context.graphql_document is not None:
            visit(context.graphql_document, literals)
        if literals.found is not None:
            raise GraphQLError(MESSAGE, nodes=[literals.found], extensions={"code": "BAD_USER_INPUT"})
        for name, value in (context.variables or {}).items():
            if _has_nul(value):
                raise GraphQLError(f"variable ${name}: {MESSAGE}", extensions={"code": "BAD_USER_INPUT"})
        yield
