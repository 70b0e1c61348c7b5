"""The `commander shell` command: try the bot in a terminal, with no Slack workspace."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.settings import config_path
from rollout.errors import ConfigError

SHELL_HELP = """Try the bot without Slack: the real app and worker against an in-memory Slack.

Type /deploy commands (e.g. /deploy start api 2.4.0), replies in the deploy's thread
(confirm, hold, rollback), `click N` for a numbered button, `as @USER` to type as someone
else and `skip 10m` to move the bot's clock forward; `help` lists the shell's commands.
Requests are signed and go through the same Bolt listeners as in Slack. Deploys live in a
temporary SQLite database unless --database names one."""


def register(cli: typer.Typer) -> None:
    """Add the shell command to the CLI."""

    @cli.command("shell", help=SHELL_HELP)
    def shell(
        config: Annotated[
            Path | None,
            typer.Option(help="The team config (default: $COMMANDER_CONFIG or ./commander.toml)"),
        ] = None,
        as_user: Annotated[
            str | None,
            typer.Option("--as", help="Who types, e.g. @U0ALICE01 (default: the commander now)"),
        ] = None,
        database: Annotated[
            str | None,
            typer.Option(help="A database URL to keep deploys in (default: a temporary SQLite)"),
        ] = None,
        at: Annotated[
            str | None,
            typer.Option(
                help="Stop the clock at this time (ISO 8601, e.g. 2026-11-28T10:00-08:00); "
                "it moves only with `skip`, so a session replays exactly",
            ),
        ] = None,
    ) -> None:
        run(config_path(config), as_user, database, fixed_time(at))


def fixed_time(at: str | None) -> datetime | None:
    """--at as an aware time (UTC when no offset is given)."""
    if at is None:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise ConfigError(
            f'--at: expected a time such as 2026-11-28T10:00-08:00, got "{at}"'
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run(path: Path, as_user: str | None, database: str | None, at: datetime | None = None) -> None:
    """Start a session, loop until quit, and shut everything down."""
    from bot.shell.repl import Shell, user_id
    from bot.shell.session import Session

    chosen = user_id(as_user) if as_user else None
    if as_user and chosen is None:
        raise ConfigError(f"--as {as_user}: expected a Slack user id, e.g. @U0ALICE01")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    console = Console(highlight=False)
    session = Session(path, database, at=at).start()
    try:
        user = chosen or session.commander_now() or (session.people or ["U0YOU0001"])[0]
        console.print(
            f"[bold]Deploy Commander shell[/bold] · {path} · in-memory Slack, "
            f"database {'a temporary SQLite file' if database is None else database}\n"
            f"You are @{user}. Type [cyan]help[/cyan] for the shell's commands, "
            "[cyan]/deploy help[/cyan] for the bot's."
        )
        Shell(session, console, user, echo=not sys.stdin.isatty()).run()
    finally:
        session.close()
