"""``GET /metrics``: the exposition a real Prometheus scrapes, and PromQL answers for a planted scenario."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from mltrace_otel.monitoring.registry import register_metric
from mltrace_otel.store.engine import get_engine
from tests.monitoring.planting import NS, T0, obs, plant
from tests.otlp.conftest import running_server

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def _plant_churn(engine: Engine) -> None:
    """40 predictions, 30 right; scores 0.05, 0.15, ... so each histogram bucket's count is known."""
    rows = []
    for i in range(40):
        rows.append(obs("output", "churn", f"c{i}", i % 2, T0 + i * NS))
        rows.append(obs("feedback", "churn", f"c{i}", i % 2 if i < 30 else 1 - i % 2, T0 + 3600 * NS))
        rows.append(obs("output", "churn-score", f"c{i}", (i % 10) / 10 + 0.05, T0 + i * NS))
    rows += [obs("output", "species", f"s{i}", ["cat", "dog"][i % 2], T0) for i in range(5)]
    plant(engine, rows)
    register_metric(engine, "churn", "accuracy", None)
    register_metric(engine, "churn", "f1", 86_400)


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_the_exposition_holds_counts_histograms_metrics_drift_and_health(db_url: str) -> None:
    _plant_churn(get_engine(db_url))
    with TestClient(create_app(ServerSettings(database_url=db_url))) as client:
        client.post("/v1/logs", json={"resourceLogs": []})
        answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    s = _samples(answer.text)
    assert s[("mltrace_task_outputs_total", (("task", "churn"),))] == 40
    assert s[("mltrace_task_feedback_total", (("task", "churn"),))] == 40
    assert s[("mltrace_task_metric", (("metric", "accuracy"), ("task", "churn"), ("window", "all")))] == 0.75
    assert s[("mltrace_task_output_value_bucket", (("le", "0.5"), ("task", "churn-score")))] == 20
    assert s[("mltrace_task_output_value_bucket", (("le", "+Inf"), ("task", "churn-score")))] == 40
    assert s[("mltrace_task_output_value_sum", (("task", "churn-score"),))] == pytest.approx(20.0)
    assert s[("mltrace_task_output_category_total", (("category", "cat"), ("task", "species")))] == 3
    assert ("mltrace_task_drifted", (("task", "churn"),)) in s
    assert ("mltrace_database_latency_seconds", ()) in s
    assert ("mltrace_ingest_request_seconds_count", (("signal", "logs"),)) in s
    assert ("mltrace_subscriptions", ()) in s
    assert ("mltrace_ingest_spans_total", (("outcome", "rejected"),)) in s
    # Bounded labels: no output id anywhere.
    assert "c17" not in answer.text


def test_a_scrape_token_guards_the_endpoint(db_url: str) -> None:
    settings = replace(ServerSettings(database_url=db_url), metrics_token="scrape-me")
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _query(base: str, promql: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{base}/api/v1/query", params={"query": promql}, timeout=10).json()
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_real_prometheus_scrapes_the_server_and_answers_promql(db_url: str, tmp_path: Path) -> None:
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.fail("Debian's prometheus is not installed: `make prometheus` installs it")
    _plant_churn(get_engine(db_url))
    with running_server(ServerSettings(database_url=db_url)) as server:
        target = server.removeprefix("http://")
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            f"scrape_configs:\n  - job_name: mltrace\n    static_configs:\n      - targets: ['{target}']\n"
        )
        port = _free_port()
        with (tmp_path / "prometheus.log").open("wb") as log_file:
            prometheus = subprocess.Popen(
                [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                 f"--web.listen-address=127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL, stderr=log_file,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            accuracy: list[dict[str, Any]] = []
            deadline = time.monotonic() + 90  # a patience bound, not a timing assertion
            while time.monotonic() < deadline and not accuracy:
                time.sleep(0.5)
                try:
                    accuracy = _query(base, 'mltrace_task_metric{task="churn",metric="accuracy"}')
                except httpx.HTTPError:
                    assert prometheus.poll() is None, (tmp_path / "prometheus.log").read_text()
            assert accuracy, f"no sample scraped; prometheus said: {(tmp_path / 'prometheus.log').read_text()[-2000:]}"
            assert float(accuracy[0]["value"][1]) == 0.75
            (bucket,) = _query(base, 'mltrace_task_output_value_bucket{task="churn-score",le="0.5"}')
            assert float(bucket["value"][1]) == 20
            (count,) = _query(base, 'sum(mltrace_task_outputs_total{task=~"churn.*"})')
            assert float(count["value"][1]) == 80
            (median,) = _query(base, 'histogram_quantile(0.5, mltrace_task_output_value_bucket{task="churn-score"})')
            assert 0.4 <= float(median["value"][1]) <= 0.5
            (up,) = _query(base, 'up{job="mltrace"}')
            assert float(up["value"][1]) == 1
        finally:
            prometheus.terminate()
            prometheus.wait(timeout=30)
