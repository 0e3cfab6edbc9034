"""Monitoring: ``tasks`` (worst drift first) and ``task NAME`` (a metric's sparkline, drift, newest outputs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from mltrace_otel.cli.app import JsonOption, app, emit, options, reports_errors
from mltrace_otel.cli.backend import CliError

SPARKS = "▁▂▃▄▅▆▇█"
MINUTE_NS = 60 * 1_000_000_000


def sparkline(values: list[float | None]) -> str:
    """One character per value, scaled between the smallest and largest; a gap where there is no value."""
    present = [v for v in values if v is not None]
    if not present:
        return " " * len(values)
    low, high = min(present), max(present)
    span = high - low
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            out.append(SPARKS[round((v - low) / span * (len(SPARKS) - 1)) if span else len(SPARKS) // 2])
    return "".join(out)


def _iso(ns: int | None) -> str | None:
    return None if ns is None else datetime.fromtimestamp(ns / 1e9, UTC).isoformat()


def _drift(point: Any) -> dict[str, Any] | None:
    if point is None:
        return None
    return {"score": point.score, "method": point.method, "threshold": point.threshold, "drifted": point.drifted}


def _tasks_from_database(url: str | None) -> list[dict[str, Any]]:
    from mltrace_otel.cli.database_backend import DatabaseBackend
    from mltrace_otel.monitoring.overview import task_rows

    rows = task_rows(DatabaseBackend(url).engine())
    return [{"name": r.name, "outputs": r.outputs, "feedback": r.feedback, "lastOutputAt": _iso(r.last_ns),
             "drift": _drift(r.drift)} for r in rows]  # fmt: skip


_TASKS_QUERY = """{ tasks { name outputCount feedbackCount lastOutputAt
  latestDrift { score method threshold drifted } } }"""


def _tasks_from_server(url: str, timeout: float) -> list[dict[str, Any]]:
    from mltrace_otel.cli.server_backend import ServerBackend

    data = ServerBackend(url, timeout=timeout).call(_TASKS_QUERY)
    return [{"name": t["name"], "outputs": t["outputCount"], "feedback": t["feedbackCount"],
             "lastOutputAt": t["lastOutputAt"], "drift": t["latestDrift"]} for t in data["tasks"]]  # fmt: skip


def _score(drift: dict[str, Any] | None) -> str:
    if drift is None or drift["score"] is None:
        return "-"
    return f"{drift['score']:.3f} {drift['method']}" + (" DRIFTED" if drift["drifted"] else "")


@app.command()
@reports_errors
def tasks(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Monitored tasks, drifted first: outputs, feedback, drift of the latest hour."""
    opts = options(ctx)
    found = _tasks_from_server(opts.server, opts.timeout) if opts.server else _tasks_from_database(opts.database_url)

    def render() -> Table | Text:
        if not found:
            return Text("No tasks yet: log outputs with mltrace_otel.log_output(task, value).")
        table = Table("TASK", "OUTPUTS", "FEEDBACK", "LAST OUTPUT", "DRIFT (LATEST HOUR)", box=None)
        for t in found:
            table.add_row(
                t["name"], str(t["outputs"]), str(t["feedback"]), t["lastOutputAt"] or "-", _score(t["drift"])
            )
        return table

    emit(as_json, found, render)


def _task_from_database(url: str | None, name: str, metric: str, step_s: float, count: int) -> dict[str, Any]:
    from mltrace_otel.cli.database_backend import DatabaseBackend
    from mltrace_otel.monitoring import drift, reads, windows
    from mltrace_otel.queries.errors import NotFound

    engine = DatabaseBackend(url).engine()
    summary = next((s for s in reads.summaries(engine) if s.name == name), None)
    if summary is None:
        raise NotFound("task", name, "list tasks with `mltrace tasks`")
    last = summary.last_ns if summary.last_ns is not None else 0
    end = last - last % MINUTE_NS + MINUTE_NS
    start = end - int(step_s * 1e9) * count
    try:
        series = windows.series(engine, name, metric, start_ns=start, end_ns=end, step_s=step_s)
    except windows.UnknownMetric as exc:
        raise CliError(str(exc), 2) from None
    points = drift.drift_series(engine, name, start_ns=start, end_ns=end, window_s=step_s)
    newest = reads.rows(engine, name, "output", limit=5)
    return {
        "name": name, "outputs": summary.outputs, "feedback": summary.feedback, "lastOutputAt": _iso(summary.last_ns),
        "metric": metric, "stepSeconds": step_s,
        "series": [{"start": _iso(p.start_ns), "value": p.value, "pairs": p.pairs} for p in series],
        "drift": [{"start": _iso(p.start_ns), "score": p.score, "drifted": p.drifted, "method": p.method,
                   "threshold": p.threshold} for p in points],
        "newestOutputs": [{"outputId": r.output_id, "value": r.value, "at": _iso(r.ts_ns), "runId": r.span_id}
                          for r in newest],
    }  # fmt: skip


