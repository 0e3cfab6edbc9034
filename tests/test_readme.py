"""Every code block of the README runs as printed, in the order a newcomer meets them, against a store of its own.

Each fenced block says by its language what it is and how it is checked:

- ``console``: each ``$ `` line runs in bash from the repository's root, in order; a ``<placeholder>`` is filled
  from what an earlier line printed (``# prints: Final output id: <id>`` names where ``<id>`` comes from; ``<run
  id>`` is the first run id printed so far). Every line must exit 0.
- ``python``: runs as a program in an empty directory; it must exit 0.
- ``graphql``: posted to ``/graphql`` on that store; no errors, and no top-level field is null.
- ``yaml``: the file it shows (``tests/test_deploy.py`` compares the Collector's).
- ``text``: a synopsis of commands; every ``mltrace`` command it names exists (``--help`` exits 0).
- ``make``: every target it names is a rule of the Makefile; ``make run`` is what the tour's store starts from.

The store is a fresh ``MLTRACE_HOME``: the tour starts where ``make run`` leaves a newcomer, with the demo loaded by
the very command ``make run`` runs.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from mltrace_otel.store.engine import dispose_engines
from tests.core.test_examples import example_namespaces

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LANGUAGES = {"console", "python", "graphql", "yaml", "text", "make"}
RUN_ID = re.compile(r"\b[0-9a-f]{16}\b")


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int


def readme_blocks() -> list[Block]:
    blocks: list[Block] = []
    lines = README.read_text().splitlines()
    fence: tuple[str, int] | None = None
    body: list[str] = []
    for number, line in enumerate(lines, start=1):
        if fence is None:
            if line.startswith("```"):
                fence, body = (line[3:].strip(), number), []
        elif line.startswith("```"):
            blocks.append(Block(fence[0], "\n".join(body) + "\n", fence[1]))
            fence = None
        else:
            body.append(line)
    assert fence is None, f"README.md:{fence[1]}: a code block is never closed"
    return blocks


def indented_code_blocks() -> list[int]:
    """Lines starting an indented (unfenced) code block: an indented line after a blank one, outside lists."""
    found, lines, in_fence, in_list = [], README.read_text().splitlines(), False, False
    for number, (before, line) in enumerate(zip(["", *lines], lines, strict=False), start=1):
        if line.startswith("```"):
            in_fence = not in_fence
        if in_fence:
            continue
        if re.match(r"\s*([-*]|\d+\.) ", line):
            in_list = True
        elif (not line.strip() and not before.strip()) or (not line.startswith(" ") and line.strip()):
            in_list = False
        if line.startswith("    ") and not before.strip() and not in_list:
            found.append(number)
    return found


def of(language: str) -> list[Block]:
    return [b for b in readme_blocks() if b.language == language]


def test_every_code_block_is_fenced_and_says_how_it_runs() -> None:
    assert indented_code_blocks() == [], "indented code blocks cannot say what they are: fence them"
    for block in readme_blocks():
        assert block.language in LANGUAGES, f"README.md:{block.line}: code block language {block.language!r}"


@dataclass
class Tour:
    env: dict[str, str]
    home: Path
    printed: str = ""

    @property
    def url(self) -> str:
        return f"sqlite:///{self.home / 'mltrace.db'}"


def _run(command: list[str] | str, tour: Tour, *, cwd: Path = ROOT, timeout: float = 300) -> str:
    done = subprocess.run(
        command,
        cwd=cwd,
        env=tour.env,
        shell=isinstance(command, str),
        executable="/bin/bash" if isinstance(command, str) else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command!r} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def make_recipe(target: str) -> list[str]:
    """The commands ``make TARGET`` would run, without running them."""
    out = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return out.splitlines()


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tour]:
    """A newcomer's store after ``make run``: the demo loaded by the command the Makefile runs for it."""
    import os

    home = tmp_path_factory.mktemp("readme-home")
    env = {k: v for k, v in os.environ.items() if k not in ("MLTRACE_DATABASE_URL", "DB_URI", "DB_SERVER")}
    env["MLTRACE_HOME"] = str(home)
    env.pop("PYTHONPATH", None)
    tour = Tour(env, home)
    (load,) = [c for c in make_recipe("run") if "examples.load_all" in c]
    tour.printed += _run(load, tour)
    yield tour
    dispose_engines()


def test_make_run_loads_the_demo_once_and_make_serve_loads_nothing(tour: Tour) -> None:
    assert "Loaded 4 example pipelines" in tour.printed
    assert example_namespaces(tour.url) == {"industry-ml", "plain-otel", "fan-in", "multiprocess"}
    (load,) = [c for c in make_recipe("run") if "examples.load_all" in c]
    assert "already in" in _run(load, tour)  # a second `make run`: the runs stay as they were
    assert not [c for c in make_recipe("serve") if "examples" in c]
    assert any("mltrace serve" in c for c in make_recipe("serve"))
    # A store you configured never gets the demo.
    elsewhere = tour.home / "team.db"
    said = _run(load, Tour({**tour.env, "MLTRACE_DATABASE_URL": f"sqlite:///{elsewhere}"}, tour.home))
    assert "Not loading the demo: MLTRACE_DATABASE_URL is set" in said
    assert not elsewhere.exists()


