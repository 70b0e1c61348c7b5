"""`commander dora`: delivery figures (DORA, 2024 definitions) from the deploy database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.config_checks import load_config
from bot.settings import database_url
from cli.db import UrlOption, _reaching
from rollout.dora import FIGURE_NAMES, Figures, as_json, describe
from rollout.durations import parse_duration
from rollout.errors import CommanderError


def dora(
    since: Annotated[str, typer.Option(help="How far back, e.g. 30d, 2w, 12h")] = "30d",
    service: Annotated[str | None, typer.Option(help="Only this service")] = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    config: Annotated[
        Path | None,
        typer.Option(help="The team config (default: $COMMANDER_CONFIG or ./commander.toml)"),
    ] = None,
    url: UrlOption = None,
) -> None:
    """Deployment frequency, change lead time, change fail rate, failed deployment recovery
    time and deployment rework rate, from the audit trail (drills excluded)."""
    from bot.dora import team_figures
    from store import db
    from store.repository import Repository

    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise CommanderError(f"--since: {exc}") from None
    team = load_config(config)
    if service is not None:
        try:
            team.declared(service)
        except CommanderError as exc:
            raise CommanderError(f"--service: {exc}") from None
    target = db.check_existing(url or database_url())
    repo = Repository(db.make_engine(target))
    now = datetime.now(UTC)
    rows = _reaching(target, lambda: team_figures(repo, team, now, window, service))
    if as_json_output:
        typer.echo(json.dumps([as_json(r) for r in rows], indent=2))
        return
    Console().print(_table(rows, since))


def _table(rows: list[Figures], since: str) -> Table:
    table = Table(title=f"Delivery figures, last {since} (DORA 2024; drills excluded)")
    for column in ("service", "figure", "value"):
        table.add_column(column)
    for row in rows:
        words = describe(row)
        for k, name in enumerate(FIGURE_NAMES):
            table.add_row(row.service or "all services" if k == 0 else "", name, words[name])
        table.add_section()
    return table


def register(cli: typer.Typer) -> None:
    """Add `commander dora` to the CLI."""
    cli.command("dora")(dora)
