"""A scrape and the task list add up the per-minute statistics in a fixed number of statements (no per-task
query), give the new numbers after more outputs arrive, and find each task's latest drift as drift_series does."""

from __future__ import annotations

import random

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from starlette.testclient import TestClient

from mltrace_otel.monitoring import drift
from mltrace_otel.monitoring.exposition import task_numbers
from mltrace_otel.monitoring.latest_drift import latest_drifts
from mltrace_otel.monitoring.overview import task_rows
from mltrace_otel.monitoring.registry import register_metric
from tests.helpers import count_statements
from tests.monitoring.planting import HOUR, NS, T0, obs, plant


def _plant_tasks(engine: Engine, names: list[str]) -> None:
    rows = []
    for name in names:
        for i in range(6):
            rows.append(obs("output", name, f"{name}-{i}", i % 2, T0 + i * 90 * NS))
            rows.append(obs("feedback", name, f"{name}-{i}", 1, T0 + HOUR))
        register_metric(engine, name, "accuracy", 3600)
    rows += [obs("output", f"{names[0]}-labels", f"l{i}", "cat", T0) for i in range(3)]
    plant(engine, rows)


def _statements(engine: Engine) -> tuple[int, int, int, int]:
    """Statements of (the task list, a scrape's reads), first while minutes are marked, then steady."""
    counts = []
    for _ in range(2):
        with count_statements(engine) as listing:
            task_rows(engine)
        with count_statements(engine) as scrape:
            task_numbers(engine, now_ns=T0 + 10 * 60 * NS)
        counts += [listing.count, scrape.count]
    return counts[0], counts[1], counts[2], counts[3]


def test_the_task_list_and_a_scrape_do_not_grow_with_the_number_of_tasks(engine: Engine) -> None:
    _plant_tasks(engine, ["a", "b"])
    few = _statements(engine)
    _plant_tasks(engine, [f"t{i}" for i in range(12)])
    assert _statements(engine) == few
    assert max(few) <= 20, few


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def test_a_scrape_after_more_outputs_gives_the_new_numbers(client: TestClient, engine: Engine) -> None:
    now = T0 + 30 * 60 * NS
    plant(engine, [obs("output", "fraud", f"f{i}", 0.25, now - i * NS) for i in range(4)])
    plant(engine, [obs("feedback", "fraud", f"f{i}", 1, now) for i in range(2)])
    register_metric(engine, "fraud", "mae", None)
    before = _samples(client.get("/metrics").text)
    assert before[("mltrace_task_outputs_total", (("task", "fraud"),))] == 4
    assert before[("mltrace_task_feedback_total", (("task", "fraud"),))] == 2
    assert before[("mltrace_task_metric", (("metric", "mae"), ("task", "fraud"), ("window", "all")))] == 0.75
    # Later: outputs in a minute already counted and in a new one, feedback for old and new outputs, categories.
    plant(engine, [obs("output", "fraud", f"g{i}", 3.0, now - i * 61 * NS) for i in range(3)])
    plant(engine, [obs("feedback", "fraud", oid, 1, now) for oid in ("f2", "f3", "g0")])
    plant(engine, [obs("output", "species", f"s{i}", "cat" if i < 2 else "dog", now) for i in range(3)])
    after = _samples(client.get("/metrics").text)
    assert after[("mltrace_task_outputs_total", (("task", "fraud"),))] == 7
    assert after[("mltrace_task_feedback_total", (("task", "fraud"),))] == 5
    assert after[("mltrace_task_output_value_bucket", (("le", "0.3"), ("task", "fraud")))] == 4
    assert after[("mltrace_task_output_value_bucket", (("le", "5.0"), ("task", "fraud")))] == 7
    assert after[("mltrace_task_output_value_sum", (("task", "fraud"),))] == pytest.approx(10.0)
    assert after[("mltrace_task_metric", (("metric", "mae"), ("task", "fraud"), ("window", "all")))] == 1.0
    assert after[("mltrace_task_output_category_total", (("category", "cat"), ("task", "species")))] == 2
    assert after[("mltrace_task_output_category_total", (("category", "dog"), ("task", "species")))] == 1


def _shifting(engine: Engine) -> None:
    """Three hours, 60 outputs a minute-spread hour; the third hour moves up (numbers) or changes mix (labels)."""
    rng = random.Random(5)
    rows = []
    for hour in range(3):
        for i in range(60):
            ts = T0 + hour * HOUR + i * 60 * NS
            rows.append(obs("output", "score", f"{hour}-{i}", rng.gauss(2.0 if hour == 2 else 0.0, 1.0), ts))
            rows.append(obs("output", "fixed", f"{hour}-{i}", rng.gauss(0.5 * hour, 1.0), ts))
            weights = [0.6, 0.3, 0.1] if hour < 2 else [0.2, 0.3, 0.5]
            rows.append(obs("output", "animal", f"{hour}-{i}", rng.choices(["cat", "dog", "bird"], weights)[0], ts))
            rows.append(obs("output", "fixed-animal", f"{hour}-{i}", rng.choice(["a", "b", "c", "d"]), ts))
    plant(engine, rows)
    for task in ("fixed", "fixed-animal"):
        drift.set_settings(engine, task, threshold=0.05, reference_start_ns=T0, reference_end_ns=T0 + HOUR)


def test_the_batched_latest_drift_is_drift_series_last_point(engine: Engine) -> None:
    _shifting(engine)
    tasks = ("score", "fixed", "animal", "fixed-animal")
    for now in (T0 + HOUR + 30 * 60 * NS, T0 + 2 * HOUR + 59 * 60 * NS, T0 + 5 * HOUR):
        batched = latest_drifts(engine, dict.fromkeys(tasks, now))
        assert batched == {t: drift.current_drift(engine, t, now_ns=now) for t in tasks}
    late = latest_drifts(engine, dict.fromkeys(tasks, T0 + 2 * HOUR + 59 * 60 * NS))
    assert late["score"].drifted and late["animal"].drifted
