"""Host health from the agents' reports in etcd: how many hosts took the new version, how many
are not ready, and how often they restarted. Metrics `kind = "etcd"` gives only this; the
prometheus source adds it to its arms through its `fleet` setting."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from adapters.etcd import Etcd
from adapters.fleet import hosts_prefix
from adapters.promql import NoData
from adapters.settings import Settings, validate_settings
from rollout.durations import Duration
from rollout.errors import WorldError
from rollout.observations import Arm, HostHealth, Observations
from rollout.state import DeployState


class FleetSettings(Settings):
    """Settings of metrics `kind = "etcd"` (and prometheus `fleet`): where the agents report."""

    url: str = Field(pattern=r"^https?://", description="etcd client URL")
    prefix: str = Field("/commander", pattern=r"^/", description="Key prefix the agents share")
    environment: str = Field("production", description="The agents' environment")
    timeout: Duration = Field(timedelta(seconds=5), description="Per etcd request")


class FleetHealth:
    """Reads the host reports of a deploy's service; NoData when etcd cannot be read."""

    def __init__(self, settings: FleetSettings) -> None:
        self.settings = settings
        self.etcd = Etcd(settings.url, settings.timeout.total_seconds(), action="observe")

    def __call__(self, deploy: DeployState, now: datetime) -> HostHealth:
        prefix = hosts_prefix(self.settings.prefix, deploy.service, self.settings.environment)
        try:
            reports = [e.value for e in self.etcd.get_prefix(prefix)]
        except WorldError as exc:
            raise NoData(f"fleet health unavailable: {exc.detail}") from None
        return host_health(reports, deploy.version, now)


def host_health(reports: list[dict[str, Any]], version: str, now: datetime) -> HostHealth:
    """The health judge's view of the hosts that took `version`."""
    new = [r for r in reports if r.get("version") == version]
    unready = sum(1 for r in new if r.get("state") != "ready")
    restarts = sum(int(r.get("restarts", 0)) for r in new)
    starts = [float(r.get("since") or r.get("at") or now.timestamp()) for r in new]
    since = max(now.timestamp() - min(starts), 0.0) if starts else 0.0
    return HostHealth(len(new), unready, restarts, since)


class FleetHealthMetrics:
    """Metrics `kind = "etcd"`: host health only (the arms stay empty)."""

    def __init__(self, settings: Mapping[str, Any], where: str = "metrics") -> None:
        self.health = FleetHealth(validate_settings(FleetSettings, settings, where))

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        """The hosts' health, or why it cannot be read."""
        try:
            return Observations(1.0, Arm(), Arm(), self.health(deploy, now))
        except NoData as gap:
            return Observations(1.0, Arm(), Arm(), unavailable=gap.reason)
