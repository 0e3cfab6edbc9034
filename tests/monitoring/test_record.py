"""Outputs and feedback recorded from Python: tied to the run, stored off the caller's thread, batches, bad input."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine

import mltrace_otel
from mltrace_otel.monitoring import reads
from mltrace_otel.monitoring.emit import log_status
from mltrace_otel.store.engine import get_engine


def test_an_output_logged_in_a_run_is_tied_to_it_and_traced_back(configured: str) -> None:
    @mltrace_otel.register("scorer", input_vars=["features"], output_vars=[])
    def score(features: str) -> float:
        mltrace_otel.log_output("churn", 0.8, "customer-17")
        return 0.8

    score("features.parquet")
    mltrace_otel.log_feedback("churn", 1, "customer-17")
    assert mltrace_otel.flush() and mltrace_otel.flush_logs()
    engine = get_engine(configured)
    (output,) = reads.rows(engine, "churn", "output")
    (run_id,) = mltrace_otel.get_recent_run_ids(1)
    assert (output.output_id, output.value, output.span_id) == ("customer-17", 0.8, run_id)
    assert [info.id for _, info in mltrace_otel.backtrace("customer-17")] == [run_id]
    (feedback,) = reads.rows(engine, "churn", "feedback")
    assert (feedback.output_id, feedback.value) == ("customer-17", 1.0)


def test_a_batch_is_one_record_and_a_bad_value_is_refused_alone(
    configured: str, caplog: pytest.LogCaptureFixture
) -> None:
    ids = mltrace_otel.log_outputs("fraud", [0, 1, "maybe", float("nan"), True])
    mltrace_otel.log_feedbacks("fraud", [0, 1, 1], ids[:3])
    with caplog.at_level(logging.WARNING):
        assert not mltrace_otel.flush()  # all stored, but one value refused: flush says so, as for a span
    engine: Engine = get_engine(configured)
    stored = {r.output_id: r.value for r in reads.rows(engine, "fraud", "output")}
    assert stored == {ids[0]: 0.0, ids[1]: 1.0, ids[2]: "maybe", ids[4]: 1.0}
    status = log_status()
    assert (status["stored"], status["refused"]) == (7, 1)
    reason = f"task 'fraud', output '{ids[3]}': value nan is not a finite number"
    assert status["reasons"] == [f"output of task 'fraud': {reason}"]
    assert any("is not a finite number" in r.getMessage() for r in caplog.records)
    assert len(reads.rows(engine, "fraud", "feedback")) == 3


def test_the_same_output_delivered_twice_is_kept_once_with_its_first_value(configured: str) -> None:
    mltrace_otel.log_output("dup", 1, "a")
    mltrace_otel.flush_logs()
    mltrace_otel.log_output("dup", 2, "a")
    mltrace_otel.flush_logs()
    assert [(r.output_id, r.value) for r in reads.rows(get_engine(configured), "dup", "output")] == [("a", 1.0)]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mltrace_otel.log_output("", 1), "non-empty string"),
        (lambda: mltrace_otel.log_output("t", object()), "is not a number, boolean or string"),
        (lambda: mltrace_otel.log_feedback("t", 1, ""), "non-empty string"),
        (lambda: mltrace_otel.log_outputs("t", [1, 2], ["a"]), "2 values but 1 output ids"),
    ],
)
def test_a_wrong_call_is_told_at_once(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_ids_no_database_can_hold_are_refused_alone_with_their_reason(configured: str) -> None:
    ids = ["fine", "nul-\x00-inside", "surrogate-\udcff", "fine-too"]
    mltrace_otel.log_outputs("keys", [1, 2, 3, 4], ids)
    assert not mltrace_otel.flush()
    stored = {r.output_id for r in reads.rows(get_engine(configured), "keys", "output")}
    assert stored == {"fine", "fine-too"}
    reasons = mltrace_otel.export_status().reasons
    assert [r.name for r in reasons] == ["output of task 'keys'"] * 2
    assert "'nul-\\x00-inside': its output id contains a NUL character" in reasons[0].reason
    assert "'surrogate-\\udcff': its output id contains a lone surrogate" in reasons[1].reason


def test_numpy_values_and_ids_are_stored_as_python_values(configured: str) -> None:
    np = pytest.importorskip("numpy")
    ids = mltrace_otel.log_outputs("np", np.array([0.25, 0.5]), output_ids=np.array(["a", "b"]))
    mltrace_otel.log_output("np", np.float32(0.75), "c")
    mltrace_otel.log_outputs("np", [np.int64(1), object()], ["d", "e"])
    assert ids == ["a", "b"] and not mltrace_otel.flush()  # the object is refused
    stored = {r.output_id: r.value for r in reads.rows(get_engine(configured), "np", "output")}
    assert stored == {"a": 0.25, "b": 0.5, "c": 0.75, "d": 1.0}
    (reason,) = [r.reason for r in mltrace_otel.export_status().reasons]
    assert "output 'e': value <object object at" in reason and "is not a number, boolean or string" in reason
