"""IO pointer kinds: inferred from the name as mltrace did, or set explicitly."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from mltrace_otel import component_run
from mltrace_otel.pointers import PointerKind, infer_kind, parse_kind
from mltrace_otel.queries.pointers import get_pointer
from mltrace_otel.store.ingest import ingest_spans
from tests.core.conftest import Store
from tests.helpers import run_record


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("data/train.csv", PointerKind.DATA),
        ("s3://bucket/part-0001.PARQUET", PointerKind.DATA),
        ("events.jsonl", PointerKind.DATA),
        ("model.pkl", PointerKind.MODEL),
        ("weights/best.pt", PointerKind.MODEL),
        ("clf.joblib", PointerKind.MODEL),
        ("net.onnx", PointerKind.MODEL),
        ("https://api.example.org/predict", PointerKind.ENDPOINT),
        ("http://localhost:8000", PointerKind.ENDPOINT),
        ("warehouse.events", PointerKind.UNKNOWN),
        ("zguzvnwsux", PointerKind.UNKNOWN),
    ],
)
def test_kind_is_inferred_from_the_name(name: str, kind: PointerKind) -> None:
    assert infer_kind(name) is kind


def test_an_unknown_kind_name_is_refused_with_the_choices() -> None:
    assert parse_kind(" Model ") is PointerKind.MODEL
    with pytest.raises(ValueError, match="unknown IO pointer kind 'table'; use one of data, model, endpoint, unknown"):
        parse_kind("table")


def test_stored_pointers_carry_the_inferred_kind(engine: Engine) -> None:
    ingest_spans(engine, [run_record("train", 0, 1, inputs=["train.csv"], outputs=["model.pkl", "metrics"])])
    with engine.connect() as conn:
        assert get_pointer(conn, "train.csv").kind == "data"
        assert get_pointer(conn, "model.pkl").kind == "model"
        assert get_pointer(conn, "metrics").kind == "unknown"


def test_an_explicit_kind_overrides_the_name_and_later_inference_does_not_undo_it(store: Store) -> None:
    with component_run("register_model") as run:
        run.add_output("registry://fraud/7", kind="model")
        run.add_input("features.csv", kind="unknown")
    with component_run("serve", inputs=["registry://fraud/7"]):  # no kind given: the explicit one stays
        pass
    with store.connect() as conn:
        assert get_pointer(conn, "registry://fraud/7").kind == "model"
        assert get_pointer(conn, "features.csv").kind == "unknown"


def test_an_invalid_kind_is_refused_when_added(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown IO pointer kind"), component_run("bad_kind") as run:
        run.add_output("x.bin", kind="blob")


def test_an_invalid_kind_arriving_in_a_span_is_ignored_and_the_span_still_stored(engine: Engine) -> None:
    record = run_record("otlp_run", 0, 1, outputs=["x.csv"], attributes={"mltrace.io.kinds": ["x.csv=table"]})
    result = ingest_spans(engine, [record])
    assert result.stored == 1
    with engine.connect() as conn:
        assert get_pointer(conn, "x.csv").kind == "data"
