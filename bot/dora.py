"""Delivery figures from the store: the audit trail becomes rollout.dora records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from rollout.config import Stage, TeamConfig, TrafficStage
from rollout.dora import DeployRecord, Figures, describe, figures
from rollout.records import EventRecord
from rollout.state import DeployState

History = Sequence[tuple[DeployState, Sequence[EventRecord]]]
WINDOW = timedelta(days=30)
LIVE = frozenset({"running", "held", "stabilizing", "completed"})


class DeliveryHistory(Protocol):
    """The store's read of deploys with their audit trails."""

    def deploys_since(
        self, since: datetime, service: str | None = None
    ) -> Sequence[tuple[DeployState, Sequence[EventRecord]]]: ...


def record_of(
    state: DeployState, trail: Sequence[EventRecord], config: TeamConfig
) -> DeployRecord | None:
    """One deploy as a delivery record; None before it started."""
    started = state.started_at or next((e.at for e in trail if e.kind == "start"), None)
    if started is None:
        return None
    meta = dict(state.meta)
    commit = meta.get("commit_time")
    return DeployRecord(
        service=state.service,
        version=state.version,
        status=state.status,
        started_at=started,
        in_production_at=reached_everyone(state, trail, config),
        rolled_back_at=_first(trail, ("rolled_back",)),
        commit_time=datetime.fromisoformat(commit) if isinstance(commit, str) else None,
        hotfix=state.hotfix,
        drill=state.drill,
    )


def reached_everyone(
    state: DeployState, trail: Sequence[EventRecord], config: TeamConfig
) -> datetime | None:
    """When the release first served 100% of its users: entering the plan's first 100% stage
    (not the end of its bake). A plan without one: when the deploy finished its plan."""
    finished = _first(trail, ("stabilizing", "completed"))
    try:
        stages = config.plan_named(state.plan_name).stages
    except KeyError:
        return finished
    full = next((i for i, s in enumerate(stages) if _everyone(s)), None)
    if full is None:
        return finished
    entered = (
        e.at
        for e in trail
        if e.stage >= full and e.to_status in LIVE and not e.kind.startswith("refused")
    )
    return next(entered, finished)


def _everyone(stage: Stage) -> bool:
    return isinstance(stage, TrafficStage) and stage.percent >= 100 and stage.audience != "internal"


def _first(trail: Sequence[EventRecord], statuses: tuple[str, ...]) -> datetime | None:
    return next(
        (e.at for e in trail if e.to_status in statuses and e.from_status not in statuses), None
    )


def team_figures(
    store: DeliveryHistory,
    config: TeamConfig,
    now: datetime,
    window: timedelta = WINDOW,
    service: str | None = None,
) -> list[Figures]:
    """Figures for all services together, then each configured (or named) service."""
    history = [(s, t) for s, t in store.deploys_since(now - window) if not s.drill]
    records = [r for r in (record_of(s, t, config) for s, t in history) if r is not None]
    if service is not None:
        return [figures(records, now, window, service)]
    names = [s.name for s in config.services]
    names += sorted({r.service for r in records} - set(names))
    return [figures(records, now, window), *(figures(records, now, window, n) for n in names)]


def figures_text(rows: Sequence[Figures]) -> str:
    """Slack text: one block of five lines per service."""
    if not rows:
        return "No services configured."
    days = round((rows[0].until - rows[0].since) / timedelta(days=1))
    lines = [f"*Delivery figures, last {days} days* (DORA 2024; drills excluded)"]
    for row in rows:
        lines.append(f"*{row.service or 'all services'}*")
        lines.extend(f"• {name}: {value}" for name, value in describe(row).items())
    return "\n".join(lines)
