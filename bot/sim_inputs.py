"""Where the sim commands find their inputs: the team config, scenarios, chart and report paths.

Every problem with a path is a CommanderError that names it, found before any simulation runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.configfile import read_config
from bot.settings import config_is_named, config_path
from rollout.config import TeamConfig
from rollout.errors import CommanderError, ConfigError

if TYPE_CHECKING:  # the simulator is imported when a sim command runs, not with the CLI
    from sim.scenario import Scenario

DEFAULT_SCENARIOS = Path("scenarios")


def load_config(path: Path | None) -> TeamConfig:
    """The team config at `path`, else $COMMANDER_CONFIG; without either, ./commander.toml if
    present, else the built-in defaults."""
    if not config_is_named(path) and not config_path().is_file():
        return TeamConfig()
    return read_config(path)


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
    return folder


def resolve_scenario(
    name_or_path: str, config: TeamConfig, folder: Path = DEFAULT_SCENARIOS
) -> Scenario:
    """A scenario by file path, or by name in the scenarios folder, checked against the config."""
    path = Path(name_or_path)
    if path.exists():
        return checked_scenario(path, config)
    candidate = folder / f"{name_or_path}.toml"
    if candidate.is_file():
        return checked_scenario(candidate, config)
    known = ", ".join(sorted(p.stem for p in folder.glob("*.toml"))) or "none"
    raise CommanderError(
        f'no scenario "{name_or_path}": not a file, and not in {folder}/ (known: {known})'
    )


def load_library(folder: Path, config: TeamConfig) -> list[Scenario]:
    """Every scenario in the folder, or an error when there are none."""
    if not folder.is_dir():
        what = "is a file, expected a folder of scenarios" if folder.exists() else "not found"
        raise CommanderError(f"scenarios folder {folder}: {what}")
    library = [checked_scenario(path, config) for path in sorted(folder.glob("*.toml"))]
    if not library:
        raise CommanderError(f"no scenarios found in {folder}/ (expected *.toml files)")
    return library


def checked_scenario(path: Path, config: TeamConfig) -> Scenario:
    """Load a scenario file; a plan the config does not have is an error naming the file."""
    from sim.scenario import load_scenario

    scenario = load_scenario(path)
    if not scenario.release.stages:
        try:
            config.plan_named(scenario.release.plan)
        except KeyError as exc:
            raise ConfigError(f"{path}: release.plan: {exc.args[0]}") from None
    return scenario
