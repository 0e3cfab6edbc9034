"""``Component`` with mltrace-style ``Test`` classes run before and after the body, recorded on the run."""

# Locals that look unused are the point: tests and output_vars read their final values by name.
# ruff: noqa: F841

from __future__ import annotations

import pytest

from mltrace_otel import Component, ComponentTestFailure, Test
from mltrace_otel.queries.components import get_component
from tests.core.conftest import Store


class RowsArePositive(Test):
    def test_positive(self, rows: list[int]) -> None:
        assert all(r > 0 for r in rows), "a row is not positive"


class OutputIsSorted(Test):
    def test_sorted(self, result: list[int]) -> None:
        assert result == sorted(result)

    def test_returned_same_length(self, rows: list[int], **values: object) -> None:
        assert len(values["return"]) == len(rows)  # type: ignore[arg-type]


class ReturnsFalse(Test):
    def testNotEmpty(self, rows: list[int]) -> bool:  # mltrace's camelCase; returning False fails
        return False


def _test_events(store: Store, component: str) -> list[dict]:
    return store.only_run(component).test_results


def test_passing_before_and_after_tests_are_recorded_and_the_run_succeeds(store: Store) -> None:
    sorter = Component(
        "sorter",
        owner="data",
        description="sorts rows",
        tags=["example"],
        beforeTests=[RowsArePositive],
        afterTests=[OutputIsSorted],
    )

    @sorter.run(input_vars=["source"], output_vars=["target"])
    def sort_rows(rows: list[int], source: str = "rows.csv") -> list[int]:
        result = sorted(rows)
        target = "sorted.csv"
        return result

    assert sort_rows([3, 1, 2]) == [1, 2, 3]
    run = store.only_run("sorter")
    assert run.status_code != "ERROR"
    results = {(r["phase"], r["test"]): r["passed"] for r in run.test_results}
    assert results == {
        ("before", "RowsArePositive.test_positive"): True,
        ("after", "OutputIsSorted.test_returned_same_length"): True,
        ("after", "OutputIsSorted.test_sorted"): True,
    }
    assert store.io(run.id).inputs == ["rows.csv"]
    assert store.io(run.id).outputs == ["sorted.csv"]
    with store.connect() as conn:
        component = get_component(conn, "sorter")
    assert (component.owner, component.description, component.tags) == ("data", "sorts rows", ["example"])


def test_a_failing_before_test_fails_the_run_before_the_body_runs(store: Store) -> None:
    component = Component("guarded", beforeTests=[RowsArePositive])
    body_ran = []

    @component.run
    def guarded(rows: list[int]) -> None:
        body_ran.append(True)

    with pytest.raises(ComponentTestFailure, match=r"'guarded'.*before-test.*a row is not positive"):
        guarded([1, -1])
    assert body_ran == []
    run = store.only_run("guarded")
    assert run.status_code == "ERROR"
    assert "RowsArePositive.test_positive" in (run.status_message or "")
    (result,) = _test_events(store, "guarded")
    assert result["passed"] is False and "AssertionError" in result["message"]


def test_a_failing_after_test_fails_the_run_and_records_every_result(store: Store) -> None:
    component = Component("unsorted", afterTests=[OutputIsSorted])

    @component.run
    def unsorted(rows: list[int]) -> list[int]:
        result = list(reversed(sorted(rows)))
        return result

    with pytest.raises(ComponentTestFailure, match="after-test"):
        unsorted([1, 2, 3])
    run = store.only_run("unsorted")
    assert run.status_code == "ERROR"
    passed = {r["test"]: r["passed"] for r in run.test_results}
    assert passed == {"OutputIsSorted.test_sorted": False, "OutputIsSorted.test_returned_same_length": True}


def test_a_test_returning_false_fails_and_camel_case_names_are_tests(store: Store) -> None:
    component = Component("picky", beforeTests=[ReturnsFalse])

    @component.run
    def picky(rows: list[int]) -> None:
        pass

    with pytest.raises(ComponentTestFailure, match="returned False"):
        picky([1])
    (result,) = _test_events(store, "picky")
    assert result["test"] == "ReturnsFalse.testNotEmpty" and result["passed"] is False


def test_a_test_whose_argument_has_no_value_fails_with_a_message_naming_it(store: Store) -> None:
    class NeedsFrame(Test):
        def test_has_frame(self, frame: object) -> None:
            pass

    component = Component("no_frame", beforeTests=[NeedsFrame()])

    @component.run
    def no_frame(rows: list[int]) -> None:
        pass

    with pytest.raises(ComponentTestFailure, match="no value named frame"):
        no_frame([1])


def test_tests_run_directly_as_mltrace_allowed() -> None:
    results = RowsArePositive().run_tests(rows=[1, 2])
    assert [(r.test, r.passed) for r in results] == [("RowsArePositive.test_positive", True)]
    assert RowsArePositive().getTestables() == ["test_positive"]
