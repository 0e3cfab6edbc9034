"""A pipeline component: name, owner, description, tags."""

from __future__ import annotations

import strawberry

from mltrace_otel.queries.records import Component as ComponentRecord


@strawberry.type(description="A pipeline component (etl, training, ...); its runs carry its name.")
class Component:
    record: strawberry.Private[ComponentRecord]

    @classmethod
    def from_record(cls, record: ComponentRecord) -> Component:
        return cls(record=record)

    @classmethod
    def named(cls, name: str) -> Component:
        """A component no metadata was stored for: its name only."""
        return cls(record=ComponentRecord(name=name, description=None, owner=None, tags=[]))

    @strawberry.field
    def name(self) -> str:
        return self.record.name

    @strawberry.field
    def owner(self) -> str | None:
        return self.record.owner

    @strawberry.field
    def description(self) -> str | None:
        return self.record.description

    @strawberry.field
    def tags(self) -> list[str]:
        return list(self.record.tags)
