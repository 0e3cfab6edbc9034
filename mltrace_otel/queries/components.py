"""Components: metadata, tags, listing by tag or owner."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, select, update

from mltrace_otel.queries.errors import InvalidArgument, NotFound
from mltrace_otel.queries.records import Component
from mltrace_otel.queries.runs import chunks
from mltrace_otel.store.bulk import writer_for
from mltrace_otel.store.models import component_tags, components
from mltrace_otel.store.upsert import dialect_insert


def components_by_names(conn: Connection, names: Sequence[str]) -> dict[str, Component]:
    found: dict[str, Component] = {}
    for part in chunks(names):
        tags: dict[str, list[str]] = {n: [] for n in part}
        for comp, tag in conn.execute(
            select(component_tags.c.component, component_tags.c.tag)
            .where(component_tags.c.component.in_(part))
            .order_by(component_tags.c.component, component_tags.c.tag)
        ):
            tags[comp].append(tag)
        for name, description, owner in conn.execute(
            select(components.c.name, components.c.description, components.c.owner).where(components.c.name.in_(part))
        ):
            found[name] = Component(name=name, description=description, owner=owner, tags=tags[name])
    return found


def get_component(conn: Connection, name: str) -> Component:
    comp = components_by_names(conn, [name]).get(name)
    if comp is None:
        raise NotFound("component", name)
    return comp


def list_components(conn: Connection, tag: str | None = None, owner: str | None = None) -> list[Component]:
    stmt = select(components.c.name).order_by(components.c.name)
    if owner is not None:
        stmt = stmt.where(components.c.owner == owner)
    if tag is not None:
        stmt = stmt.where(components.c.name.in_(select(component_tags.c.component).where(component_tags.c.tag == tag)))
    names = list(conn.execute(stmt).scalars())
    found = components_by_names(conn, names)
    return [found[n] for n in names]


def all_tags(conn: Connection) -> list[str]:
    return list(conn.execute(select(component_tags.c.tag).distinct().order_by(component_tags.c.tag)).scalars())


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))
    if not cleaned:
        raise InvalidArgument("give at least one non-empty tag")
    return cleaned


def create_component(
    conn: Connection,
    name: str,
    description: str | None = None,
    owner: str | None = None,
    tags: Iterable[str] = (),
) -> Component:
    """Create or update a component's metadata now (later runs that carry metadata win, as they are newer)."""
    if not name or not name.strip():
        raise InvalidArgument("component name must not be empty")
    now = time.time_ns()
    stmt = dialect_insert(conn, components).values(
        name=name,
        description=description,
        description_ns=now if description is not None else 0,
        owner=owner,
        owner_ns=now if owner is not None else 0,
        created_ns=now,
    )
    changes: dict[str, object] = {}
    if description is not None:
        changes.update(description=description, description_ns=now)
    if owner is not None:
        changes.update(owner=owner, owner_ns=now)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["name"], set_=changes)
        if changes
        else stmt.on_conflict_do_nothing(index_elements=["name"])
    )
    tag_list = [t for t in tags if t and t.strip()]
    if tag_list:
        _insert_tags(conn, name, _clean_tags(tag_list))
    return get_component(conn, name)


def _insert_tags(conn: Connection, name: str, tags: list[str]) -> None:
    writer_for(conn).insert_ignore(
        "component_tags", ("component", "tag"), [(name, t) for t in tags], ("component", "tag")
    )


def tag_component(conn: Connection, name: str, tags: Iterable[str]) -> Component:
    get_component(conn, name)
    _insert_tags(conn, name, _clean_tags(tags))
    return get_component(conn, name)


def untag_component(conn: Connection, name: str, tags: Iterable[str]) -> Component:
    get_component(conn, name)
    conn.execute(
        delete(component_tags).where(component_tags.c.component == name, component_tags.c.tag.in_(_clean_tags(tags)))
    )
    return get_component(conn, name)


def update_component(
    conn: Connection, name: str, *, owner: str | None = None, description: str | None = None
) -> Component:
    get_component(conn, name)
    now = time.time_ns()
    values: dict[str, object] = {}
    if owner is not None:
        values.update(owner=owner, owner_ns=now)
    if description is not None:
        values.update(description=description, description_ns=now)
    if values:
        conn.execute(update(components).where(components.c.name == name).values(**values))
    return get_component(conn, name)
