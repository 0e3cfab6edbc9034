"""The Dockerfile, .dockerignore and docker-compose.yaml do what the README says. Nothing here runs Docker, so the
files are parsed and held to the README's sentences: ports, services, profiles, what the image copies."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
README = " ".join((ROOT / "README.md").read_text().split())  # the README's sentences, line breaks aside


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    return loaded


def ignored(path: str) -> bool:
    """Whether .dockerignore keeps ``path`` (relative, with /) out of the build context (Go filepath.Match rules,
    ``**`` for any depth; a pattern also excludes everything under a directory it matches)."""
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and line[0] != "#"
    ]
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    hit = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!")
        for prefix in prefixes:
            candidates = {pattern, pattern.replace("**/", "")} if pattern.startswith("**/") else {pattern}
            depth_free = any(
                fnmatch.fnmatchcase(prefix, c) or (c != pattern and fnmatch.fnmatchcase(prefix.split("/")[-1], c))
                for c in candidates
            )
            if depth_free:
                hit = not negate
    return hit


def host_ports(service: dict[str, Any]) -> list[str]:
    """The host side of each published port, with ${VAR:-default} resolved to its default."""
    found = []
    for mapping in service.get("ports", []):
        resolved = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(mapping))
        found.append(resolved.rsplit(":", 1)[0])
    return found


def test_the_build_context_leaves_out_virtualenvs_node_modules_and_stores() -> None:
    for path in (".venv/bin/python", "ui/node_modules/react/index.js", "node_modules/x", ".git/HEAD", "mltrace.db"):
        assert ignored(path), f"{path} would be sent to the Docker daemon"
    for path in ("pyproject.toml", "ui/src/App.tsx", "ui/package-lock.json", "mltrace_otel/api.py"):
        assert not ignored(path), f"{path} is needed by the image"


def test_every_path_the_dockerfile_copies_exists_and_is_in_the_context() -> None:
    copies = re.findall(r"^COPY (?!--from)(.+) (\S+)$", (ROOT / "Dockerfile").read_text(), flags=re.M)
    assert copies
    for sources, _target in copies:
        for source in sources.split():
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
            assert not ignored(source.rstrip("/")), f"Dockerfile copies {source}, which .dockerignore leaves out"
    # `COPY ui/ ./` after `npm ci` must not lay the host's node_modules over the image's.
    assert ignored("ui/node_modules")


def test_compose_publishes_what_the_readme_says_and_scales() -> None:
    services = compose()["services"]
    assert "`docker compose up -d` starts Postgres, the server and a load balancer" in README
    assert {"postgres", "mltrace", "lb"} <= {name for name, s in services.items() if not s.get("profiles")}
    # --scale mltrace=3: a fixed host port on the replicas would make the second one fail to start.
    assert "ports" not in services["mltrace"]
    assert host_ports(services["lb"]) == ["8080"] and "on port 8080" in README
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(r"dynamic a mltrace 8080", caddyfile)
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["lb"]["volumes"]
    # Never the host's 5432, which a local Postgres holds.
    assert host_ports(services["postgres"]) == ["127.0.0.1:55432"] and "`127.0.0.1:55432`" in README


def test_the_collector_profile_brings_every_backend_its_pipeline_exports_to() -> None:
    services = compose()["services"]
    profile = {name for name, s in services.items() if "collector" in s.get("profiles", [])}
    assert profile == {"otel-collector", "jaeger", "tempo"}
    assert "`--profile collector` adds the Collector" in " ".join(README.split())
    assert sorted(p.split(":")[0] for p in services["otel-collector"]["ports"]) == ["4317", "4318"]
    collector = yaml.safe_load((ROOT / "deploy" / "otel-collector.yaml").read_text())
    for name in collector["service"]["pipelines"]["traces"]["exporters"]:
        endpoint = collector["exporters"][name]["endpoint"]
        host = re.sub(r"^\w+://", "", endpoint).split(":")[0]
        assert host in services, f"the Collector exports to {host}, which compose does not run"
        if host != "mltrace":
            assert "collector" in services[host]["profiles"]
    for mount in services["tempo"].get("volumes", []) + services["otel-collector"]["volumes"]:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (ROOT / source).exists(), f"compose mounts {source}, which does not exist"
