"""``mltrace review`` on a terminal: flagged outputs, then runs and components by suspiciousness, explained."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from mltrace_otel.cli.fitted_table import Column, FittedTable
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
    # The rank, the run and the score it is ranked by always show; on a narrow terminal the start goes first, then
    # the counts, then the other score, then the component; "why" keeps at least 30 columns or goes last.
    ranked_by = "ochiai" if view.ranking == "ochiai" else "coverage"
    other = "coverage" if ranked_by == "ochiai" else "ochiai"
    drop = ["started", "unflagged", "flagged", other, "component", "why"]
    runs = FittedTable(
        [
            Column("#", justify="right"),
            Column("run"),
            Column("component"),
            Column("started"),
            *(Column(name, justify="right") for name in ("flagged", "unflagged", "coverage", "ochiai")),
            Column("why", wrap=True, min_width=30),
        ],
        drop,
        title="Runs",
    )
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
    scores = {round(s.ochiai if view.ranking == "ochiai" else s.coverage, 6) for s in view.runs}
    if len(view.runs) > 1 and len(scores) == 1:
        parts.append(
            Text(
                f"All {len(view.runs)} runs tie: each is in every flagged output's trace. Flag more wrong outputs (of "
                "other runs of these components) to tell them apart; unflagged outputs count against a run.",
                style=STALE,
            )
        )
    components = FittedTable(
        [
            Column("#", justify="right"),
            Column("component"),
            Column("runs", justify="right"),
            *(Column(name, justify="right") for name in ("flagged", "unflagged", "coverage", "ochiai")),
            Column("why", wrap=True, min_width=30),
        ],
        ["unflagged", "flagged", other, "runs", "why"],
        title="\nComponents",
    )
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
