"""Outputs and feedback lose nothing either: they travel the spans' delivery (spool, drainer, retries, adoption,
``mltrace spool drain``), so the faults of test_nothing_lost.py are played again with ``log_output``,
``log_feedback`` and batches of 20,000 values, against the suite's own Postgres clusters and SQLite.
"""

from __future__ import annotations

from tests.faults.scenarios import Outcome, ScenarioRunner
from tests.faults.test_nothing_lost import _both, _brief, _postgres, _sqlite

RUNS = 300
VALUES = 2 * (RUNS + 20_000)  # an output and its feedback per run, then 20,000 of each in two calls


def assert_values_stored(outcome: Outcome, logged: int) -> None:
    assert outcome.logged == logged, f"the pipeline logged {outcome.logged}, not {logged}: {_brief(outcome.details)}"
    assert outcome.stored == logged, f"stored {outcome.stored} of {logged}: {_brief(outcome.details)}"
    assert outcome.details["outputs"] == outcome.details["feedback"] == logged // 2


def assert_all_said_stored(outcome: Outcome, values: int) -> None:
    assert outcome.details["flush"] is True, _brief(outcome.details)  # flush() waited for them, and said so
    status = outcome.details["status"]
    assert status["outputs_stored"] + status["feedback_stored"] == values
    assert (status["observations_refused"], status["spooled"], status["dropped"]) == (0, 0, 0)


@_postgres("outputs_while_postgres_stopped_4s")
def test_outputs_and_feedback_logged_while_postgres_is_down_are_all_stored(
    scenarios: ScenarioRunner, name: str
) -> None:
    outcome = scenarios.result(name)
    assert outcome.details["returncode"] == 0, outcome.details["stderr"]
    assert outcome.details["finished_during_outage"] is False  # it logged while the store was down
    values = 2 * (1_000 + 20_000)
    assert_values_stored(outcome, values)
    assert_all_said_stored(outcome, values)
    assert outcome.details["runs"] == 1_000 == outcome.run_rows
    # Said once, and said when it was over (a batch begun before the outage that commits while the server shuts
    # down does not end it).
    stderr = outcome.details["stderr"]
    assert stderr.count("store unreachable, spooling") == 1, stderr
    assert stderr.rfind("store reachable again") > stderr.rfind("store unreachable, spooling"), stderr


@_sqlite("outputs_while_sqlite_locked_3s")
def test_outputs_and_feedback_logged_while_sqlite_is_locked_are_all_stored(
    scenarios: ScenarioRunner, name: str
) -> None:
    outcome = scenarios.result(name)
    assert outcome.details["returncode"] == 0, outcome.details["stderr"]
    assert_values_stored(outcome, VALUES)
    assert_all_said_stored(outcome, VALUES)
    assert outcome.details["runs"] == RUNS == outcome.run_rows


@_both("outputs_sigkill_right_after_the_last_output")
def test_outputs_of_a_process_killed_right_after_logging_them_are_stored_by_spool_drain(
    scenarios: ScenarioRunner, name: str
) -> None:
    outcome = scenarios.result(name)
    assert outcome.details["returncode"] == -9
    assert outcome.details["drain_returncode"] == 0, outcome.details["drain"]
    assert_values_stored(outcome, VALUES)
    drain = outcome.details["drain"]
    # What the killed process had not stored, the CLI did (the last 40,000 values were logged microseconds
    # before the kill, so some were always left).
    assert drain["outputs_stored"] + drain["feedback_stored"] == VALUES - outcome.details["stored_before_drain"] > 0
    assert drain["complete"] is True and drain["still_waiting"] == 0
    assert outcome.details["runs"] == RUNS == outcome.run_rows


@_both("a_bad_output_id_among_500")
def test_an_output_id_no_database_can_hold_is_refused_alone_with_its_reason(
    scenarios: ScenarioRunner, name: str
) -> None:
    outcome = scenarios.result(name)
    # Its output and its feedback are refused; the 499 others of each are stored.
    assert (outcome.logged, outcome.stored) == (1_000, 998), _brief(outcome.details)
    assert outcome.details["flush"] is False  # the pipeline is told: not everything was stored
    status = outcome.details["status"]
    assert (status["observations_refused"], status["outputs_stored"], status["feedback_stored"]) == (2, 499, 499)
    reasons = [r["reason"] for r in status["reasons"]]
    assert len(reasons) == 2 and all("bo-bad-\\udcff-250" in r and "lone surrogate" in r for r in reasons), reasons
    assert sorted(e["kind"] for e in outcome.details["rejected_file"]) == ["feedback refused", "output refused"]
    assert outcome.details["runs"] == 500  # the run that made it is stored (its pointer made storable)
