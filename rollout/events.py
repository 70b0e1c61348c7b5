"""What can happen to a deploy (events) and what the shells must do about it (actions)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from rollout import messages

POLICY = "policy"  # the actor recorded when the core itself decides
SYSTEM = "system"  # the actor for timers and deployers

# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Begin the first stage."""

    user: str


@dataclass(frozen=True)
class ChecklistItemDone:
    """A human ticked checklist item `item` of the current stage."""

    user: str
    item: int


@dataclass(frozen=True)
class SmokePassed:
    """The deploy stage's smoke test passed."""

    detail: str = ""


@dataclass(frozen=True)
class SmokeFailed:
    """The deploy stage's smoke test failed."""

    detail: str = ""


@dataclass(frozen=True)
class Confirm:
    """The commander approves moving on from stage `stage` (None: the current one), with an
    optional note for the audit trail and the thread."""

    user: str
    stage: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Hold:
    """Pause the deploy."""

    user: str
    reason: str = ""


@dataclass(frozen=True)
class Resume:
    """Continue a held deploy."""

    user: str


@dataclass(frozen=True)
class Rollback:
    """Return all traffic to `target` (None: the previous version)."""

    user: str
    target: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class JudgeVerdict:
    """A judge's verdict on the current stage."""

    judge: str
    mode: Literal["observe", "recommend", "act"]
    outcome: Literal["pass", "fail", "inconclusive"]
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BakeElapsed:
    """The current traffic stage's bake timer fired."""


@dataclass(frozen=True)
class StabilizationElapsed:
    """The stabilization period ended."""


@dataclass(frozen=True)
class MarkHealthy:
    """During stabilization, the commander says the release is healthy."""

    user: str


@dataclass(frozen=True)
class MarkFaulty:
    """During stabilization, the commander says the release is faulty: roll back."""

    user: str
    reason: str = ""


@dataclass(frozen=True)
class Abort:
    """Stop the deploy."""

    user: str
    reason: str = ""


@dataclass(frozen=True)
class Handoff:
    """Give the deploy to another commander."""

    user: str
    to: str


@dataclass(frozen=True)
class ActionFailed:
    """The world could not carry out an action (a deployer exited non-zero, a 4xx, a timeout)."""

    action: str
    detail: str


@dataclass(frozen=True)
class MetricsUnavailable:
    """The metrics source gave no data for the stage (unreachable, an error, empty or NaN)."""

    reason: str


Event = (
    Start
    | ChecklistItemDone
    | SmokePassed
    | SmokeFailed
    | Confirm
    | Hold
    | Resume
    | Rollback
    | JudgeVerdict
    | BakeElapsed
    | StabilizationElapsed
    | MarkHealthy
    | MarkFaulty
    | Abort
    | Handoff
    | ActionFailed
    | MetricsUnavailable
)

# --- actions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SetTraffic:
    """Route each audience's share (percent) of production traffic to `version`."""

    version: str
    internal: float
    external: float
    mirror: float = 0.0


@dataclass(frozen=True)
class DeployTo:
    """Ship `version` to a non-production environment."""

    environment: str
    version: str


@dataclass(frozen=True)
class RunSmoke:
    """Run the smoke test against an environment; answer with SmokePassed/SmokeFailed."""

    environment: str
    test: str | None


@dataclass(frozen=True)
class StartBake:
    """Schedule BakeElapsed at `until`; judges watch until then."""

    stage: int
    until: datetime


@dataclass(frozen=True)
class StartStabilization:
    """Schedule StabilizationElapsed at `until`."""

    until: datetime


@dataclass(frozen=True)
class AskConfirm:
    """Ask the commander whether to go on from a stage."""

    stage: int
    stage_name: str
    commander: str
    reason: str


@dataclass(frozen=True)
class Notify:
    """Tell the thread message `code` of rollout.messages; `mention` is a user to @-mention."""

    code: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    mention: str | None = None
    level: Literal["info", "warning", "danger", "success"] = "info"

    @property
    def text(self) -> str:
        """The message as plain text."""
        return messages.plain(self.code, self.fields)


@dataclass(frozen=True)
class RollBack:
    """Return production to `to_version` (all audiences) and retire `from_version`."""

    from_version: str
    to_version: str | None


@dataclass(frozen=True)
class SetKillSwitch:
    """Turn a service's kill switch (a feature flag) off, or back on."""

    flag: str
    off: bool


@dataclass(frozen=True)
class Audit:
    """One entry for the append-only audit trail."""

    actor: str
    kind: str
    from_status: str
    to_status: str
    stage: int
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


Action = (
    SetTraffic
    | DeployTo
    | RunSmoke
    | StartBake
    | StartStabilization
    | AskConfirm
    | Notify
    | RollBack
    | SetKillSwitch
    | Audit
)
