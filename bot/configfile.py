"""Find and read the team config file (the I/O the pure core leaves to its callers)."""

from __future__ import annotations

import os
from pathlib import Path

from rollout.config import TeamConfig
from rollout.errors import ConfigError
from rollout.parsing import parse_config

DEFAULT_NAME = "commander.toml"


def config_path(path: Path | None = None) -> Path:
    """The config to read: the given path, else $COMMANDER_CONFIG, else ./commander.toml."""
    if path is not None:
        return path
    return Path(os.environ.get("COMMANDER_CONFIG") or DEFAULT_NAME)


def read_config(path: Path | None = None) -> TeamConfig:
    """Read and validate the team config, with errors that name the file."""
    chosen = config_path(path)
    if chosen.is_dir():
        raise ConfigError(f"{chosen}: is a directory, expected the team config file (a .toml)")
    try:
        data = chosen.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{chosen}: file not found (pass a path, or set COMMANDER_CONFIG)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{chosen}: cannot read it: {exc.strerror}") from None
    return parse_config(data, str(chosen))
