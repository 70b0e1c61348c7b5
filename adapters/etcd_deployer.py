"""Deployer `kind = "etcd"`: the pull-based fleet signal. Writes each service's desired state
(version, previous version, a share per pool) for `commander agent`s to pull.

The split's internal share goes to the hosts of the `internal` pool (employees), its external
share to the `external` pool (customers): in each pool ceil(hosts × share) hosts switch
(adapters/fleet.py). A pull fleet cannot mirror traffic.

Each write is one etcd transaction that only lands if the key is unchanged since it was read,
and a write whose fence (the deploy's start and stored revision) is older than the one stored
is dropped: a stale replica cannot undo a newer decision. The smoke test waits for the
environment's agents to report readiness on the version.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pydantic import Field, field_validator

from adapters.context import current
from adapters.etcd import Entry, Etcd
from adapters.fleet import POOLS, Pool, desired_key, hosts_prefix
from adapters.settings import Settings, validate_settings
from rollout.config import Plan, TrafficStage
from rollout.durations import Duration
from rollout.errors import WorldError
from rollout.machine import exposure_for
from rollout.ports import SmokeResult
from rollout.state import Exposure

log = logging.getLogger("commander.etcd")
CAS_ATTEMPTS = 5


class EtcdSettings(Settings):
    """Settings of `kind = "etcd"` (deployer) and of the fleet health it reports."""

    url: str = Field(pattern=r"^https?://", description="etcd client URL (JSON gateway)")
    prefix: str = Field("/commander", pattern=r"^/", description="Key prefix the agents share")
    environment: str = Field("production", description="Where traffic splits apply")
    timeout: Duration = Field(timedelta(seconds=5), description="Per etcd request")
    smoke_timeout: Duration = Field(timedelta(minutes=2), description="Wait for readiness")
    min_hosts: int = Field(1, ge=1, description="Agents that must report before smoke passes")
    pools: tuple[Pool, ...] = Field(
        POOLS,
        min_length=1,
        description=(
            "The pools the fleet's agents declare: internal (employees' hosts) and/or external "
            "(customers'); config check refuses plan stages that split audiences a missing "
            "pool would have to serve"
        ),
    )

    @field_validator("pools")
    @classmethod
    def _distinct(cls, value: tuple[Pool, ...]) -> tuple[Pool, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"each pool once, got {list(value)}")
        return value


class EtcdDeployer:
    """Writes desired state to etcd; agents on every host pull it."""

    def __init__(self, settings: Mapping[str, Any], where: str = "deployer") -> None:
        self.settings = validate_settings(EtcdSettings, settings, where)
        self.etcd = Etcd(self.settings.url, self.settings.timeout.total_seconds())

    def deploy(self, service: str, environment: str, version: str) -> None:
        """Every host of the environment pulls `version`."""
        self._write("deploy", service, environment, version=version, shares=_all(100.0))

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None:
        """In each pool, ceil(hosts × its share) hosts serve `version`; the rest the previous.
        A split that needs a pool no agent declares is refused (the deploy holds, saying so)."""
        shares = {"internal": internal, "external": external}
        if internal != external:
            self._check_pools(service, shares)
        self._write("set_traffic", service, self.settings.environment, version=version,
                    shares=shares)  # fmt: skip

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        """Every host returns to `to_version` (or keeps what it has when there is none)."""
        if to_version is None:
            self._write("rollback", service, self.settings.environment, version=from_version,
                        shares=_all(0.0), previous_version=None)  # fmt: skip
            return
        self._write("rollback", service, self.settings.environment, version=to_version,
                    shares=_all(100.0), previous_version=from_version)  # fmt: skip

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult:
        """Wait until every agent reported on the desired version: pass if all are ready."""
        entry, _ = self._get(desired_key(self.settings.prefix, service, environment))
        version = entry.value.get("version") if entry else None
        if not version:
            return SmokeResult(False, f"nothing was deployed to {environment}")
        deadline = time.monotonic() + self.settings.smoke_timeout.total_seconds()
        while True:
            reports = self._reports(service, environment)
            done = {h: r for h, r in reports.items() if r.get("version") == version and
                    r.get("state") in ("ready", "failed")}  # fmt: skip
            failed = sorted(h for h, r in done.items() if r["state"] == "failed")
            settled = len(reports) >= self.settings.min_hosts and len(done) == len(reports)
            if failed and settled:
                first = reports[failed[0]].get("detail", "")
                detail = (f"{len(failed)} of {len(reports)} hosts failed readiness on {version}"
                          f" ({failed[0]}: {first})")  # fmt: skip
                return SmokeResult(False, detail)
            if settled:
                return SmokeResult(
                    True, f"{len(reports)} of {len(reports)} hosts ready on {version}"
                )
            if time.monotonic() > deadline:
                waiting = ", ".join(sorted(set(reports) - set(done))) or "no host reported"
                limit = self.settings.smoke_timeout.total_seconds()
                return SmokeResult(False, f"{version} not ready on every host after {limit:g} s "
                                          f"(waiting: {waiting})")  # fmt: skip
            time.sleep(0.2)

    def _check_pools(self, service: str, shares: dict[str, float]) -> None:
        reports = self._reports(service, self.settings.environment, "set_traffic")
        pools = {str(r.get("pool", "external")) for r in reports.values()}
        for pool, share in shares.items():
            if reports and share > 0 and pool not in pools:
                who = "employees" if pool == "internal" else "customers"
                raise WorldError("set_traffic", (
                    f"this stage sends {share:g}% of {who} to the new version, but no host of "
                    f'{service} declares pool = "{pool}" ({_hosts(len(reports))} reporting)'
                ))  # fmt: skip

    def _reports(
        self, service: str, environment: str, action: str = "smoke_test"
    ) -> dict[str, dict[str, Any]]:
        prefix = hosts_prefix(self.settings.prefix, service, environment)
        try:
            entries = self.etcd.get_prefix(prefix)
        except WorldError as exc:
            raise WorldError(action, exc.detail) from None
        return {e.key.removeprefix(prefix): e.value for e in entries}

    def _write(self, action: str, service: str, environment: str, **state: Any) -> None:
        key = desired_key(self.settings.prefix, service, environment)
        context = current()
        for _ in range(CAS_ATTEMPTS):
            entry, _ = self._get(key, action)
            stored = entry.value if entry else {}
            desired = {
                "previous_version": context.previous_version or _previous(stored, state),
                **state,
                "action": action,
                "deploy_id": context.deploy_id,
                "fence": context.fence,
            }
            if _stale(context.fence, stored):
                log.warning("%s %s: a newer write (%s) stands; not writing", action, key,
                            stored.get("fence"))  # fmt: skip
                return
            if _same(stored, desired):
                return  # level-triggered callers repeat writes; agents need not wake
            revision = entry.mod_revision if entry else 0
            if self.etcd.put_if_unchanged(key, desired, revision):
                return
        raise WorldError(action, f"{key} kept changing under us ({CAS_ATTEMPTS} attempts)")

    def _get(self, key: str, action: str = "smoke_test") -> tuple[Entry | None, int]:
        try:
            return self.etcd.get(key)
        except WorldError as exc:
            raise WorldError(action, exc.detail) from None


def _hosts(n: int) -> str:
    return f"{n} host" if n == 1 else f"{n} hosts"


def _all(share: float) -> dict[str, float]:
    return dict.fromkeys(POOLS, share)


def _previous(stored: dict[str, Any], state: dict[str, Any]) -> str | None:
    """Without the deploy's previous version, keep the one stored or the version it replaces."""
    if stored.get("version") == state.get("version"):
        return stored.get("previous_version")
    return stored.get("version")


