"""``--help`` without a type column for flags: ``--json`` takes no value, so ``<bool>`` after it misleads.

Typer's Rich help prints ``display_type_rich()`` for every option, flags included (Typer 0.29.2, the latest
release: its plain formatter skips flags, its Rich panel does not), and it builds the ``--help`` option
itself. An option's metavar wins over its type, so the root group gives every flag, ``--help`` included, an
empty metavar once the command tree is built (``typer.Typer(cls=FlagsWithoutTypes)``).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup


def hide_flag_types(command: Any, parent: typer.Context | None = None) -> None:
    """Give every flag of ``command`` and of its subcommands an empty metavar."""
    # Typer 0.29 carries its own copy of click, so this goes by attributes, not by click's classes.
    settings = command.context_settings if parent is None else {}
    # A context only to learn the help option's names (the root's context_settings, inherited).
    ctx = typer.Context(command, parent=parent, info_name=command.name, **settings)
    help_option = command.get_help_option(ctx)  # made once, then cached by the command
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        is_flag = getattr(param, "is_flag", False) or getattr(param, "count", False)
        if is_flag and param.metavar is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        hide_flag_types(sub, ctx)


class FlagsWithoutTypes(TyperGroup):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Here rather than in __init__: Typer adds --install-completion and --show-completion after that.
        hide_flag_types(self)
        return super().main(*args, **kwargs)
