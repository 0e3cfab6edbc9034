"""mltrace 0.17's Python API, name by name, on our store: ``import mltrace_otel as mltrace`` and go."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import mltrace_otel as mltrace
from mltrace_otel import ComponentRun, NotFound
from tests.core.conftest import Store
from tests.helpers import count_statements

MLTRACE_0_17_NAMES = [
    "register",
    "log_component_run",
    "create_component",
    "tag_component",
    "get_history",
    "get_recent_run_ids",
    "get_component_run_information",
    "get_component_information",
    "get_components",
    "get_all_tags",
    "get_io_pointer",
    "backtrace",
    "web_trace",
    "flag_output_id",
    "unflag_output_id",
    "unflag_all",
    "review_flagged_outputs",
    "add_notes_to_component_run",
    "create_random_ids",
    "set_db_uri",
    "get_db_uri",
    "Component",
    "ComponentRun",
    "Test",
]


@pytest.mark.parametrize("name", MLTRACE_0_17_NAMES)
def test_every_mltrace_name_exists(name: str) -> None:
    assert callable(getattr(mltrace, name))
    assert name in dir(mltrace)


def _pipeline() -> dict[str, str]:
    """ingest → clean → train, and a prediction; returns run ids by component."""
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    ids = {}
    for i, (component, inputs, outputs) in enumerate(
        [
            ("ingest", [], ["raw.csv"]),
            ("clean", ["raw.csv"], ["clean.csv"]),
            ("train", ["clean.csv"], ["model.pkl"]),
            ("predict", ["model.pkl", "clean.csv"], ["pred-1"]),
        ]
    ):
        run = ComponentRun(
            component,
            start_timestamp=t0 + timedelta(minutes=2 * i),
            end_timestamp=t0 + timedelta(minutes=2 * i + 1),
            inputs=inputs,
            outputs=outputs,
            code_snapshot=f"def {component}(): ...",
        )
        ids[component] = mltrace.log_component_run(run)
    return ids


def test_components_are_created_tagged_and_listed(store: Store) -> None:
    created = mltrace.create_component("etl", "extracts", "data-eng", tags=["nightly"])
    assert (created.name, created.description, created.owner, created.tags) == (
        "etl",
        "extracts",
        "data-eng",
        ["nightly"],
    )
    mltrace.create_component("train", "trains", "ml")
    tagged = mltrace.tag_component("train", ["nightly", "gpu"])
    assert tagged.tags == ["gpu", "nightly"]
    assert mltrace.get_component_information("train").owner == "ml"
    assert [c.name for c in mltrace.get_components()] == ["etl", "train"]
    assert [c.name for c in mltrace.get_components(tag="gpu")] == ["train"]
    assert [c.name for c in mltrace.get_components(owner="data-eng")] == ["etl"]
    assert mltrace.get_all_tags() == ["gpu", "nightly"]
    updated = mltrace.create_component("etl", owner="platform")
    assert (updated.description, updated.owner) == ("extracts", "platform")


def test_history_is_newest_first_limited_and_bounded_by_dates(store: Store) -> None:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    for day in range(5):
        start = t0 + timedelta(days=day)
        mltrace.log_component_run(
            ComponentRun("daily", start_timestamp=start, end_timestamp=start + timedelta(hours=1))
        )
    history = mltrace.get_history("daily", limit=3)
    assert [h.start_timestamp.day for h in history] == [5, 4, 3]
    bounded = mltrace.get_history("daily", date_lower=t0 + timedelta(days=1), date_upper=t0 + timedelta(days=2))
    assert [h.start_timestamp.day for h in bounded] == [3, 2]


def test_recent_run_ids_are_newest_first_and_page_after_the_last_seen(store: Store) -> None:
    ids = _pipeline()
    newest_first = [ids["predict"], ids["train"], ids["clean"], ids["ingest"]]
    assert mltrace.get_recent_run_ids(limit=2) == newest_first[:2]
    assert mltrace.get_recent_run_ids(limit=5, last_run_id=newest_first[1]) == newest_first[2:]


def test_run_information_has_io_code_and_dependencies(store: Store) -> None:
    ids = _pipeline()
    info = mltrace.get_component_run_information(ids["predict"])
    assert info.id == ids["predict"] and info.component_name == "predict"
    assert sorted(info.inputs) == ["clean.csv", "model.pkl"] and info.outputs == ["pred-1"]
    assert sorted(info.dependencies) == sorted([ids["train"], ids["clean"]])
    assert info.code_snapshot == "def predict(): ..."
    assert info.duration_ms == 60_000
    assert info.status == "UNSET" and info.stale == []


def test_reads_see_runs_the_process_just_ended_without_an_explicit_flush(store: Store) -> None:
    @mltrace.register("fresh", outputs=["fresh.csv"])
    def fresh() -> None:
        pass

    fresh()
    (run_id,) = mltrace.get_recent_run_ids(limit=1)
    assert mltrace.get_component_run_information(run_id).component_name == "fresh"


def test_get_io_pointer_reads_and_never_writes(store: Store) -> None:
    _pipeline()
    pointer = mltrace.get_io_pointer("model.pkl")
    assert (pointer.name, pointer.kind, pointer.flagged) == ("model.pkl", "model", False)
    before = store.count("io_pointers")
    with count_statements(store.engine) as counter:
        with pytest.raises(NotFound, match=r"no IO pointer 'unseen\.csv'"):
            mltrace.get_io_pointer("unseen.csv", create=True)
        mltrace.get_io_pointer("raw.csv")
    assert store.count("io_pointers") == before
    writes = [s for s in counter.statements if re.match(r"\s*(INSERT|UPDATE|DELETE)", s, re.IGNORECASE)]
    assert writes == []


def test_backtrace_lists_each_upstream_run_once_nearest_first(store: Store) -> None:
    ids = _pipeline()
    trace = mltrace.backtrace("pred-1")
    assert [(depth, info.component_name) for depth, info in trace] == [
        (0, "predict"),
        (1, "clean"),
        (1, "train"),
        (2, "ingest"),
    ]
    assert trace[0][1].id == ids["predict"]


def test_web_trace_is_mltrace_s_tree_with_shared_ancestors_expanded_once(store: Store) -> None:
    _pipeline()
    (root,) = mltrace.web_trace("pred-1")
    assert root["label"] == "predict" and root["isExpanded"] and not root["failed"]
    children = {c["label"]: c for c in root["childNodes"]}
    assert children["pred-1"]["hasCaret"] is False  # outputs are leaves
    clean_nodes = []

    def walk(node: dict) -> None:
        if node["label"] == "clean":
            clean_nodes.append(node)
        for child in node.get("childNodes", []):
            walk(child)

    walk(root)
    # clean is reached directly and through train: expanded once, the other time marked shared.
    assert sorted(n["shared"] for n in clean_nodes) == [False, True]


def test_flag_unflag_and_review(store: Store) -> None:
    ids = _pipeline()
    assert mltrace.flag_output_id("pred-1") is True
    assert mltrace.get_io_pointer("pred-1").flagged
    flagged, ranked = mltrace.review_flagged_outputs()
    assert flagged == ["pred-1"]
    assert {info.id for info, _ in ranked} == set(ids.values())
    assert all(count == 1 for _, count in ranked)
    assert mltrace.unflag_output_id("pred-1") is True
    assert not mltrace.get_io_pointer("pred-1").flagged
    mltrace.flag_output_id("pred-1")
    mltrace.flag_output_id("model.pkl")
    assert mltrace.unflag_all() == 2
    assert mltrace.review_flagged_outputs() == ([], [])


def test_notes_are_added_to_a_run(store: Store) -> None:
    ids = _pipeline()
    assert mltrace.add_notes_to_component_run(ids["train"], "lr too high") == "lr too high"
    assert mltrace.get_component_run_information(ids["train"]).notes == "lr too high"


def test_random_ids_are_ten_lowercase_letters_and_distinct() -> None:
    ids = mltrace.create_random_ids(50)
    assert len(ids) == 50 == len(set(ids))
    assert all(re.fullmatch(r"[a-z]{10}", i) for i in ids)


def test_set_db_uri_points_reads_and_new_runs_at_another_store(store: Store, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    mltrace.set_db_uri(other)
    assert mltrace.get_db_uri() == other

    @mltrace.register("elsewhere")
    def elsewhere() -> None:
        pass

    elsewhere()
    assert len(mltrace.get_recent_run_ids()) == 1
    assert store.runs() == []
