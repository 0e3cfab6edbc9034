"""mltrace 0.17's Python API, name by name, on our store: ``import mltrace_otel as mltrace`` and go.

The names and argument orders are 0.17's (read from loglabs/mltrace at tag 0.17); runs read back are 0.17's
``ComponentRun`` with our extras. mltrace's own tests run in tests/compat; these cover the same behaviours and
what they leave out.
"""

# Locals that look unused are the point: register reads their final values by name.
# ruff: noqa: F841

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import mltrace_otel as mltrace
from mltrace_otel import ComponentRun, NotFound
from mltrace_otel.entities import Component, IOPointer, PointerTypeEnum
from mltrace_otel.entities.run_info import RunInfo
from tests.core.conftest import Store
from tests.helpers import count_statements

# mltrace 0.17's mltrace/__init__.py __all__, in its order.
MLTRACE_0_17_NAMES = [
    "clean_db",
    "create_component",
    "register",
    "backtrace",
    "get_history",
    "tag_component",
    "log_component_run",
    "create_random_ids",
    "get_component_information",
    "get_component_run_information",
    "web_trace",
    "get_recent_run_ids",
    "get_io_pointer",
    "set_db_uri",
    "get_db_uri",
    "get_git_hash",
    "get_git_tags",
    "set_address",
    "add_notes_to_component_run",
    "flag_output_id",
    "unflag_output_id",
    "review_flagged_outputs",
    "get_all_tags",
    "get_components",
    "unflag_all",
    "Component",
    "Test",
    "ComponentRun",
    "IOPointer",
    "components",
    "tests",
    "load",
    "save",
]


@pytest.mark.parametrize("name", MLTRACE_0_17_NAMES)
def test_every_mltrace_name_exists(name: str) -> None:
    assert getattr(mltrace, name) is not None
    assert name in dir(mltrace)


@pytest.mark.parametrize("name", ["Component", "ComponentRun", "IOPointer", "components", "Test", "tests"])
def test_every_mltrace_entities_name_exists(name: str) -> None:
    import mltrace_otel.entities as entities

    assert getattr(entities, name) is getattr(mltrace, name)


# Parameter names in mltrace 0.17's order, for everything users call positionally.
SIGNATURES = {
    "register": [
        "component_name",
        "inputs",
        "outputs",
        "input_vars",
        "output_vars",
        "input_kwargs",
        "output_kwargs",
        "endpoint",
        "staleness_threshold",
        "auto_log",
    ],
    "log_component_run": ["component_run", "set_dependencies_from_inputs", "staleness_threshold"],
    "create_component": ["name", "description", "owner", "tags"],
    "get_history": ["component_name", "limit", "date_lower", "date_upper"],
    "get_recent_run_ids": ["limit", "last_run_id"],
    "get_io_pointer": ["io_pointer_id", "io_pointer_val", "create"],
    "save": ["obj", "pathname"],
    "load": ["pathname"],
}
CLASS_SIGNATURES = {
    (ComponentRun, "__init__"): [
        "component_name",
        "notes",
        "start_timestamp",
        "end_timestamp",
        "inputs",
        "outputs",
        "git_hash",
        "git_tags",
        "code_snapshot",
        "id",
        "stale",
        "dependencies",
    ],
    (Component, "__init__"): ["name", "owner", "description", "beforeTests", "afterTests", "tags"],
    (Component, "run"): [
        "inputs",
        "outputs",
        "input_vars",
        "output_vars",
        "input_kwargs",
        "output_kwargs",
        "endpoint",
        "staleness_threshold",
        "auto_log",
    ],
    (IOPointer, "__init__"): ["name", "value", "pointer_type", "flag"],
}


