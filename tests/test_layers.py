"""docs/design.md §7: the arrows between modules as the document draws them, what pipelines import stays light,
and every import is a declared dependency."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_STACK = ("graphql_server", "strawberry", "starlette", "uvicorn", "graphql")
# Top-level import name -> where pyproject.toml declares it. Anything else third-party is a defect.
BASE = {"opentelemetry", "sqlalchemy", "psycopg2", "alembic", "typer", "rich"}
SERVER = BASE | {
    "strawberry",
    "starlette",
    "uvicorn",
    "google",
    "graphql",
    "mltrace_otel",
    "anyio",
    "prometheus_client",
}


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
    # The one import of the server (`mltrace serve`) is held to its place by the layer test below.
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


OWN = ("mltrace_otel", "graphql_server")


@dataclass(frozen=True)
class Arrow:
    source: str  # the importing module
    target: str  # the imported module (as written, or the submodule a `from package import name` names)
    lazy: bool  # inside a function body


@dataclass(frozen=True)
class Layers:
    order: dict[str, int]  # unit -> its layer's position, bottom first
    never: dict[str, set[str]]  # unit -> units it never imports
    lazy_only: dict[str, set[str]]  # unit -> units it may import inside a function only


def _blocks(kind: str) -> list[str]:
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    found = re.findall(rf"^```{kind}\n(.*?)^```", text, flags=re.S | re.M)
    assert found, f"docs/design.md has no ```{kind} block"
    return [line.strip() for block in found for line in block.splitlines() if line.strip() and line[0] != "#"]


def _layers() -> Layers:
    order: dict[str, int] = {}
    for position, line in enumerate(_blocks("layers")):
        _, names = line.split(":", 1)
        for unit in names.split():
            assert unit not in order, f"{unit} is in two layers"
            order[unit] = position
    never: dict[str, set[str]] = {}
    lazy_only: dict[str, set[str]] = {}
    for line in _blocks("layer-limits"):
        rule, names = line.split(":", 1)
        source, verb = rule.split(" ", 1)
        table = {"never imports": never, "may import lazily": lazy_only}[verb]
        table.setdefault(source, set()).update(names.split())
    return Layers(order, never, lazy_only)


def _unit(module: str, units: dict[str, int] | set[str]) -> str | None:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in units:
            return ".".join(parts[:n])
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _arrows(path: Path) -> list[Arrow]:
    source = _module_name(path)
    package = source if path.name == "__init__.py" else source.rsplit(".", 1)[0]
    arrows: list[Arrow] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking_only(child):
                continue
            if isinstance(child, ast.Import):
                arrows.extend(Arrow(source, a.name, lazy) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in child.names:
                    # `from pkg import mod` imports pkg.mod when that is a module of ours
                    sub = f"{base}.{alias.name}"
                    is_module = (ROOT / Path(*sub.split("."))).with_suffix(".py").exists() or (
                        ROOT / Path(*sub.split(".")) / "__init__.py"
                    ).exists()
                    arrows.append(Arrow(source, sub if is_module else base, lazy))
            visit(child, lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return [a for a in arrows if a.target.split(".")[0] in OWN]


def _all_arrows() -> list[Arrow]:
    return [arrow for package in OWN for path in sorted((ROOT / package).rglob("*.py")) for arrow in _arrows(path)]


def _breaches(arrows: list[Arrow], layers: Layers) -> list[str]:
    broken = []
    for arrow in arrows:
        source, target = _unit(arrow.source, layers.order), _unit(arrow.target, layers.order)
        if source is None or target is None or source == target:
            continue
        lazy_only = {u for rule, units in layers.lazy_only.items() if arrow.source.startswith(rule) for u in units}
        never = {u for rule, units in layers.never.items() if _unit(arrow.source, {rule}) for u in units}
        if _unit(arrow.target, never):
            broken.append(f"{arrow.source} -> {arrow.target} (never)")
        elif _unit(arrow.target, lazy_only):
            if not arrow.lazy:
                broken.append(f"{arrow.source} -> {arrow.target} (only inside a function)")
        elif layers.order[target] > layers.order[source]:
            broken.append(f"{arrow.source} -> {arrow.target} (upward)")
    return broken


def test_every_module_belongs_to_a_layer_of_the_design() -> None:
    units = _layers().order
    homeless = [
        _module_name(path)
        for package in OWN
        for path in sorted((ROOT / package).rglob("*.py"))
        if _unit(_module_name(path), units) is None
    ]
    assert homeless == [], f"modules docs/design.md §7 does not place: {homeless}"


def test_imports_follow_the_arrows_of_the_design() -> None:
    breaches = _breaches(_all_arrows(), _layers())
    assert breaches == [], "imports against docs/design.md §7:\n" + "\n".join(breaches)


def test_the_layer_test_catches_an_upward_import() -> None:
    layers = _layers()
    upward = Arrow("mltrace_otel.store.ingest", "mltrace_otel.queries.lineage", lazy=True)
    server_into_pipeline = Arrow("graphql_server.types.Review", "mltrace_otel.instrument.runs", lazy=False)
    eager_serve = Arrow("mltrace_otel.cli.commands.admin", "graphql_server.main", lazy=False)
    other_command = Arrow("mltrace_otel.cli.commands.runs", "graphql_server.main", lazy=True)
    lazy_serve = Arrow("mltrace_otel.cli.commands.admin", "graphql_server.main", lazy=True)
    downward = Arrow("graphql_server.types.Review", "mltrace_otel.queries.review", lazy=False)
    found = _breaches([upward, server_into_pipeline, eager_serve, other_command, lazy_serve, downward], layers)
    assert found == [
        "mltrace_otel.store.ingest -> mltrace_otel.queries.lineage (upward)",
        "graphql_server.types.Review -> mltrace_otel.instrument.runs (never)",
        "mltrace_otel.cli.commands.admin -> graphql_server.main (only inside a function)",
        "mltrace_otel.cli.commands.runs -> graphql_server.main (upward)",
    ]


# What builds SQL: SQLAlchemy's statement constructors and the tables.
_SQL_NAMES = {"select", "insert", "update", "delete", "text", "func", "and_", "or_", "case", "literal_column"}


def _writes_sql(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module.split(".")[0] == "sqlalchemy" and names & _SQL_NAMES:
                return True
            if node.module == "mltrace_otel.store.models":
                return True
        if isinstance(node, ast.Attribute) and node.attr == "exec_driver_sql":
            return True
    return False


def test_sql_is_written_only_where_the_design_says() -> None:
    allowed = set(_blocks("sql-lives-in")[0].split())
    found = [
        _module_name(path)
        for package in OWN
        for path in sorted((ROOT / package).rglob("*.py"))
        if _writes_sql(path) and _unit(_module_name(path), allowed) is None
    ]
    assert found == [], f"SQL outside the modules docs/design.md §7 lists: {found}"
