"""Deployers: how a service's versions are shipped. The `log` deployer records what it would do."""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import Field

from adapters.settings import Settings, validate_settings
from rollout.config import Plugin
from rollout.errors import ConfigError
from rollout.ports import Deployer, SmokeResult

log = logging.getLogger("commander.deployer")


class LogSettings(Settings):
    """Settings of deployer `kind = "log"`: ships nothing, logs each step (to try the bot)."""

    smoke: Literal["pass", "fail"] = Field("pass", description="What every smoke test says")
    smoke_detail: str = Field("", description="Text the smoke result shows in the thread")


class LogDeployer:
    """Ships nothing: logs each step and keeps it in `calls`. Smoke passes unless told otherwise."""

    def __init__(self, settings: dict[str, Any] | None = None, where: str = "deployer") -> None:
        s = validate_settings(LogSettings, settings or {}, where)
        self.smoke, self.detail = s.smoke, s.smoke_detail
        self.calls: list[tuple[Any, ...]] = []

    def deploy(self, service: str, environment: str, version: str) -> None:
        """Log shipping `version` to `environment`."""
        self._record("deploy", service, environment, version)

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None:
        """Log the new traffic split."""
        self._record("set_traffic", service, version, internal, external, mirror)

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult:
        """Report the configured smoke result."""
        self._record("smoke_test", service, environment, test)
        return SmokeResult(self.smoke == "pass", self.detail)

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        """Log returning production to `to_version`."""
        self._record("rollback", service, from_version, to_version)

    def _record(self, *call: Any) -> None:
        self.calls.append(call)
        log.info("would %s", " ".join(str(part) for part in call))


def build_deployer(plugin: Plugin, where: str = "deployer") -> Deployer:
    """The deployer a service's config names (`where` is its key path, for errors)."""
    if plugin.kind == "log":
        return LogDeployer(plugin.settings, where)
    if plugin.kind == "command":
        from adapters.command import CommandDeployer

        return CommandDeployer(plugin.settings, where)
    if plugin.kind == "webhook":
        from adapters.webhook import WebhookDeployer

        return WebhookDeployer(plugin.settings, where)
    if plugin.kind == "etcd":
        from adapters.etcd_deployer import EtcdDeployer

        return EtcdDeployer(plugin.settings, where)
    kinds = '"log", "command", "webhook" or "etcd"'
    raise ConfigError(f'{where}.kind: expected {kinds}, got "{plugin.kind}"')
