"""A deploy's state, as one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

Status = Literal[
    "created",  # recorded, not started
    "running",  # working through a stage
    "held",  # paused by the commander or a judge; waits for resume or rollback
    "stabilizing",  # at 100%, watched for the stabilization period
    "completed",  # terminal: released
    "rolled_back",  # terminal: the previous version serves all traffic
    "aborted",  # terminal: stopped before any rollout
]

# Within a running stage, where it stands.
Phase = Literal[
    "checklist",  # items to tick
    "deploying",  # deployer and smoke test running
    "baking",  # traffic set, judges watching until bake_until
    "awaiting_confirm",  # the gate: the commander may go to the next stage
]

TERMINAL: frozenset[str] = frozenset({"completed", "rolled_back", "aborted"})


@dataclass(frozen=True)
class Exposure:
    """The share of each audience's traffic on the new version, in percent."""

    internal: float = 0.0
    external: float = 0.0
    mirror: float = 0.0

    @property
    def any(self) -> bool:
        """True when any real user traffic reaches the new version."""
        return self.internal > 0 or self.external > 0


@dataclass(frozen=True)
class DeployState:
    """Everything the core knows about one deploy."""

    id: str
    service: str
    version: str
    previous_version: str | None
    commander: str
    plan_name: str = "default"
    status: Status = "created"
    phase: Phase | None = None
    stage_index: int = 0
    checklist_done: frozenset[int] = frozenset()
    exposure: Exposure = Exposure()
    authorized_percent: float = 0.0  # the percent of the stage last entered by a gate
    bake_until: datetime | None = None
    stabilize_until: datetime | None = None
    held_phase: Phase | None = None
    hold_reason: str | None = None
    verdicts: tuple[tuple[str, str], ...] = ()  # latest (judge, outcome) in this stage
    hotfix: bool = False
    major: bool = False
    drill: bool = False
    forced_reason: str | None = None
    rollback_target: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    stage_started_at: datetime | None = None
    meta: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def finished(self) -> bool:
        """True once the deploy can no longer change."""
        return self.status in TERMINAL

    @property
    def previous_rollback_safe(self) -> bool:
        """False when the release this deploy replaces is marked not rollback-safe."""
        return dict(self.meta).get("previous_rollback_safe") is not False

    @property
    def in_flight(self) -> bool:
        """True while the deploy occupies its service (not yet terminal or stabilizing)."""
        return self.status in {"created", "running", "held"}

    def evolve(self, **changes: Any) -> DeployState:
        """A copy with some fields changed."""
        return replace(self, **changes)
