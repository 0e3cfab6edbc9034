"""deploy/otel-collector.yaml keeps what it forwards to mltrace on disk and retries it without limit, sends the
bearer token, fans out to Jaeger and Tempo, and the README shows the same settings; docker-compose.yaml gives the
queue a volume. (No Collector binary is installable here, so its keys were checked against the Collector's own
documentation; this test keeps the three files in step.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _collector() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "otel-collector.yaml").read_text())
    return config


def test_the_exporter_to_mltrace_queues_on_disk_and_never_gives_up() -> None:
    config = _collector()
    exporter = config["exporters"]["otlphttp/mltrace"]
    assert exporter["retry_on_failure"]["enabled"] is True
    assert exporter["retry_on_failure"]["max_elapsed_time"] == 0  # 0: retries never stop
    queue = exporter["sending_queue"]
    assert queue["enabled"] is True
    storage = queue["storage"]
    assert storage in config["service"]["extensions"]
    assert config["extensions"][storage]["directory"]
    assert exporter["headers"]["Authorization"] == "Bearer ${env:MLTRACE_INGEST_TOKEN}"
    pipeline = config["service"]["pipelines"]["traces"]
    assert pipeline["exporters"] == ["otlphttp/mltrace", "otlp/jaeger", "otlp/tempo"]
    assert "batch" not in pipeline.get("processors", [])  # spans a batch processor held would be in memory


def _subset(part: Any, whole: Any) -> bool:
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and _subset(v, whole[k]) for k, v in part.items())
    return bool(part == whole)


def test_the_readme_shows_the_settings_the_file_has() -> None:
    readme = (ROOT / "README.md").read_text()
    (snippet,) = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    shown = yaml.safe_load(snippet)
    assert _subset(shown, _collector()), "README's Collector snippet differs from deploy/otel-collector.yaml"


def test_compose_gives_the_collector_queue_a_volume() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    collector = compose["services"]["otel-collector"]
    directory = _collector()["extensions"]["file_storage/mltrace"]["directory"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in collector["volumes"]}
    assert mounts[directory] in compose["volumes"]  # a named volume: the queue outlives the container
    assert "MLTRACE_INGEST_TOKEN" in collector["environment"]
