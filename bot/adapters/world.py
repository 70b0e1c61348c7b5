"""The real World of one service: its configured deployer and metrics source, joined."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from rollout.observations import Observations
from rollout.ports import Deployer, Metrics, SmokeResult
from rollout.state import DeployState

log = logging.getLogger("commander.world")


@dataclass
class AdapterWorld:
    """A World from a Deployer and a Metrics source; kill switches are logged only."""

    deployer: Deployer
    metrics: Metrics

    def deploy(self, service: str, environment: str, version: str) -> None:
        """Ship a version to an environment."""
        self.deployer.deploy(service, environment, version)

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None:
        """Move traffic."""
        self.deployer.set_traffic(service, version, internal, external, mirror)

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult:
        """Run the smoke test."""
        return self.deployer.smoke_test(service, environment, test)

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        """Return production to the previous version."""
        self.deployer.rollback(service, from_version, to_version)

    def set_kill_switch(self, service: str, flag: str, off: bool) -> None:
        """No flag store is configured here: say what would happen."""
        log.info("would turn %s's kill switch %s %s", service, flag, "off" if off else "on")

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        """Observations of the deploy's stage."""
        return self.metrics.observe(deploy, now)
