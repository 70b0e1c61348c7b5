"""The `commander config` commands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.config_checks import load_config
from bot.settings import config_path
from cli.config_tables import plan_table, policy_table, rotation_table, services_table, team_table

PathArg = Annotated[
    Path | None,
    typer.Argument(help="The team config (default: $COMMANDER_CONFIG or ./commander.toml)"),
]


def check(path: PathArg = None) -> None:
    """Validate a team config and show its plan, windows, rotation and policy."""
    config = load_config(path, every=True)
    console = Console()
    now = datetime.now(UTC)
    console.print(f"[green]✓[/green] {config_path(path)} is valid\n")
    for table in (
        team_table(config, now),
        services_table(config),
        plan_table(config),
        rotation_table(config, now),
        policy_table(config),
    ):
        console.print(table)
        console.print()


def reference() -> None:
    """Print the config format reference (Markdown), as in docs/reference/config.md."""
    from cli.reference import config_reference

    typer.echo(config_reference(), nl=False)


def schema() -> None:
    """Print the config's JSON Schema, for completion in editors (docs/schema/config.json)."""
    from cli.reference import config_schema

    typer.echo(config_schema(), nl=False)


def authorization() -> None:
    """Print who may use each command and button (docs/reference/authorization.md)."""
    from cli.reference import authorization_reference

    typer.echo(authorization_reference(), nl=False)


def register(cli: typer.Typer) -> None:
    """Add the config commands to the CLI."""
    group = typer.Typer(
        help="Read and check the team config (commander.toml).", no_args_is_help=True
    )
    group.command("check")(check)
    group.command("reference")(reference)
    group.command("schema")(schema)
    group.command("authorization")(authorization)
    cli.add_typer(group, name="config")
