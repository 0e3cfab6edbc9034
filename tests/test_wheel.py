"""``make dist``'s wheel, installed into a clean virtualenv as a user would (``pip install "dist/…whl[server]"``),
serves the UI at ``/``, GraphiQL and GraphQL at ``/graphql``, and its ``mltrace`` CLI works. Built once, from this
tree's built UI, the way ``make dist`` builds it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.server import free_port, require_ui_build, stop

ROOT = Path(__file__).resolve().parent.parent
# What a fresh clone plus `make ui` does not have (git-ignored: environments, caches, builds, node packages, stores).
NOT_SOURCE = (".git", ".venv", "node_modules", "*.egg-info", "build", "dist", "__pycache__", ".*_cache", ".hypothesis",
              "test-artifacts", "*.db", "*.db-wal", "*.db-shm")  # fmt: skip


@dataclass(frozen=True)
class Installed:
    wheel: Path
    sdist: Path
    venv: Path
    env: dict[str, str]


def _run(command: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    require_ui_build()
    tmp = tmp_path_factory.mktemp("wheel")
    (recipe,) = [line for line in _run(["make", "-n", "dist"]).splitlines() if " -m build " in line]
    # make dist's own command, into a directory of this test's, run in a copy of this tree (with its built UI): the
    # build writes mltrace_otel.egg-info/ where it runs, and in the tree itself that is metadata every other test
    # process reads at the same moment under xdist (importlib.metadata finds the project's entry points there).
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    command = re.sub(r"--outdir \S+", f"--outdir {tmp / 'dist'}", recipe).split()
    command[0] = sys.executable
    _run(command, cwd=source)
    (wheel,) = (tmp / "dist").glob("*.whl")
    (sdist,) = (tmp / "dist").glob("*.tar.gz")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MLTRACE_DATABASE_URL")}
    env["MLTRACE_HOME"] = str(tmp / "home")
    _run([str(venv / "bin" / "pip"), "install", "-q", "--no-compile", f"{wheel}[server]"], cwd=tmp, env=env)
    return Installed(wheel, sdist, venv, env)


def test_the_wheel_and_the_sdist_carry_the_built_ui(installed: Installed) -> None:
    built = {p.relative_to(ROOT).as_posix() for p in (ROOT / "graphql_server" / "static").rglob("*") if p.is_file()}
    assert "graphql_server/static/index.html" in built and "graphql_server/static/graphiql.html" in built
    assert built <= set(zipfile.ZipFile(installed.wheel).namelist())
    with tarfile.open(installed.sdist) as sdist:
        assert built <= {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[str]:
    port = free_port()
    # From a directory that is not the project's: only the installed package can answer.
    process = subprocess.Popen(
        [str(installed.venv / "bin" / "mltrace"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=installed.venv,
        env=installed.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            assert process.poll() is None, "the installed mltrace serve exited"
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        stop(process)


def _get(url: str, accept: str = "*/*") -> tuple[int, str]:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=10) as response:
        return response.status, response.read().decode("utf-8", "replace")


def test_the_installed_server_serves_the_ui_graphiql_and_graphql(served: str) -> None:
    status, page = _get(f"{served}/")
    assert status == 200 and '<div id="root">' in page
    script = re.search(r'src="(/assets/[^"]+\.js)"', page)
    assert script and _get(f"{served}{script.group(1)}")[0] == 200
    status, playground = _get(f"{served}/graphql", accept="text/html")
    assert status == 200 and 'id="graphiql"' in playground
    request = urllib.request.Request(
        f"{served}/graphql",
        data=json.dumps({"query": "{ recentRuns(first: 1) { edges { node { id } } } }"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read()) == {"data": {"recentRuns": {"edges": []}}}


def test_the_installed_cli_works(installed: Installed) -> None:
    mltrace = str(installed.venv / "bin" / "mltrace")
    assert "Usage: mltrace" in _run([mltrace, "--help"], cwd=installed.venv, env=installed.env)
    _run([mltrace, "db", "upgrade"], cwd=installed.venv, env=installed.env)
    _run([mltrace, "recent"], cwd=installed.venv, env=installed.env)
