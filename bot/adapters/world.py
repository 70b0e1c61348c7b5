"""The world one service's deploys act on: its deployer, its metrics and the kill switches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rollout.observations import Observations
from rollout.ports import Deployer, KillSwitches, Metrics, SmokeResult
from rollout.state import DeployState


class ServiceWorld:
    """rollout.ports.World, delegating to each service's adapters and one kill-switch store."""

    def __init__(
        self,
        deployer_for: Callable[[str], Deployer],
        metrics_for: Callable[[str], Metrics],
        switches: KillSwitches,
    ) -> None:
        self.deployer_for = deployer_for
        self.metrics_for = metrics_for
        self.switches = switches

    def deploy(self, service: str, environment: str, version: str) -> None:
        """Ship `version` to a non-production environment."""
        self.deployer_for(service).deploy(service, environment, version)

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None:
        """Route production traffic."""
        self.deployer_for(service).set_traffic(service, version, internal, external, mirror)

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult:
        """Run the smoke test."""
        return self.deployer_for(service).smoke_test(service, environment, test)

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        """Return production to `to_version`."""
        self.deployer_for(service).rollback(service, from_version, to_version)

    def set_kill_switch(self, service: str, flag: str, off: bool) -> None:
        """Flip a kill switch."""
        self.switches.set_kill_switch(service, flag, off)

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        """Observations of the deploy's current stage."""
        return self.metrics_for(deploy.service).observe(deploy, now)