def _positional(fn: object) -> list[str]:
    params = inspect.signature(fn).parameters.values()  # type: ignore[arg-type]
    return [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_functions_take_mltrace_s_arguments_in_its_order(name: str) -> None:
    assert _positional(getattr(mltrace, name)) == SIGNATURES[name]


@pytest.mark.parametrize(("owner", "method"), sorted(CLASS_SIGNATURES, key=lambda k: (k[0].__name__, k[1])))
def test_classes_take_mltrace_s_arguments_in_its_order(owner: type, method: str) -> None:
    assert _positional(getattr(owner, method)) == CLASS_SIGNATURES[(owner, method)]


# ---------------------------------------------------------------- entities


def test_a_component_run_reads_as_mltrace_s_dictionary_and_rebuilds_from_it() -> None:
    run = ComponentRun("train")
    assert run.to_dictionary() == {
        "component_name": "train",
        "notes": "",
        "inputs": [],
        "outputs": [],
        "git_hash": None,
        "git_tags": None,
        "code_snapshot": None,
        "start_timestamp": None,
        "end_timestamp": None,
        "dependencies": [],
        "id": None,
        "stale": [],
    }
    start = datetime(2024, 1, 1, tzinfo=UTC)
    full = ComponentRun("train", "notes", start, start + timedelta(minutes=1), ["a.csv"], ["m.pkl"], "abc", ["v1"])
    assert dict(full) == full.to_dictionary()
    again = ComponentRun.from_dictionary({**full.to_dictionary(), "unknown_key": 1})
    assert again.to_dictionary() == full.to_dictionary()
    assert [p.pointer_type for p in again.inputs + again.outputs] == [PointerTypeEnum.DATA, PointerTypeEnum.MODEL]


def test_component_run_type_checks_its_timestamps_and_notes() -> None:
    run = ComponentRun("train")
    for bad in ("yesterday", 1_700_000_000, None.__class__):
        with pytest.raises(TypeError, match="datetime"):
            run.set_start_timestamp(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="datetime"):
            run.set_end_timestamp(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="notes must be a str"):
        run.notes = ["not", "text"]  # type: ignore[assignment]
    with pytest.raises(TypeError, match="notes must be a str"):
        ComponentRun("train", notes=42)  # type: ignore[arg-type]
    run.notes = "fine"
    assert run.notes == "fine"
    with pytest.raises(AttributeError):
        run.id = "0123456789abcdef"  # type: ignore[misc]


def test_component_run_io_keeps_each_pointer_once() -> None:
    run = ComponentRun("train")
    a, b = IOPointer("a.csv"), IOPointer("b.csv")
    run.add_inputs([a, b, "a.csv"])
    run.add_input(b)
    run.add_output("model.pkl")
    run.add_outputs([IOPointer("model.pkl"), "metrics.json"])
    assert sorted(p.name for p in run.inputs) == ["a.csv", "b.csv"]
    assert sorted(p.name for p in run.outputs) == ["metrics.json", "model.pkl"]
    # mltrace's order: that of the set of pointers, the same in every process.
    assert run.inputs == list({a, b})
    run.set_upstream("etl")
    run.set_upstream(["etl", "label"])
    assert run.dependencies == ["etl", "label"]


def test_io_pointers_carry_a_value_a_type_and_a_flag() -> None:
    pointer = IOPointer(name="rows", value=[1, 2, 3])
    assert (pointer.name, pointer.value, pointer.pointer_type, pointer.flag) == ("rows", [1, 2, 3], "UNKNOWN", False)
    assert IOPointer("m", pointer_type="model").pointer_type is PointerTypeEnum.MODEL
    assert IOPointer("rows") == pointer and len({pointer, IOPointer("rows")}) == 1
    assert json.loads(repr(pointer)) == {"name": "rows", "pointer_type": "UNKNOWN", "flag": False}
    assert dict(pointer) == {"name": "rows", "value": [1, 2, 3], "pointer_type": "UNKNOWN", "flag": False}
    with pytest.raises(ValueError, match="unknown pointer type"):
        IOPointer("x", pointer_type="video")
    with pytest.raises(AttributeError):
        pointer.name = "other"  # type: ignore[misc]


def test_a_component_is_read_only_and_its_repr_is_json() -> None:
    component = Component("clean", "data-team", "drops bad rows", [], [], ["etl"])
    assert json.loads(repr(component)) == {
        "name": "clean",
        "owner": "data-team",
        "description": "drops bad rows",
        "tags": ["etl"],
    }
    for attribute in ("name", "owner", "description", "tags", "beforeTests", "afterTests"):
        with pytest.raises(AttributeError):
            setattr(component, attribute, "changed")
    assert Component.from_dictionary(component.to_dictionary()).to_dictionary() == component.to_dictionary()


class PositiveRows(mltrace.Test):
    def testPositive(self, rows: list[int]) -> None:
        assert all(r > 0 for r in rows), "a row is not positive"

    def testShort(self, rows: list[int], limit: int = 10) -> None:
        assert len(rows) <= limit


def test_tests_list_their_methods_and_run_them_as_mltrace_did() -> None:
    test = PositiveRows()
    assert [m.__name__ for m in test.getTestMethods()] == ["testPositive", "testShort"]
    test.runTests(rows=[1, 2], unrelated="ignored")
    with pytest.raises(AssertionError, match="a row is not positive"):
        test.runTests(rows=[1, -2])
    component = Component("guarded", beforeTests=[PositiveRows], afterTests=[PositiveRows])
    component.beforeRun(rows=[3])
    with pytest.raises(AssertionError):
        component.afterRun(rows=list(range(11)))


# ---------------------------------------------------------------- logging runs


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


def test_register_s_kwargs_name_pointers_and_check_their_values(store: Store) -> None:
    @mltrace.register("kw", input_kwargs={"inp_key": "inp_val"}, output_kwargs={"out_key": "out_val"})
    def kw(inp_key: list[str], inp_val: list[int]) -> None:
        out_key = ["out-1.pkl", "out-2.pkl"]
        out_val = [1, 2]

    kw(inp_key=["in-1.pkl", "in-2.pkl"], inp_val=[10, 20])
    run = store.only_run("kw")
    assert (store.io(run.id).inputs, store.io(run.id).outputs) == (["in-1.pkl", "in-2.pkl"], ["out-1.pkl", "out-2.pkl"])

    @mltrace.register("kw_short", output_kwargs={"out_key": "out_val"})
    def short() -> None:
        out_key = ["a.pkl", "b.pkl"]
        out_val = [1]

    with pytest.raises(ValueError, match=r"'out_val' must be a list as long as 'out_key' \(2 names\)"):
        short()

    @mltrace.register("kw_unknown", input_kwargs={"nope": "inp_val"})
    def unknown(inp_val: int) -> None:
        pass

    with pytest.raises(ValueError, match=r"'nope' is not a local variable or argument"):
        unknown(1)
    # Failed runs are stored, with the error.
    assert [r.status_code for r in store.runs("kw_short") + store.runs("kw_unknown")] == ["ERROR", "ERROR"]


def test_register_records_the_staleness_threshold_and_endpoints(store: Store) -> None:
    @mltrace.register("serve", input_vars=["model"], output_vars=["url"], endpoint=True, staleness_threshold=60)
    def serve(model: str) -> None:
        url = "predictions-v1"

    serve("model.pkl")
    run = store.only_run("serve")
    assert run.attributes["mltrace.staleness_threshold"] == 60
    assert mltrace.get_io_pointer("predictions-v1").pointer_type is PointerTypeEnum.ENDPOINT
    with pytest.raises(ValueError, match="positive"):
        mltrace.register("bad", staleness_threshold=-1)


def test_auto_log_links_dataframes_from_one_run_to_the_next(store: Store) -> None:
    import pandas as pd

    @mltrace.register("make", auto_log=True)
    def make(values: list[int]) -> pd.DataFrame:
        df = pd.DataFrame({"x": values})
        return df

    @mltrace.register("double", auto_log=True)
    def double(df: pd.DataFrame) -> pd.DataFrame:
        new_df = df * 2
        return new_df

    @mltrace.register("save_it", auto_log=True)
    def save_it(df: pd.DataFrame, model_name: str = "tiny") -> pd.DataFrame:
        mltrace.save(df)
        return df

    frame = make([1, 2, 3])
    doubled = double(frame)
    save_it(doubled)
    make_run, double_run, save_run = (store.only_run(c) for c in ("make", "double", "save_it"))
    [made] = store.io(make_run.id).outputs
    assert store.io(double_run.id).inputs == [made]  # named by content: the same pointer
    assert store.dependencies(double_run.id) == {make_run.id}
    assert store.dependencies(save_run.id) == {double_run.id}
    assert pd.read_pickle(made).equals(frame)
    assert Path(made).parent == Path(os.environ["MLTRACE_HOME"]) / "artifacts"
    # "model_name" names a model argument (mltrace's rule), so it is an input too.
    assert len(store.io(save_run.id).inputs) == 2


def test_save_without_a_path_names_the_file_by_its_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = mltrace.save({"a": 1})
    assert Path(first).parent == Path(os.environ["MLTRACE_HOME"]) / "artifacts"
    assert mltrace.save({"a": 1}) == first and mltrace.load(first) == {"a": 1}
    assert mltrace.save({"a": 2}) != first
    monkeypatch.setenv("SAVE_DIR", str(tmp_path / "saved"))  # mltrace's variable
    assert Path(mltrace.save([1, 2])).parent == tmp_path / "saved"
    assert mltrace.save([1], tmp_path / "explicit.pkl") == str(tmp_path / "explicit.pkl")


# ---------------------------------------------------------------- reading runs back


def test_components_are_created_tagged_and_listed(store: Store) -> None:
    created = mltrace.create_component("etl", "extracts", "data-eng", tags=["nightly"])
    assert isinstance(created, Component)
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
    assert [c.name for c in mltrace.get_components(tag="", owner="")] == ["etl", "train"]  # 0.17's defaults
    assert mltrace.get_all_tags() == ["gpu", "nightly"]
    updated = mltrace.create_component("etl", owner="platform")
    assert (updated.description, updated.owner) == ("extracts", "platform")
    with pytest.raises(RuntimeError, match="no component 'nope'"):  # 0.17 raised RuntimeError
        mltrace.get_component_information("nope")


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
    assert len(mltrace.get_history("daily", 10, datetime.min, datetime.max)) == 5  # 0.17's defaults
    assert [h.start_timestamp.day for h in mltrace.get_history("daily", 10, "2024-01-04")] == [5, 4]


def test_recent_run_ids_are_newest_first_and_page_after_the_last_seen(store: Store) -> None:
    ids = _pipeline()
    newest_first = [ids["predict"], ids["train"], ids["clean"], ids["ingest"]]
    assert mltrace.get_recent_run_ids(limit=2) == newest_first[:2]
    assert mltrace.get_recent_run_ids(limit=5, last_run_id=newest_first[1]) == newest_first[2:]


def test_run_information_is_mltrace_s_component_run_with_our_extras(store: Store) -> None:
    ids = _pipeline()
    info = mltrace.get_component_run_information(ids["predict"])
    assert isinstance(info, ComponentRun) and isinstance(info, RunInfo)
    assert info.id == ids["predict"] and info.component_name == "predict"
    assert all(isinstance(p, IOPointer) for p in info.inputs + info.outputs)
    assert sorted(p.name for p in info.inputs) == ["clean.csv", "model.pkl"]
    assert [(p.name, p.pointer_type, p.flag) for p in info.outputs] == [("pred-1", PointerTypeEnum.UNKNOWN, False)]
    assert sorted(info.dependencies) == ["clean", "train"]  # component names, as 0.17
    assert sorted(info.dependency_ids) == sorted([ids["train"], ids["clean"]])
    assert info.code_snapshot == "def predict(): ..."
    assert info.duration_ms == 60_000 and info.status == "UNSET" and info.stale == [] and info.notes == ""
    assert info.start_timestamp == datetime(2024, 5, 1, 0, 6, tzinfo=UTC)
    as_dict = info.to_dictionary()
    assert set(ComponentRun.FIELDS) <= set(as_dict) and as_dict["trace_id"] == info.trace_id
    assert ComponentRun.from_dictionary(as_dict).to_dictionary() == {k: as_dict[k] for k in ComponentRun.FIELDS}


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
    assert isinstance(pointer, IOPointer)
    assert (pointer.name, pointer.pointer_type, pointer.flag) == ("model.pkl", PointerTypeEnum.MODEL, False)
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
    assert [p.name for p in trace[2][1].outputs] == ["model.pkl"]
    with pytest.raises(TypeError, match="string"):
        mltrace.backtrace(42)  # type: ignore[arg-type]


def test_web_trace_is_mltrace_s_tree_with_shared_ancestors_expanded_once(store: Store) -> None:
    ids = _pipeline()
    (root,) = mltrace.web_trace("pred-1")
    assert root["id"] == f"componentrun_{ids['predict']}" and root["runId"] == ids["predict"]
    assert root["label"] == "predict" and root["hasCaret"] and root["isExpanded"] and not root["failed"]
    assert root["stale"] == [] and root["level"] == 0
    output = root["childNodes"][0]
    assert output == {
        "id": "iopointer_pred-1",
        "label": "pred-1",
        "hasCaret": False,
        "parent": root["id"],
        "flagged": False,
    }
    clean_nodes = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node["label"] == "clean":
            clean_nodes.append(node)
        stack.extend(node.get("childNodes", []))
    # clean is reached directly and through train: expanded once, the other time marked shared.
    assert sorted(n["shared"] for n in clean_nodes) == [False, True]
    assert len({n["id"] for n in clean_nodes}) == 2  # ids stay unique in the tree
    model = next(c for c in _all_nodes(root) if c["label"] == "model.pkl")
    assert model["icon"] == "function"


def _all_nodes(root: dict) -> list[dict]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.get("childNodes", []))
    return found


