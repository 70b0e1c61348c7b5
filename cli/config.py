"""The `commander config` commands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.settings import config_path, read_config
from cli.config_tables import plan_table, policy_table, rotation_table, services_table, team_table
from rollout.config import TeamConfig
from rollout.errors import ConfigError

PathArg = Annotated[
    Path | None,
    typer.Argument(help="The team config (default: $COMMANDER_CONFIG or ./commander.toml)"),
]


def adapter_problems(config: TeamConfig, source: str) -> list[str]:
    """Adapter checks: each service's adapter settings, its pull fleet's audience splits and
    its kill switches in the flagd file (to merge into the one validation function)."""
    from adapters.deployers import build_deployer
    from adapters.etcd_deployer import EtcdSettings, audience_problems
    from adapters.flagd import kill_switch_problems
    from adapters.metrics import build_metrics
    from adapters.settings import validate_settings, where

    problems = []
    plans = {"default": config.plan, **config.plans}
    for service in config.services:
        at = where(service.name, "deployer", source)
        try:
            build_deployer(service.deployer, at)
            build_metrics(service.metrics, where(service.name, "metrics", source))
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        if service.deployer.kind == "etcd":
            fleet = validate_settings(EtcdSettings, service.deployer.settings, at)
            problems += [f"{at}: {p}" for p in audience_problems(fleet, plans)]
    return problems + [f"{source}: {p}" for p in kill_switch_problems(config)]


def check(path: PathArg = None) -> None:
    """Validate a team config and show its plan, windows, rotation and policy."""
    config = read_config(path)
    problems = adapter_problems(config, config_path(path).name)
    if problems:
        raise ConfigError("\n".join(problems))
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


def register(cli: typer.Typer) -> None:
    """Add the config commands to the CLI."""
    group = typer.Typer(
        help="Read and check the team config (commander.toml).", no_args_is_help=True
    )
    group.command("check")(check)
    group.command("reference")(reference)
    group.command("schema")(schema)
    cli.add_typer(group, name="config")
