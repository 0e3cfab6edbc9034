"""Nothing lost: every row of issue 10's table, and the scenarios it adds, against a private Postgres cluster the
suite starts itself (and SQLite where the scenario applies). Each asserts the exact count stored and no
duplicates; a rejected span is said, with its reason, in export_status() and the spool's rejected.jsonl.

The scenarios run side by side (see conftest.py); each test waits for its own and checks it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.faults.scenarios import Outcome, ScenarioRunner


def _both(name: str) -> Any:
    return pytest.mark.parametrize(
        "name",
        [
            pytest.param(f"{name}[{b}]", marks=pytest.mark.scenario(f"{name}[{b}]"), id=b)
            for b in ("postgresql", "sqlite")
        ],
    )


def _postgres(name: str) -> Any:
    return pytest.mark.parametrize(
        "name",
        [pytest.param(f"{name}[postgresql]", marks=pytest.mark.scenario(f"{name}[postgresql]"), id="postgresql")],
    )


def _sqlite(name: str) -> Any:
    return pytest.mark.parametrize(
        "name", [pytest.param(f"{name}[sqlite]", marks=pytest.mark.scenario(f"{name}[sqlite]"), id="sqlite")]
    )


def assert_all_stored_once(outcome: Outcome, logged: int) -> None:
    assert outcome.logged == logged, f"the pipeline logged {outcome.logged}, not {logged}: {outcome.details}"
    assert outcome.stored == logged, f"stored {outcome.stored} of {logged}: {_brief(outcome.details)}"
    assert outcome.run_rows == outcome.stored  # one row per run: no duplicate spans
    assert outcome.duplicate_io_rows == 0  # re-delivered spans added no IO twice


def _brief(details: dict[str, Any]) -> dict[str, Any]:
    return {k: (v[-1500:] if isinstance(v, str) else v) for k, v in details.items()}


@_postgres("postgres_stopped_20s_at_50_runs_per_s")
def test_postgres_stopped_for_20_s_during_a_pipeline(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert_all_stored_once(outcome, 2_000)
    stderr = outcome.details["stderr"]
    assert outcome.details["returncode"] == 0, stderr
    assert stderr.count("store unreachable, spooling") == 1, stderr  # said once per outage
    assert "store reachable again" in stderr
    assert "rejected" not in stderr


@_postgres("outage_60s_pipeline_ends_during_it")
def test_an_outage_of_60_s_that_outlasts_the_pipeline_is_drained_by_the_cli(
    scenarios: ScenarioRunner, name: str
) -> None:
    outcome = scenarios.result(name)
    assert_all_stored_once(outcome, 3_000)
    assert outcome.details["returncode"] == 0
    assert outcome.details["stored_before_drain"] < 3_000  # the pipeline ended while the store was down
    assert "they wait in the spool" in outcome.details["stderr"]  # and said where its runs wait
    assert outcome.details["drain_returncode"] == 0, outcome.details["drain_output"]


@_postgres("down_at_start_up_10s_later")
def test_a_database_down_at_pipeline_start_and_up_10_s_later(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert_all_stored_once(outcome, 1_000)
    assert outcome.details["returncode"] == 0


@_both("2kb_component_and_2kb_tag_among_1000")
def test_a_run_whose_index_key_is_too_large_is_rejected_alone_with_a_reason(
    scenarios: ScenarioRunner, name: str
) -> None:
    outcome = scenarios.result(name)
    assert outcome.logged == 1_000
    assert outcome.stored == 999 == outcome.run_rows  # every other run of the pipeline
    status = outcome.details["status"]
    assert outcome.details["flush"] is False  # the pipeline is told: not everything was stored
    assert (status["rejected"], status["stored"], status["spooled"]) == (1, 999, 0)
    (reason,) = status["reasons"]
    assert "its component name and a tag are 4096 bytes together" in reason["reason"]


@_both("lone_surrogate_in_an_output_among_1000")
def test_a_lone_surrogate_is_replaced_and_every_run_stored(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert_all_stored_once(outcome, 1_000)
    assert outcome.details["flush"] is True
    assert outcome.details["stored_names"] == ["sg/bad-\\xff-name.csv"]  # what Python prints for the byte


@_both("os_exit_0.6s_after_the_last_run")
def test_a_process_ending_with_os_exit_loses_nothing(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert_all_stored_once(outcome, 2_000)  # what its own thread had not stored, the next process did
    assert outcome.details["next_stored"] == 10


@_both("sigkill_right_after_the_last_run")
def test_a_process_killed_right_after_its_last_run_loses_nothing(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert outcome.details["returncode"] == -9
    assert_all_stored_once(outcome, 2_000)
    assert outcome.details["next_stored"] == 10


# The exit of a pipeline whose store does not answer: MLTRACE_EXIT_TIMEOUT_S (default 5 s) bounds it. This is a
# guard against the old ~30 s hang (measured from the pipeline's last output, so a slow start on a busy machine
# does not count), not a speed check.
EXIT_HANG_GUARD_S = 25


@_postgres("database_frozen")
def test_a_frozen_database_does_not_hold_exit_and_loses_nothing(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert outcome.details["returncode"] == 0
    assert outcome.details["exit_seconds"] < EXIT_HANG_GUARD_S
    assert outcome.details["stored_at_exit"] == 0
    assert "did not answer in time" in outcome.details["stderr"] or "wait in the spool" in outcome.details["stderr"]
    assert_all_stored_once(outcome, 200)  # stored by the next process once the database thawed


@_sqlite("database_locked_at_exit")
def test_a_locked_database_does_not_hold_exit_and_loses_nothing(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert outcome.details["returncode"] == 0
    assert outcome.details["exit_seconds"] < EXIT_HANG_GUARD_S
    assert outcome.details["stored_at_exit"] == 0
    assert_all_stored_once(outcome, 200)


@_both("burst_of_200000_runs_in_a_tight_loop")
def test_a_burst_of_200000_runs_is_stored_whole(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert_all_stored_once(outcome, 200_000)
    status = outcome.details["status"]
    assert outcome.details["flush"] is True
    assert (status["stored"], status["dropped"], status["rejected"], status["spooled"]) == (200_000, 0, 0, 0)


@_both("unreachable_for_a_whole_pipeline_then_the_next_drains_it")
def test_a_pipeline_that_never_reached_the_store_is_stored_by_the_next_one(
    scenarios: ScenarioRunner, name: str
) -> None:
    outcome = scenarios.result(name)
    assert outcome.details["first_returncode"] == 0
    assert "store unreachable, spooling" in outcome.details["first_stderr"]
    assert_all_stored_once(outcome, 500)
    assert outcome.details["next_stored"] == 500
    assert outcome.details["next"]["flush"] is True and outcome.details["next_returncode"] == 0
    assert outcome.details["segments_left"] == []  # it took the first one's spool over and drained it


@_both("poison_spans_in_large_batches")
def test_poison_spans_in_large_batches_are_rejected_alone(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert outcome.logged == 10_000
    assert outcome.stored == 9_993 == outcome.run_rows  # all but the seven the database refuses
    assert outcome.duplicate_io_rows == 0
    status = outcome.details["status"]
    assert outcome.details["flush"] is False
    assert (status["rejected"], status["stored"], status["spooled"]) == (7, 9_993, 0)
    assert all("poison runs are refused here" in r["reason"] for r in status["reasons"])
    entries = outcome.details["rejected_file"]
    assert len(entries) == 7 and {e["name"] for e in entries} == {"poison-px"}
    assert all("poison runs are refused here" in e["reason"] for e in entries)


@_both("two_processes_spooling_to_one_store_at_once")
def test_two_processes_spooling_to_one_store_at_once(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert_all_stored_once(outcome, 10_000)
    assert all(r["flush"] is True for r in outcome.details["reports"])


@_postgres("server_kill_9_during_otlp_ingest")
def test_the_server_killed_during_otlp_ingest_loses_nothing(scenarios: ScenarioRunner, name: str) -> None:
    outcome = scenarios.result(name)
    assert 0 < outcome.details["stored_at_kill"] < 20_000
    assert outcome.details["sender"]["flushed"] is True, outcome.details["sender_stderr"]
    assert_all_stored_once(outcome, 20_000)