def test_web_trace_handles_a_700_run_chain_in_a_fixed_number_of_statements(store: Store) -> None:
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    for i in range(700):
        start = t0 + timedelta(seconds=2 * i)
        mltrace.log_component_run(
            ComponentRun(f"step{i % 7}", "", start, start + timedelta(seconds=1), [f"d{i}"], [f"d{i + 1}"])
        )
    mltrace.flush()
    with count_statements(store.engine) as counter:
        (root,) = mltrace.web_trace("d700")
    depth, node = 0, root
    while True:
        runs = [c for c in node["childNodes"] if c["hasCaret"]]
        if not runs:
            break
        (node,) = runs
        depth += 1
    assert depth == 699 and node["label"] == "step0" and node["level"] == 699
    assert counter.count <= 8
    assert len(mltrace.backtrace("d700")) == 700


def test_flag_unflag_and_review(store: Store) -> None:
    ids = _pipeline()
    assert mltrace.flag_output_id("pred-1") is True
    assert mltrace.get_io_pointer("pred-1").flag
    flagged, ranked = mltrace.review_flagged_outputs()
    assert flagged == ["pred-1"]
    assert {info.id for info, _ in ranked} == set(ids.values())
    assert all(count == 1 for _, count in ranked)
    assert mltrace.unflag_output_id("pred-1") is True
    assert not mltrace.get_io_pointer("pred-1").flag
    mltrace.flag_output_id("pred-1")
    mltrace.flag_output_id("model.pkl")
    assert mltrace.unflag_all() == 2
    assert mltrace.review_flagged_outputs() == ([], [])


