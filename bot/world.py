"""The real World the bot acts on: each service's deployer and metrics source from the team
config, plus the kill switches."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from rollout.observations import Observations
from rollout.ports import Deployer, KillSwitches, Metrics, SmokeResult
from rollout.state import DeployState

log = logging.getLogger("commander.world")


class LoggedKillSwitches:
    """Kill switches that only log what they would flip (a real flag store plugs in here)."""

    def set_kill_switch(self, service: str, flag: str, off: bool) -> None:
        """Log turning `flag` of `service` off (or back on)."""
        log.info("would turn kill switch %s of %s %s", flag, service, "off" if off else "on")


class ServiceWorld:
    """rollout.ports.World over per-service adapters: every call goes to the service's own."""

    def __init__(
        self,
        deployer_for: Callable[[str], Deployer],
        metrics_for: Callable[[str], Metrics],
        switches: KillSwitches | None = None,
    ) -> None:
        self.deployer_for = deployer_for
        self.metrics_for = metrics_for
        self.switches = switches or LoggedKillSwitches()

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None:
        """Route the service's traffic."""
        self.deployer_for(service).set_traffic(service, version, internal, external, mirror)

    def deploy(self, service: str, environment: str, version: str) -> None:
        """Ship a version to an environment."""
        self.deployer_for(service).deploy(service, environment, version)

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult | None:
        """Run the service's smoke test (None: its deployer reports the result later)."""
        return self.deployer_for(service).smoke_test(service, environment, test)

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        """Return production to `to_version`."""
        self.deployer_for(service).rollback(service, from_version, to_version)

    def set_kill_switch(self, service: str, flag: str, off: bool) -> None:
        """Flip a kill switch."""
        self.switches.set_kill_switch(service, flag, off)

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        """The service's metrics for the deploy's current stage."""
        return self.metrics_for(deploy.service).observe(deploy, now)
