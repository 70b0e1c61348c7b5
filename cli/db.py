"""The `commander db` commands: apply migrations and show where the database stands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from bot.settings import database_url
from rollout.errors import CommanderError

T = TypeVar("T")

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Database URL \\[default: $DATABASE_URL, else sqlite:///commander.db]",
        show_default=False,
    ),
]


def register(cli: typer.Typer) -> None:
    """Add the db commands to the CLI."""
    db = typer.Typer(help="The deploy database: migrations and status.", no_args_is_help=True)
    db.command("upgrade")(upgrade)
    db.command("current")(current)
    cli.add_typer(db, name="db")


def upgrade(url: UrlOption = None) -> None:
    """Apply every pending migration (commander serve does this on start too)."""
    from store import db

    target = db.check_url(url or database_url())
    _reaching(target, lambda: db.upgrade(target))
    Console().print(
        f"[green]✓[/green] {_safe(target)} is at revision {db.current(target)}", soft_wrap=True
    )


def current(url: UrlOption = None) -> None:
    """Show the database's migration revision."""
    from store import db

    target = db.check_existing(url or database_url())
    revision = _reaching(target, lambda: db.current(target))
    Console().print(
        f"{_safe(target)}: {revision or 'empty (run commander db upgrade)'}", soft_wrap=True
    )


def _reaching(url: str, work: Callable[[], T]) -> T:
    """Run `work`, turning an unusable URL or unreachable server into one-line user errors."""
    try:
        return work()
    except ArgumentError as exc:
        raise CommanderError(f"not a database URL: {url!r} ({exc})") from exc
    except OperationalError as exc:
        first_line = str(exc.orig or exc).strip().splitlines()[0]
        if "no such table" in first_line or "does not exist" in first_line:
            raise CommanderError(
                f"{_safe(url)} has no Deploy Commander tables yet: run `commander db upgrade`"
            ) from None
        raise CommanderError(f"cannot reach {_safe(url)}: {first_line}") from None
    except DatabaseError as exc:
        first_line = str(exc.orig or exc).strip().splitlines()[0]
        raise CommanderError(f"{_safe(url)}: {first_line}") from None


def _safe(url: str) -> str:
    """The URL with any password hidden, for output."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
