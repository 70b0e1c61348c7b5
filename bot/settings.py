"""What `commander serve` reads from the environment, read at call time and never at import."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.configfile import read_config
from rollout.config import TeamConfig
from rollout.errors import ConfigError

ENVIRONMENT_HELP = """Environment:
SLACK_BOT_TOKEN (required) bot token, xoxb-…;
SLACK_SIGNING_SECRET (required) verifies every request;
SLACK_APP_TOKEN (--socket only) app-level token, xapp-…;
SLACK_API_URL Web API base URL (tests point it at a fake Slack);
DATABASE_URL default sqlite:///commander.db;
COMMANDER_CONFIG team config, default ./commander.toml;
COMMANDER_POST_INTERVAL seconds between posts to one channel, default 1;
COMMANDER_TICK seconds between worker passes (timers, judges, notices), default 0.25."""


@dataclass(frozen=True)
class Settings:
    """The bot's runtime settings; secrets are kept out of repr."""

    bot_token: str
    signing_secret: str
    database_url: str
    config_path: Path
    app_token: str | None = None
    api_url: str | None = None
    post_interval: float = 1.0
    tick: float = 0.25

    def __repr__(self) -> str:
        return (
            f"Settings(database_url={self.database_url!r}, config_path={self.config_path!r}, "
            f"api_url={self.api_url!r}, post_interval={self.post_interval}, tick={self.tick})"
        )


def load_settings(env: Mapping[str, str], *, socket: bool = False) -> Settings:
    """Settings from an environment mapping; a missing or bad variable is a ConfigError."""
    required = ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", *(["SLACK_APP_TOKEN"] if socket else [])]
    for name in required:
        if not env.get(name, "").strip():
            raise ConfigError(f"{name} is not set (see `commander serve --help`)")
    return Settings(
        bot_token=env["SLACK_BOT_TOKEN"].strip(),
        signing_secret=env["SLACK_SIGNING_SECRET"].strip(),
        app_token=env.get("SLACK_APP_TOKEN", "").strip() or None,
        api_url=_base_url(env.get("SLACK_API_URL", "")),
        database_url=env.get("DATABASE_URL", "").strip() or "sqlite:///commander.db",
        config_path=Path(env.get("COMMANDER_CONFIG", "").strip() or "commander.toml"),
        post_interval=_seconds(env, "COMMANDER_POST_INTERVAL", 1.0),
        tick=_seconds(env, "COMMANDER_TICK", 0.25),
    )


def load_team_config(path: Path) -> TeamConfig:
    """Read and validate the team config file."""
    if not path.exists():
        raise ConfigError(f"{path}: no such file (set COMMANDER_CONFIG to your commander.toml)")
    return read_config(path)  # a folder or a binary file is one line too


def _base_url(value: str) -> str | None:
    """The Web API base URL with the trailing slash slack_sdk needs."""
    value = value.strip()
    if not value:
        return None
    return value if value.endswith("/") else value + "/"


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f'{name}: expected a number of seconds, got "{raw}"') from None
    if value < 0:
        raise ConfigError(f"{name}: expected a number of seconds >= 0, got {raw}")
    return value
