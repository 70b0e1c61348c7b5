"""The `commander sim` commands."""

from __future__ import annotations

import typer


def register(cli: typer.Typer) -> None:
    """Add the sim commands to the CLI."""