def test_the_make_targets_it_names_exist() -> None:
    for block in of("make"):
        for line in block.code.splitlines():
            target = line.split("#")[0].split()
            assert target[0] == "make", line
            make_recipe(target[1])  # make -n fails on an unknown target


def _fill(line: str, tour: Tour, captured: dict[str, str]) -> str:
    for name in re.findall(r"<([^>]+)>", line):
        if name == "run id":
            value = RUN_ID.search(tour.printed)
            assert value, f"no run id printed before {line!r}"
            captured[name] = value.group(0)
        assert name in captured, f"{line!r}: nothing printed <{name}> before"
        line = line.replace(f"<{name}>", captured[name])
    return line


def test_the_shell_tour_runs_as_printed(tour: Tour) -> None:
    blocks = of("console")
    assert blocks
    captured: dict[str, str] = {}
    for block in blocks:
        for line in block.code.splitlines():
            if not line.startswith("$ "):
                continue
            command, _, comment = line[2:].partition("  #")
            printed = _run(_fill(command.strip(), tour, captured), tour)
            tour.printed += printed
            prints = re.match(r"\s*prints: (.*)<([^>]+)>", comment)
            if prints:
                value = re.search(re.escape(prints.group(1)) + r"(\S+)", printed)
                assert value, f"{command!r} did not print {prints.group(1)!r}:\n{printed}"
                captured[prints.group(2)] = value.group(1)


def test_the_python_blocks_run_and_the_graphql_blocks_answer(tour: Tour, tmp_path: Path) -> None:
    """Step 4 records a pipeline into the default store; step 5's query then answers it, dependencies and all."""
    blocks = of("python")
    assert blocks
    for n, block in enumerate(blocks):
        workdir = tmp_path / f"block{n}"
        workdir.mkdir()
        (workdir / "block.py").write_text(block.code)
        _run([sys.executable, "block.py"], tour, cwd=workdir, timeout=120)
    queries = of("graphql")
    assert queries
    app = create_app(ServerSettings.from_env(database_url=tour.url))
    with TestClient(app) as client:
        for block in queries:
            answer = client.post("/graphql", json={"query": block.code}).json()
            assert "errors" not in answer, f"README.md:{block.line}: {answer['errors']}"
            for field, value in answer["data"].items():
                assert value is not None, f"README.md:{block.line}: {field} answered null"
            if "trace" in answer["data"]:
                names = re.findall(r'"name": "([^"]+)"', str(answer["data"]).replace("'", '"'))
                assert "tour/train" in names and "tour/clean" in names and "tour/ingest" in names, names


def test_the_commands_of_every_synopsis_exist() -> None:
    """Each synopsis line is one ``mltrace`` command (``&&`` may chain a second); each names one that exists, with
    options it takes."""
    import typer

    from mltrace_otel.cli.main import app

    root = typer.main.get_command(app)
    checked = 0
    for block in of("text"):
        for line in block.code.splitlines():
            for part in re.split(r"\s#", line)[0].split(" && "):
                words = shlex.split(part.split(" -- ")[0])
                if not words:
                    continue
                assert words[0] == "mltrace", f"README.md:{block.line}: {line!r} is not an mltrace command"
                # Parse the global options, pick the command (and a group's subcommand), parse its options and
                # arguments, as the console script would, without running anything.
                ctx = root.make_context("mltrace", words[1:])
                group: Any = root
                while hasattr(group, "resolve_command"):  # a group of commands
                    name, command, rest = group.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
                    assert command is not None, line
                    ctx = command.make_context(name, list(rest), parent=ctx)
                    group = command
                checked += 1
    assert checked


def test_the_test_suite_takes_its_postgres_from_one_variable() -> None:
    """``MLTRACE_TEST_PG_URL`` is the one address (README, Development); each session's databases are its own."""
    import os

    probe = "import tests.conftest as c; print(c.pg_url('x')); print(c.PG_DBNAME)"
    names = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env={**os.environ, "MLTRACE_TEST_PG_URL": "postgresql://alice:s3cret@127.0.0.1:1"},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        url, dbname = done.stdout.splitlines()[:2]
        assert url == "postgresql+psycopg2://alice:s3cret@127.0.0.1:1/x"
        names.append(dbname)
    assert names[0] != names[1]  # two sessions at once never share a database
    assert "MLTRACE_TEST_PG_URL" in README.read_text()
