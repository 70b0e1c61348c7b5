"""Where the sim commands find their inputs: the team config, chart and report paths.

Every problem with a path is a CommanderError that names it, found before any simulation runs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.config_checks import load_config as checked_config
from bot.settings import config_is_named, config_path
from rollout.config import TeamConfig
from rollout.errors import CommanderError

DEFAULT_SCENARIOS = Path("scenarios")


def load_config(path: Path | None) -> TeamConfig:
    """The team config at `path`, else $COMMANDER_CONFIG; without either, ./commander.toml if
    present, else the built-in defaults."""
    if not config_is_named(path) and not config_path().is_file():
        return TeamConfig()
    return checked_config(path)


def chart_formats() -> list[str]:
    """The file types the chart renderer can write."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return sorted(FigureCanvasAgg.get_supported_filetypes())


def chart_path(chart: Path, scenario: str, seed: int) -> Path:
    """Where `--chart` really writes: into a folder as SCENARIO-seedN.png, else the file named.

    A name without an extension gets ".png", as the renderer would add it. Checked before the
    simulation runs, so a bad path costs nothing.
    """
    target = chart / f"{scenario}-seed{seed}.png" if chart.is_dir() else chart
    if not target.suffix:
        target = target.with_name(target.name + ".png")
    kind = target.suffix.lower().removeprefix(".")
    if kind not in chart_formats():
        raise CommanderError(
            f'--chart {chart}: cannot write ".{kind}" charts; '
            f"use one of: {', '.join(chart_formats())}"
        )
    return ready_folder(target.parent, "--chart") / target.name


def ready_folder(folder: Path, option: str) -> Path:
    """The folder, created if missing; an error naming the option when it cannot be."""
    if folder.exists() and not folder.is_dir():
        raise CommanderError(f"{option} {folder}: is a file, expected a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommanderError(f"{option} {folder}: cannot create it: {exc.strerror}") from None
    try:  # before any work: a run must not end in a write that fails
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise CommanderError(f"{option} {folder}: cannot write there: {exc.strerror}") from None
    return folder
