"""May this service deploy now? Deploy hours, freezes, stabilization and in-flight deploys.

`can_deploy` returns every reason against, worded for a human, so a refusal can be read once
and acted on; an admin may force past all of them except another deploy of the same service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rollout.config import DeployHours, Freeze, TeamConfig, weekday_set
from rollout.state import DeployState

FORCEABLE = frozenset({"outside_hours", "freeze", "stabilizing", "dependency"})


@dataclass(frozen=True)
class Reason:
    """One reason a deploy may not start; `code` is stable, `text` is for people."""

    code: str  # outside_hours freeze stabilizing dependency in_flight not_admin no_reason
    text: str


@dataclass(frozen=True)
class WindowCheck:
    """Every reason against a deploy, and whether an admin forced past them."""

    reasons: tuple[Reason, ...]
    forced: bool = False
    force_reason: str | None = None

    @property
    def allowed(self) -> bool:
        """True when nothing stands against the deploy, or an admin forced past what does."""
        if self.forced:
            return all(r.code in FORCEABLE for r in self.reasons)
        return not self.reasons


def localize(value: datetime, tz: ZoneInfo) -> datetime:
    """A naive config time read as the team's local time; an aware one keeps its offset."""
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def require_aware(now: datetime) -> None:
    """Refuse a naive `now`: the core cannot tell which clock it came from."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")


def can_deploy(
    now: datetime,
    service: str,
    config: TeamConfig,
    deploys: Sequence[DeployState],
    freezes: Sequence[Freeze] = (),
    *,
    hotfix: bool = False,
    force_by: str | None = None,
    force_reason: str | None = None,
) -> WindowCheck:
    """Check a new deploy of `service` at `now`.

    `deploys` are the known deploys of any service, not including the one being checked.
    A hotfix skips deploy hours only. Force is weighed only when something blocks: it needs an
    admin and a non-empty reason, and it never overrides another in-flight deploy of `service`.
    """
    require_aware(now)
    reasons = [
        *([] if hotfix else _hours_reasons(now, config)),
        *_freeze_reasons(now, service, config, freezes),
        *_deploy_reasons(now, service, config, deploys),
    ]
    if not reasons or force_by is None:
        return WindowCheck(tuple(reasons))
    force_problems = _force_problems(force_by, force_reason, config)
    if force_problems:
        return WindowCheck((*reasons, *force_problems))
    return WindowCheck(tuple(reasons), forced=True, force_reason=(force_reason or "").strip())


def in_deploy_hours(now: datetime, config: TeamConfig) -> bool:
    """True when `now` falls in one of the team's deploy hours (always, if none are set)."""
    local = now.astimezone(config.team.tz)
    return not config.team.hours or any(_open_at(h, local) for h in config.team.hours)


def next_window_opens(now: datetime, config: TeamConfig) -> datetime | None:
    """When deploy hours next open, in the team's timezone; None when they are open at `now`."""
    require_aware(now)
    if in_deploy_hours(now, config):
        return None
    tz = config.team.tz
    today = now.astimezone(tz).date()
    openings = [
        _at(day, hours, tz)
        for day in (today + timedelta(days=n) for n in range(8))
        for hours in config.team.hours
        if day.weekday() in weekday_set(hours.days)
    ]
    return min(t for t in openings if t > now)


def describe_hours(config: TeamConfig) -> str:
    """e.g. "mon-fri 09:00–17:00 America/Los_Angeles"."""
    spans = ", ".join(f"{h.days} {h.start:%H:%M}–{h.end:%H:%M}" for h in config.team.hours)
    return f"{spans or 'any time'} {config.team.timezone}"


def _open_at(hours: DeployHours, local: datetime) -> bool:
    return local.weekday() in weekday_set(hours.days) and hours.start <= local.time() < hours.end


def _at(day: date, hours: DeployHours, tz: ZoneInfo) -> datetime:
    """The local opening time on `day`, normalised through UTC (a time in a DST gap moves on)."""
    return datetime.combine(day, hours.start, tzinfo=tz).astimezone(ZoneInfo("UTC")).astimezone(tz)


def _hours_reasons(now: datetime, config: TeamConfig) -> list[Reason]:
    opens = next_window_opens(now, config)
    if opens is None:
        return []
    text = f"outside deploy hours ({describe_hours(config)}); next window opens {opens:%a %H:%M %Z}"
    return [Reason("outside_hours", text)]


def _freeze_reasons(
    now: datetime, service: str, config: TeamConfig, runtime: Sequence[Freeze]
) -> list[Reason]:
    tz = config.team.tz
    reasons = []
    for freeze in (*config.team.freezes, *runtime):
        start, until = localize(freeze.start, tz), localize(freeze.until, tz)
        if start <= now < until and freeze.covers(service):
            by = f" by @{freeze.set_by}" if freeze.set_by else ""
            text = f"frozen until {_when(until, tz)}{by}: {freeze.reason}"
            reasons.append(Reason("freeze", text))
    return reasons


def _deploy_reasons(
    now: datetime, service: str, config: TeamConfig, deploys: Sequence[DeployState]
) -> list[Reason]:
    tz = config.team.tz
    depends_on = config.service(service).depends_on
    reasons = []
    for d in deploys:
        if d.service == service and d.in_flight:
            by = f"started by @{d.commander}"
            text = f"another deploy of {service} is in flight ({d.version}, {by})"
            reasons.append(Reason("in_flight", text))
        elif d.service in depends_on and d.in_flight:
            text = f"depends on {d.service}, which is mid-deploy ({d.version}, {_where(d, config)})"
            reasons.append(Reason("dependency", text))
        elif (
            d.service == service
            and d.status == "stabilizing"
            and d.stabilize_until is not None
            and d.stabilize_until > now
        ):
            after = f"{d.version} (major)" if d.major else d.version
            text = f"{service} is stabilizing after {after} until {_when(d.stabilize_until, tz)}"
            reasons.append(Reason("stabilizing", text))
    return reasons


def _force_problems(force_by: str, force_reason: str | None, config: TeamConfig) -> list[Reason]:
    problems = []
    if not config.is_admin(force_by):
        admins = ", ".join(f"@{a}" for a in config.team.admins) or "none are configured"
        problems.append(Reason("not_admin", f"only admins can force: {admins}"))
    if not (force_reason or "").strip():
        problems.append(Reason("no_reason", "--force needs a reason"))
    return problems


def _where(deploy: DeployState, config: TeamConfig) -> str:
    if deploy.status == "created":
        return "not started yet"
    try:
        stage = f"stage {config.plan_named(deploy.plan_name).stages[deploy.stage_index].name}"
    except (KeyError, IndexError):
        stage = f"stage {deploy.stage_index + 1}"
    return f"held at {stage}" if deploy.status == "held" else stage


def _when(moment: datetime, tz: ZoneInfo) -> str:
    """e.g. "Jan 2 09:00 PST" in the team's timezone."""
    local = moment.astimezone(tz)
    return f"{local:%b} {local.day} {local:%H:%M %Z}"
