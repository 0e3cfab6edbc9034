"""``mltrace review`` on a terminal: flagged outputs, then runs and components by suspiciousness, explained."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mltrace_otel.cli.render import FLAGGED, STALE, format_time
from mltrace_otel.cli.views import ReviewView


def _flagged(view: ReviewView) -> Text:
    text = Text(f"Flagged outputs ({len(view.flagged)}):\n", style="bold")
    for pointer in view.flagged:
        text.append("⚑ ", style=FLAGGED).append(pointer.name)
        producer = view.producers.get(pointer.name)
        text.append(f"  produced by run {producer}\n" if producer else "  no stored run produced it\n", style="dim")
    return text


def review_view(view: ReviewView) -> RenderableType:
    if not view.flagged:
        return Text("No flagged outputs: flag a wrong output with `mltrace flag OUTPUT_ID`, then review again.")
    parts: list[RenderableType] = [_flagged(view)]
    if view.unproduced:
        parts.append(
            Text(
                f"⚠ {len(view.unproduced)} flagged output(s) have no producing run and are left out of the ranking: "
                + ", ".join(view.unproduced)
                + "\n",
                style=STALE,
            )
        )
    if not view.runs:
        parts.append(Text("No run to rank: none of the flagged outputs was produced by a stored run."))
        return Group(*parts)
    order = "Ochiai suspiciousness" if view.ranking == "ochiai" else "coverage (mltrace's count)"
    parts.append(
        Text(
            f"Compared {view.total_failed} flagged with {view.total_passed} unflagged outputs of the same components"
            + (" (the most recent ones; more exist)" if view.passing_capped else "")
            + f"; ranked by {order}.\n"
        )
    )
    runs = Table(title="Runs", title_justify="left", show_edge=False, pad_edge=False)
    for name, justify in (("#", "right"), ("run", "left"), ("component", "left"), ("started", "left")):
        runs.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for name in ("flagged", "unflagged", "coverage", "ochiai"):
        runs.add_column(name, justify="right", no_wrap=True)
    runs.add_column("why")
    for rank, score in enumerate(view.runs, 1):
        runs.add_row(
            str(rank),
            Text(score.run.id),
            Text(score.run.label),
            format_time(score.run.start),
            f"{score.failed}/{view.total_failed}",
            f"{score.passed}/{view.total_passed}",
            f"{score.coverage:.0%}",
            f"{score.ochiai:.3f}",
            Text(score.explanation),
        )
    parts.append(runs)
    components = Table(title="\nComponents", title_justify="left", show_edge=False, pad_edge=False)
    for name, justify in (("#", "right"), ("component", "left"), ("runs", "right")):
        components.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for name in ("flagged", "unflagged", "coverage", "ochiai"):
        components.add_column(name, justify="right", no_wrap=True)
    components.add_column("why")
    for rank, comp in enumerate(view.components, 1):
        components.add_row(
            str(rank),
            Text(comp.component),
            str(comp.runs),
            f"{comp.failed}/{view.total_failed}",
            f"{comp.passed}/{view.total_passed}",
            f"{comp.coverage:.0%}",
            f"{comp.ochiai:.3f}",
            Text(comp.explanation),
        )
    parts.append(components)
    return Group(*parts)
