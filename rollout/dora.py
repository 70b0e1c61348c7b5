"""Delivery figures (DORA, 2024 definitions) from a release history; `now` is an argument.

A *deployment* is a deploy that reached production users: it completed, is stabilizing, or was
rolled back (aborted deploys never reached users, drills never count). The figures:

- deployment frequency: deployments per day over the window;
- change lead time: median of commit time → fully in production (deploys given a commit time);
- change fail rate: deployments that needed intervention (a rollback, or a hotfix that fixed
  them forward) ÷ deployments;
- failed deployment recovery time: median of a failed deployment's start → its restoration
  (the rollback, or the fixing hotfix reaching production);
- deployment rework rate: unplanned deployments (hotfixes) ÷ deployments.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

DEPLOYED = frozenset({"completed", "stabilizing", "rolled_back"})


@dataclass(frozen=True)
class DeployRecord:
    """One deploy as the audit trail tells it."""

    service: str
    version: str
    status: str
    started_at: datetime
    in_production_at: datetime | None = None  # first served 100% of its users, if it did
    rolled_back_at: datetime | None = None
    commit_time: datetime | None = None
    hotfix: bool = False
    drill: bool = False


@dataclass(frozen=True)
class Figures:
    """The five figures for one service (or all) over [since, until)."""

    service: str | None
    since: datetime
    until: datetime
    deployments: int
    lead_times: int  # deployments with a commit time that reached production
    lead_time: timedelta | None
    failed: int
    recovered: int
    recovery_time: timedelta | None
    rework: int

    @property
    def per_day(self) -> float:
        """Deployments per day."""
        days = (self.until - self.since) / timedelta(days=1)
        return self.deployments / days if days > 0 else 0.0

    @property
    def change_fail_rate(self) -> float | None:
        """Failed ÷ deployments, or None with no deployments."""
        return self.failed / self.deployments if self.deployments else None

    @property
    def rework_rate(self) -> float | None:
        """Hotfix deployments ÷ deployments, or None with no deployments."""
        return self.rework / self.deployments if self.deployments else None


def figures(
    records: Iterable[DeployRecord], now: datetime, window: timedelta, service: str | None = None
) -> Figures:
    """The figures for deploys started in the `window` before `now` (drills excluded)."""
    since = now - window
    mine = sorted(
        (r for r in records if not r.drill and (service is None or r.service == service)),
        key=lambda r: r.started_at,
    )
    deployed = [r for r in mine if r.status in DEPLOYED]
    shown = [r for r in deployed if since <= r.started_at < now]
    lead = [
        r.in_production_at - r.commit_time
        for r in shown
        if r.commit_time is not None and r.in_production_at is not None
    ]
    restorations = [_restored_at(r, deployed) for r in shown]
    failed = [(r, at) for r, at in zip(shown, restorations, strict=True) if _failed(r, deployed)]
    recoveries = [at - r.started_at for r, at in failed if at is not None]
    return Figures(
        service=service,
        since=since,
        until=now,
        deployments=len(shown),
        lead_times=len(lead),
        lead_time=_median(lead),
        failed=len(failed),
        recovered=len(recoveries),
        recovery_time=_median(recoveries),
        rework=sum(1 for r in shown if r.hotfix),
    )


def _failed(record: DeployRecord, history: Sequence[DeployRecord]) -> bool:
    """Rolled back, or fixed forward by the service's next deployment being a hotfix."""
    if record.status == "rolled_back":
        return True
    following = _next_of(record, history)
    return following is not None and following.hotfix


def _restored_at(record: DeployRecord, history: Sequence[DeployRecord]) -> datetime | None:
    if record.rolled_back_at is not None:
        return record.rolled_back_at
    following = _next_of(record, history)
    if following is not None and following.hotfix:
        return following.in_production_at
    return None


def _next_of(record: DeployRecord, history: Sequence[DeployRecord]) -> DeployRecord | None:
    later = [r for r in history if r.service == record.service and r.started_at > record.started_at]
    return later[0] if later else None


def _median(values: Sequence[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


def describe(f: Figures) -> dict[str, str]:
    """Each figure in words, e.g. "3 in 30 days (0.1/day)", or "no deploys"."""
    if not f.deployments:
        none = "no deploys"
        return dict.fromkeys(FIGURE_NAMES, none)
    days = round((f.until - f.since) / timedelta(days=1))
    return {
        "deployment frequency": f"{f.deployments} in {days} days ({f.per_day:.2g}/day)",
        "change lead time": (
            f"{_span(f.lead_time)} median of {f.lead_times}"
            if f.lead_time is not None
            else "no commit times given"
        ),
        "change fail rate": f"{_pct(f.change_fail_rate)} ({f.failed} of {f.deployments})",
        "failed deployment recovery time": (
            f"{_span(f.recovery_time)} median of {f.recovered}"
            if f.recovery_time is not None
            else ("no failures" if not f.failed else "not yet recovered")
        ),
        "deployment rework rate": f"{_pct(f.rework_rate)} ({f.rework} of {f.deployments})",
    }


FIGURE_NAMES = (
    "deployment frequency",
    "change lead time",
    "change fail rate",
    "failed deployment recovery time",
    "deployment rework rate",
)


def as_json(f: Figures) -> dict[str, object]:
    """Machine-readable figures: numbers, or null where there is nothing to measure."""

    def seconds(value: timedelta | None) -> float | None:
        return value.total_seconds() if value is not None else None

    return {
        "service": f.service,
        "since": f.since.isoformat(),
        "until": f.until.isoformat(),
        "deployments": f.deployments,
        "deployments_per_day": f.per_day,
        "change_lead_time_s": seconds(f.lead_time),
        "lead_time_samples": f.lead_times,
        "change_fail_rate": f.change_fail_rate,
        "failed_deployments": f.failed,
        "failed_deployment_recovery_time_s": seconds(f.recovery_time),
        "deployment_rework_rate": f.rework_rate,
        "rework_deployments": f.rework,
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _span(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 2 * 3600:
        return f"{seconds // 60}m"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"
