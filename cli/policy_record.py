"""Record `sim validate` and `sim tune` for `/deploy policy`, when the bot's database is there.

Harmless without one: a missing, unreachable or unmigrated database is one line saying that
nothing was recorded and why; a SQLite file is never created by this.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import typer

from bot.settings import config_is_named, config_path, database_url
from cli.db import _reaching
from rollout.errors import CommanderError
from rollout.records import PolicyReportRecord


def config_name(path: Path | None) -> str:
    """The team config a report is about, as the user named it."""
    if not config_is_named(path) and not config_path().is_file():
        return "the built-in defaults"
    return str(config_path(path))


def record_report(
    kind: Literal["validation", "tune"], summary: Mapping[str, Any], chart: bytes | None = None
) -> None:
    """Store the report in $DATABASE_URL's database; say on stderr where, or why not."""
    typer.echo(_recorded(PolicyReportRecord(kind, datetime.now(UTC), summary, chart)), err=True)


def _recorded(report: PolicyReportRecord) -> str:
    from store import db
    from store.repository import Repository

    try:
        target = db.check_existing(database_url())
    except CommanderError as exc:
        return f"not recorded for /deploy policy: {exc}"
    shown = db.safe_url(target)
    try:
        at = _reaching(target, lambda: db.current(target))
    except CommanderError as exc:
        return f"not recorded for /deploy policy: {exc}"
    if at != db.head():
        where = "has no Deploy Commander tables yet" if at is None else f"is at revision {at}"
        return f"not recorded for /deploy policy: {shown} {where}; run `commander db upgrade`"
    engine = db.make_engine(target)
    try:
        _reaching(target, lambda: Repository(engine).record_policy_report(report))
    except CommanderError as exc:
        return f"not recorded for /deploy policy: {exc}"
    finally:
        engine.dispose()
    return f"recorded for /deploy policy in {shown}"