_TASK_QUERY = """query($name: String!, $metric: String!, $since: DateTime!, $until: DateTime!, $step: Float!) {
  task(name: $name) { name outputCount feedbackCount lastOutputAt
    metrics(name: $metric, since: $since, until: $until, stepSeconds: $step) { start value pairs }
    drift(since: $since, until: $until, windowSeconds: $step) { start score drifted method threshold }
    outputs(last: 5) { outputId value label at runId } } }"""


def _task_from_server(url: str, timeout: float, name: str, metric: str, step_s: float, count: int) -> dict[str, Any]:
    from mltrace_otel.cli.server_backend import ServerBackend

    server = ServerBackend(url, timeout=timeout)
    last = server.call("query($n: String!) { task(name: $n) { lastOutputAt } }", {"n": name})["task"]["lastOutputAt"]
    last_ns = int(datetime.fromisoformat(last).timestamp() * 1e9) if last else 0
    end = last_ns - last_ns % MINUTE_NS + MINUTE_NS
    start = end - int(step_s * 1e9) * count
    variables = {"name": name, "metric": metric, "since": _iso(start), "until": _iso(end), "step": step_s}
    t = server.call(_TASK_QUERY, variables)["task"]
    return {
        "name": t["name"], "outputs": t["outputCount"], "feedback": t["feedbackCount"], "lastOutputAt": last,
        "metric": metric, "stepSeconds": step_s, "series": t["metrics"], "drift": t["drift"],
        "newestOutputs": [{"outputId": o["outputId"], "value": o["value"] if o["label"] is None else o["label"],
                           "at": o["at"], "runId": o["runId"]} for o in t["outputs"]],
    }  # fmt: skip


@app.command()
@reports_errors
def task(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Task name (see `mltrace tasks`).")],
    metric: Annotated[
        str,
        typer.Option(
            help="Built-in metric: accuracy, precision, recall, f1 (binary; precision_macro, f1_micro, "
            "recall_weighted... over classes), log_loss, roc_auc, mae, mse, rmse, mape."
        ),
    ] = "accuracy",
    step: Annotated[float, typer.Option(help="Window length in seconds.", min=60)] = 3600,
    windows: Annotated[
        int, typer.Option("--windows", help="How many windows, ending at the newest output.", min=1, max=500)
    ] = 24,
    as_json: JsonOption = False,
) -> None:
    """One task: the metric per window as a sparkline, drift per window, the newest outputs."""
    opts = options(ctx)
    view = (_task_from_server(opts.server, opts.timeout, name, metric, step, windows) if opts.server
            else _task_from_database(opts.database_url, name, metric, step, windows))  # fmt: skip

    def render() -> Group:
        values = [p["value"] for p in view["series"]]
        known = [v for v in values if v is not None]
        scores = [p["score"] for p in view["drift"]]
        drifted = [p["start"] for p in view["drift"] if p["drifted"]]
        lines = [
            Text(f"{view['name']}: {view['outputs']} outputs, {view['feedback']} feedback, last output "
                 f"{view['lastOutputAt'] or '-'}"),
            Text(f"{metric} per {int(step)}s  {sparkline(values)}  " + (f"latest {known[-1]:.4g}, min "
                 f"{min(known):.4g}, max {max(known):.4g}" if known else "no (output, feedback) pairs yet")),
            Text(f"drift per {int(step)}s     {sparkline(scores)}  "
                 + (f"DRIFTED in {len(drifted)} window(s), first at {drifted[0]}" if drifted else "no drift")),
        ]  # fmt: skip
        table = Table("OUTPUT ID", "VALUE", "AT", "RUN", box=None, title="newest outputs", title_justify="left")
        for o in view["newestOutputs"]:
            table.add_row(o["outputId"], str(o["value"]), o["at"] or "-", o["runId"] or "-")
        return Group(*lines, table)

    emit(as_json, view, render)
