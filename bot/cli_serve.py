"""The `commander serve` commands."""

from __future__ import annotations

import typer


def register(cli: typer.Typer) -> None:
    """Add the serve commands to the CLI."""
