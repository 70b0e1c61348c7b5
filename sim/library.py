"""The scenario library: scenario files by name or path, each checked against the team config."""

from __future__ import annotations

from pathlib import Path

from rollout.config import TeamConfig
from rollout.errors import CommanderError, ConfigError
from sim.scenario import Scenario, load_scenario


def resolve_scenario(name_or_path: str, config: TeamConfig, folder: Path) -> Scenario:
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
    scenario = load_scenario(path)
    if not scenario.release.stages:
        try:
            config.plan_named(scenario.release.plan)
        except KeyError as exc:
            raise ConfigError(f"{path}: release.plan: {exc.args[0]}") from None
    return scenario
