"""Tables that fit the terminal by dropping whole columns, in a stated order, instead of cutting cells.

Rich shrinks a table that is too wide by ellipsising its cells: run ids become ``06b0abe7bc06ca…`` and scores
``1.…``, and wrapping columns fold into many lines. A :class:`FittedTable` is laid out when it is printed, for the
width it is given: if the table does not fit with every column at its minimum width, the columns in ``drop_order``
go one at a time until it does, and a dim line under it names what was left out. Ids and the columns a command is
about are never in ``drop_order``; ``--json`` always has everything.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

Justify = Literal["left", "right", "center"]


@dataclass
class Column:
    name: str
    justify: Justify = "left"
    wrap: bool = False  # may fold onto several lines (free text); otherwise one line, never cut
    min_width: int | None = None  # for a wrapping column: narrower than this, drop it rather than fold it thinner
    cells: list[RenderableType] = field(default_factory=list)


class FittedTable:
    def __init__(self, columns: Sequence[Column], drop_order: Sequence[str], title: str | None = None) -> None:
        names = {c.name for c in columns}
        assert set(drop_order) <= names, f"drop_order names unknown columns: {set(drop_order) - names}"
        self.columns = list(columns)
        self.drop_order = list(drop_order)
        self.title = title

    def add_row(self, *cells: RenderableType) -> None:
        assert len(cells) == len(self.columns)
        for column, cell in zip(self.columns, cells, strict=True):
            column.cells.append(cell)

    def build(self, console: Console, dropped: Sequence[str] = ()) -> Table:
        table = Table(title=self.title, title_justify="left", show_edge=False, pad_edge=False)
        kept = [c for c in self.columns if c.name not in dropped]
        for c in kept:
            # Never narrower than its longest word, so a wrapping column folds between words and cuts none.
            floor = self.min_width(console, c) if c.wrap else None
            table.add_column(c.name, justify=c.justify, no_wrap=not c.wrap, min_width=floor)
        for row in range(len(self.columns[0].cells) if self.columns else 0):
            table.add_row(*(c.cells[row] for c in kept))
        return table

    def needed_width(self, console: Console, dropped: Sequence[str]) -> int:
        """The narrowest this table can be without cutting a cell: one-line columns at their widest cell, wrapping
        ones at their minimum, plus the " │ " between columns."""
        widths = [self.min_width(console, c) for c in self.columns if c.name not in dropped]
        return sum(widths) + 3 * (len(widths) - 1)

    @staticmethod
    def min_width(console: Console, column: Column) -> int:
        options = console.options.update_width(10_000)
        header = Measurement.get(console, options, Text(column.name)).maximum
        if column.wrap:
            words = max((Measurement.get(console, options, cell).minimum for cell in column.cells), default=0)
            return max(header, column.min_width or 0, words)
        return max([header, *(Measurement.get(console, options, cell).maximum for cell in column.cells)])

    def fit(self, console: Console, width: int) -> tuple[Table, list[str]]:
        dropped: list[str] = []
        for name in self.drop_order:
            if self.needed_width(console, dropped) <= width:
                break
            dropped.append(name)
        return self.build(console, dropped), dropped

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        table, dropped = self.fit(console, options.max_width)
        yield table
        if dropped:
            yield Text(
                f"({', '.join(dropped)} left out to fit {options.max_width} columns; a wider terminal or --json "
                "shows them)",
                style="dim",
            )
