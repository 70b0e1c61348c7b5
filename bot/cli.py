"""The `commander` command line: the one composition root.

Each command group lives in its own module with a `register(cli)` function, imported only
when the CLI is built, so importing any package here does nothing.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from rollout.errors import CommanderError

GROUPS = ("bot.cli_config", "bot.cli_sim", "bot.cli_db", "bot.cli_serve", "bot.cli_dora")

HELP = """Deploy Commander: run deploys from Slack, and rehearse rollback policies first.

Start with `commander config check` to read your team config, then
`commander sim validate` to rehearse its policy over the scenario library."""


def build_cli() -> typer.Typer:
    """Build the Typer app with every command group registered."""
    cli = typer.Typer(
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )
    for name in GROUPS:
        importlib.import_module(name).register(cli)
    return cli


def main() -> None:
    """Entry point: a user error becomes one red line and exit code 2, never a traceback."""
    try:
        build_cli()(prog_name="commander")
    except CommanderError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