def _stale(fence: str, stored: dict[str, Any]) -> bool:
    return bool(fence) and str(stored.get("fence") or "") > fence


def _same(stored: dict[str, Any], desired: dict[str, Any]) -> bool:
    """True when the stored state already says this, under a fence at least as new."""
    ignore = ("fence", "action", "deploy_id")
    kept = [{k: v for k, v in d.items() if k not in ignore} for d in (stored, desired)]
    fenced = str(stored.get("fence") or "") >= str(desired["fence"])
    return bool(stored) and kept[0] == kept[1] and fenced


def audience_problems(settings: EtcdSettings, plans: Mapping[str, Plan]) -> list[str]:
    """config check: plan stages whose audience split this pull fleet cannot give."""
    problems = []
    for name, plan in plans.items():
        exposure = Exposure()
        for stage in plan.stages:
            if not isinstance(stage, TrafficStage):
                continue
            exposure = exposure_for(exposure, stage)
            where = f'plan "{name}" stage {stage.name}'
            if stage.mirror_percent > 0:
                problems.append(f"{where} mirrors traffic, which a pull fleet cannot do")
            missing = [p for p in POOLS if p not in settings.pools]
            if missing and exposure.internal != exposure.external:
                problems.append(
                    f"{where} sends {exposure.internal:g}% of employees and "
                    f"{exposure.external:g}% of customers, but the fleet has no {missing[0]} "
                    f"pool (pools = {list(settings.pools)}): run agents with pool = "
                    f'"{missing[0]}" and list it in pools, or drop the split'
                )
    return problems
