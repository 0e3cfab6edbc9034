"""DESIGN §7: what pipelines import stays light, and every import is a declared dependency."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_STACK = ("graphql_server", "strawberry", "starlette", "uvicorn", "graphql")
# Top-level import name -> where pyproject.toml declares it. Anything else third-party is a defect.
BASE = {"opentelemetry", "sqlalchemy", "psycopg2", "alembic", "typer", "rich"}
SERVER = BASE | {"strawberry", "starlette", "uvicorn", "google", "graphql", "mltrace_otel", "anyio"}


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def _third_party(imports: dict[str, set[str]], own: str) -> dict[str, set[str]]:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    return {name: where for name, where in imports.items() if name not in stdlib and name != own}


def test_the_pipeline_package_imports_only_its_base_dependencies() -> None:
    undeclared = {n: w for n, w in _third_party(_imports("mltrace_otel"), "mltrace_otel").items() if n not in BASE}
    # The CLI's `serve` command imports the server lazily, inside the function: allowed, but nothing else is.
    undeclared.pop("graphql_server", None)
    assert undeclared == {}, f"imports not declared in [project.dependencies]: {undeclared}"


def test_the_server_package_imports_only_declared_dependencies() -> None:
    undeclared = {
        n: w for n, w in _third_party(_imports("graphql_server"), "graphql_server").items() if n not in SERVER
    }
    assert undeclared == {}, f"imports not declared in the server extra: {undeclared}"


def test_recording_runs_and_the_cli_never_load_the_server_stack(tmp_path: Path) -> None:
    code = f"""
import sys
import mltrace_otel
mltrace_otel.configure("sqlite:///{tmp_path / "m.db"}")

@mltrace_otel.register("step", outputs=["out.csv"])
def step():
    return 1

step()
mltrace_otel.flush()
assert mltrace_otel.get_recent_run_ids(1)
import mltrace_otel.cli.main
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {SERVER_STACK!r})
print(",".join(loaded))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"server modules loaded by a pipeline: {done.stdout.strip()}"
