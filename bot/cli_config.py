"""The `commander config` commands."""

from __future__ import annotations

import typer


def register(cli: typer.Typer) -> None:
    """Add the config commands to the CLI."""
