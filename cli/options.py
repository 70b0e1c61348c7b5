"""Options the sim commands share, each with its check and the maximum it allows."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Team config \\[default: $COMMANDER_CONFIG, else ./commander.toml, else built-ins]",
    ),
]
ScenariosOpt = Annotated[Path, typer.Option("--scenarios", help="Folder of scenario TOML files")]


def at_least(lowest: int) -> Callable[[int], int]:
    """An option check whose error says what was expected and what was given."""

    def check(value: int) -> int:
        if value < lowest:
            raise typer.BadParameter(f"expected {lowest} or more, got {value}")
        return value

    return check


def between(lowest: int, highest: int) -> Callable[[int | None], int | None]:
    """An option check for a count with a documented maximum."""

    def check(value: int | None) -> int | None:
        if value is not None and not lowest <= value <= highest:
            raise typer.BadParameter(f"expected {lowest} to {highest}, got {value}")
        return value

    return check


def dask_address(value: str | None) -> str | None:
    """--dask: a scheduler address such as tcp://10.0.0.5:8786 or 10.0.0.5:8786."""
    if value is not None and not re.fullmatch(DASK_ADDRESS, value.strip()):
        raise typer.BadParameter(
            f'expected a scheduler address such as tcp://10.0.0.5:8786, got "{value}"'
        )
    return value


MAX_RUNS = 100_000
MAX_JOBS = 256
DASK_ADDRESS = r"((tcp|tls|ucx|ws|wss|inproc)://)?[A-Za-z0-9_.\-\[\]:]+(:\d{1,5})?"


RunsOpt = Annotated[
    int,
    typer.Option(
        "--runs",
        callback=between(1, MAX_RUNS),
        help=f"Seeds per scenario (0..N-1), 1 to {MAX_RUNS}",
    ),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        callback=between(1, MAX_JOBS),
        help=f"Worker processes, 1 to {MAX_JOBS} \\[default: CPUs]",
    ),
]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        "--dask",
        callback=dask_address,
        help="Run on this dask.distributed scheduler, e.g. tcp://10.0.0.5:8786",
    ),
]


def wide_console() -> Console:
    """A console for tables: the terminal's width, or 160 columns when piped or captured."""
    console = Console()
    return console if console.is_terminal else Console(width=160)
