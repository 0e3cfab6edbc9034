"""Component description and owner: the value of the latest run (by start time) wins, whatever the arrival order."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import Engine

from mltrace_otel.queries.components import create_component, get_component
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import run_record


def _run(start: int, description: str | None = None, owner: str | None = None):  # type: ignore[no-untyped-def]
    attributes = {}
    if description is not None:
        attributes["mltrace.component.description"] = description
    if owner is not None:
        attributes["mltrace.component.owner"] = owner
    return run_record("train", start, start + 1, attributes=attributes)


RUNS = [_run(1, "first", "ann"), _run(3, "third"), _run(2, "second", "bob"), _run(4, owner="cy")]


@pytest.mark.parametrize("order", list(itertools.permutations(range(4)))[::5])
def test_latest_run_wins_in_any_arrival_order(engine: Engine, order: tuple[int, ...]) -> None:
    for i in order:  # one batch per run: the arrival order is the permutation
        ingest_spans(engine, [RUNS[i]])
    with engine.connect() as conn:
        comp = get_component(conn, "train")
    assert comp.description == "third"  # run 4 carries no description: run 3's is the latest one
    assert comp.owner == "cy"


def test_one_batch_keeps_the_latest_of_its_own_runs(engine: Engine) -> None:
    ingest_spans(engine, [RUNS[3], RUNS[0], RUNS[2], RUNS[1]])
    with engine.connect() as conn:
        comp = get_component(conn, "train")
    assert (comp.description, comp.owner) == ("third", "cy")


def test_a_run_without_metadata_never_erases_it(engine: Engine) -> None:
    ingest_spans(engine, [_run(1, "kept", "ann")])
    ingest_spans(engine, [_run(5)])
    with engine.connect() as conn:
        comp = get_component(conn, "train")
    assert (comp.description, comp.owner) == ("kept", "ann")


def test_metadata_set_by_hand_now_beats_older_runs(engine: Engine) -> None:
    ingest_spans(engine, [_run(1, "from a run")])
    with engine.begin() as conn:
        create_component(conn, "train", description="by hand", owner="dana")
    ingest_spans(engine, [_run(2, "an older run arriving late")])
    with engine.connect() as conn:
        comp = get_component(conn, "train")
    assert (comp.description, comp.owner) == ("by hand", "dana")