def test_notes_are_added_to_a_run(store: Store) -> None:
    ids = _pipeline()
    assert mltrace.add_notes_to_component_run(ids["train"], "lr too high") == "lr too high"
    assert mltrace.get_component_run_information(ids["train"]).notes == "lr too high"
    with pytest.raises(TypeError):
        mltrace.add_notes_to_component_run(ids["train"], ["not text"])  # type: ignore[arg-type]


def test_random_ids_are_ten_lowercase_letters_and_distinct() -> None:
    ids = mltrace.create_random_ids(50)
    assert len(ids) == 50 == len(set(ids))
    assert all(re.fullmatch(r"[a-z]{10}", i) for i in ids)


# ---------------------------------------------------------------- the database and code versions


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


def test_set_db_uri_test_is_a_new_empty_throwaway_store_each_time(store: Store) -> None:
    _pipeline()
    mltrace.set_db_uri("test")
    first = mltrace.get_db_uri()
    assert first.startswith("sqlite:///") and mltrace.get_recent_run_ids() == []
    mltrace.create_component("t", "d", "o")
    mltrace.log_component_run(ComponentRun("t", "", datetime(2024, 1, 1), datetime(2024, 1, 1, 0, 1), outputs=["x"]))
    assert len(mltrace.get_recent_run_ids()) == 1
    mltrace.set_db_uri("TEST")
    assert mltrace.get_db_uri() != first and mltrace.get_recent_run_ids() == []
    assert not Path(first.removeprefix("sqlite:///")).exists()  # the previous throwaway store is gone
    assert len(store.runs()) == 4  # the real store was never touched


def test_clean_db_empties_the_store(store: Store) -> None:
    _pipeline()
    deleted = mltrace.clean_db()
    assert deleted["spans"] == 4
    assert mltrace.get_recent_run_ids() == [] and mltrace.get_components() == []


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_git_hash_and_tags_of_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mltrace_otel.instrument.code_info import git_info

    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "f.txt").write_text("x")
    _git(repo, "add", "f.txt")
    _git(repo, "commit", "-qm", "first")
    monkeypatch.chdir(repo)
    git_info.cache_clear()
    assert mltrace.get_git_hash() == _git(repo, "rev-parse", "HEAD")
    assert mltrace.get_git_tags() is None  # no tag: None, as 0.17
    _git(repo, "tag", "v1.0")
    _git(repo, "tag", "release")
    git_info.cache_clear()
    assert sorted(mltrace.get_git_tags() or []) == ["release", "v1.0"]
    monkeypatch.chdir(tmp_path)
    git_info.cache_clear()
    assert mltrace.get_git_hash() is None and mltrace.get_git_tags() is None
