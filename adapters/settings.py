"""Validate an adapter's `settings` table with a small pydantic model, in the config's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from rollout.errors import ConfigError
from rollout.parsing import expectation, key_path

M = TypeVar("M", bound=BaseModel)


class Settings(BaseModel):
    """Base for adapter settings: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def validate_settings(model: type[M], settings: Mapping[str, Any], where: str) -> M:
    """The settings as `model`, or a ConfigError such as
    "commander.toml: services.api.metrics.settings.url: required key is missing"."""
    try:
        return model.model_validate(dict(settings))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(
            f"{where}.settings.{key_path(first['loc'], set())}: {expectation(first)}"
        ) from None


def where(service: str, port: str, source: str = "commander.toml") -> str:
    """The key path of a service's adapter table, e.g. "commander.toml: services.api.metrics"."""
    return f"{source}: services.{service}.{port}"
