"""Find and read the team config file (the I/O the pure core leaves to its callers)."""

from __future__ import annotations

from pathlib import Path

from bot.settings import config_path
from rollout.config import TeamConfig
from rollout.errors import ConfigError
from rollout.parsing import parse_config

__all__ = ["config_path", "read_config"]


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
