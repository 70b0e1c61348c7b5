"""The one settings loader: the environment, then ./.env, and the team config file; read at call
time (never at import).

Every command takes its defaults from here: `config_path()` for the team config (honours
COMMANDER_CONFIG), `database_url()` for the database, and `load_settings()` for what
`commander serve` needs. Tokens are SecretStr, so they never show in a repr or a log line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from rollout.config import TeamConfig
from rollout.errors import ConfigError
from rollout.parsing import parse_config

DEFAULT_CONFIG = Path("commander.toml")
DEFAULT_DATABASE_URL = "sqlite:///commander.db"
SEE_HELP = "(see commander serve --help)"
S = TypeVar("S", bound="Paths")

ENVIRONMENT_HELP = """Environment (and ./.env):
SLACK_BOT_TOKEN (required) bot token, xoxb-…;
SLACK_SIGNING_SECRET (required) verifies every request;
SLACK_APP_TOKEN (--socket only) app-level token, xapp-…;
SLACK_API_URL Web API base URL (tests point it at a fake Slack);
DATABASE_URL default sqlite:///commander.db;
COMMANDER_CONFIG team config, default ./commander.toml;
COMMANDER_POST_INTERVAL seconds between posts to one channel, at most 60, default 1;
COMMANDER_TICK seconds between worker passes (timers, judges, notices), above 0 and at
most 60, default 0.25;
COMMANDER_INBOX folder where slash commands are spooled before the ack, default next to a
SQLite database file, else ./commander-inbox;
COMMANDER_SCENARIOS drill scenarios folder, default scenarios/ next to the config."""


class Paths(BaseSettings):
    """Where the team config and the database are: what every command needs."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        validate_by_name=True,  # Settings(bot_token=...) in code, SLACK_BOT_TOKEN in the env
        validate_by_alias=True,
    )

    config_path: Path = Field(DEFAULT_CONFIG, validation_alias="COMMANDER_CONFIG")
    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        """An empty or all-blank variable counts as not set; values lose stray whitespace."""
        if not isinstance(data, dict):
            return data
        stripped = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return {k: v for k, v in stripped.items() if v != ""}


class Settings(Paths):
    """What `commander serve` reads; secrets are SecretStr."""

    bot_token: SecretStr = Field(validation_alias="SLACK_BOT_TOKEN")
    signing_secret: SecretStr = Field(validation_alias="SLACK_SIGNING_SECRET")
    app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    api_url: str | None = Field(None, validation_alias="SLACK_API_URL")
    post_interval: float = Field(1.0, ge=0, le=60, validation_alias="COMMANDER_POST_INTERVAL")
    tick: float = Field(0.25, gt=0, le=60, validation_alias="COMMANDER_TICK")  # 0 busy-loops
    # Where slash commands are spooled before the ack; None: next to a SQLite file, else
    # ./commander-inbox.
    inbox: Path | None = Field(None, validation_alias="COMMANDER_INBOX")
    # Drill scenarios; None: "scenarios/" next to the team config.
    scenarios: Path | None = Field(None, validation_alias="COMMANDER_SCENARIOS")

    @property
    def scenarios_dir(self) -> Path:
        """Where `/deploy drill start <name>` finds its scenario files."""
        return self.scenarios or self.config_path.parent / "scenarios"

    @property
    def inbox_dir(self) -> Path:
        """The folder of the inbox's spool (bot/spool.py), on this host's disk."""
        if self.inbox is not None:
            return self.inbox
        if self.database_url.startswith("sqlite:///") and len(self.database_url) > 10:
            return Path(self.database_url.removeprefix("sqlite:///") + ".inbox")
        return Path("commander-inbox")

    @field_validator("api_url")
    @classmethod
    def _trailing_slash(cls, value: str | None) -> str | None:
        """slack_sdk joins method names onto the base URL, so it must end in a slash."""
        return value if value is None or value.endswith("/") else value + "/"


class SocketSettings(Settings):
    """Socket Mode also needs the app-level token."""

    app_token: SecretStr = Field(validation_alias="SLACK_APP_TOKEN")


def config_path(path: Path | None = None) -> Path:
    """The team config to read: `path`, else $COMMANDER_CONFIG, else ./commander.toml."""
    return path if path is not None else _read(Paths).config_path


def config_is_named(path: Path | None = None) -> bool:
    """True when a config was named (`path` or COMMANDER_CONFIG), so it must exist; else the
    simulator may fall back to built-in defaults."""
    return path is not None or "config_path" in _read(Paths).model_fields_set


def database_url() -> str:
    """The database: $DATABASE_URL, else commander.db in the working directory."""
    return _read(Paths).database_url


def load_settings(*, socket: bool = False) -> Settings:
    """Everything `commander serve` needs; every missing variable in one ConfigError."""
    return _read(SocketSettings if socket else Settings)


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


def _read(kind: type[S]) -> S:
    try:
        return kind()
    except ValidationError as exc:
        raise ConfigError(_one_line(exc.errors())) from None


def _one_line(errors: list[ErrorDetails]) -> str:
    """All missing variables together, else the first bad value, as one line."""
    missing = [str(e["loc"][0]) for e in errors if e["type"] == "missing"]
    if missing:
        return f"missing environment variables: {', '.join(missing)} {SEE_HELP}"
    first = errors[0]
    name, value = first["loc"][0], first.get("input")
    if first["type"] in ("float_parsing", "greater_than_equal", "greater_than", "less_than_equal"):
        ctx = first.get("ctx") or {}
        low = "above 0" if "gt" in ctx or name == "COMMANDER_TICK" else ">= 0"
        return f'{name}: expected a number of seconds {low} and at most 60, got "{value}"'
    return f'{name}: {first["msg"]}, got "{value}"'
