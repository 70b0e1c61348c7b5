"""The `commander db` commands."""

from __future__ import annotations

import typer


def register(cli: typer.Typer) -> None:
    """Add the db commands to the CLI."""
