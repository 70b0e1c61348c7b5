"""A commander's decisions at simulated times: what a drill records and a replay feeds back.

The format (JSON) is a list of objects, oldest first:
    {"at_s": 312.5, "kind": "rollback", "user": "U123", "stage": 3, "item": null, "reason": ""}
`at_s` is simulated seconds since the drill's start; `kind` is the core's event name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from rollout import events as ev
from rollout.errors import ConfigError
from rollout.parsing import json_list, validate

Kind = Literal[
    "checklist_item_done",
    "confirm",
    "hold",
    "resume",
    "rollback",
    "abort",
    "mark_healthy",
    "mark_faulty",
]


class Decision(BaseModel):
    """One thing the commander did, and when (simulated seconds since the start)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at_s: Annotated[float, Field(ge=0, description="Simulated seconds since the drill began")]
    kind: Kind = Field(description="The core event the commander sent")
    user: str = Field(description="Slack user id of whoever decided")
    stage: int | None = Field(None, description="The stage a confirm was for (0-based)")
    item: int | None = Field(None, description="The checklist item ticked (0-based)")
    reason: str = Field("", description="Free text the commander gave")

    def event(self) -> ev.Event:
        """The core event this decision sends."""
        match self.kind:
            case "checklist_item_done":
                return ev.ChecklistItemDone(self.user, self.item or 0)
            case "confirm":
                return ev.Confirm(self.user, self.stage)
            case "hold":
                return ev.Hold(self.user, self.reason)
            case "resume":
                return ev.Resume(self.user)
            case "rollback":
                return ev.Rollback(self.user, reason=self.reason)
            case "abort":
                return ev.Abort(self.user, self.reason)
            case "mark_healthy":
                return ev.MarkHealthy(self.user)
            case "mark_faulty":
                return ev.MarkFaulty(self.user, self.reason)


Decisions = TypeAdapter(list[Decision])


def decision_for(event: ev.Event, at_s: float) -> Decision | None:
    """The decision a person's event records, or None for events people do not send."""
    match event:
        case ev.ChecklistItemDone(user, item):
            return Decision(at_s=at_s, kind="checklist_item_done", user=user, item=item)
        case ev.Confirm(user, stage):
            return Decision(at_s=at_s, kind="confirm", user=user, stage=stage)
        case ev.Hold(user, reason) | ev.Abort(user, reason) | ev.MarkFaulty(user, reason):
            kind = {ev.Hold: "hold", ev.Abort: "abort", ev.MarkFaulty: "mark_faulty"}
            return Decision.model_validate(
                {"at_s": at_s, "kind": kind[type(event)], "user": user, "reason": reason}
            )
        case ev.Rollback(user, _, reason):
            return Decision(at_s=at_s, kind="rollback", user=user, reason=reason)
        case ev.Resume(user):
            return Decision(at_s=at_s, kind="resume", user=user)
        case ev.MarkHealthy(user):
            return Decision(at_s=at_s, kind="mark_healthy", user=user)
    return None


def dumps(decisions: Sequence[Decision]) -> str:
    """The decisions as pretty JSON."""
    return json.dumps([d.model_dump() for d in decisions], indent=2) + "\n"


def loads(text: str, source: str) -> list[Decision]:
    """Decisions from JSON text; a bad file names the source, the index and the key."""
    data = json_list(text, source, "decisions")
    decisions = [validate(Decision, item, f"{source}: [{i}]") for i, item in enumerate(data)]
    times = [d.at_s for d in decisions]
    if times != sorted(times):
        raise ConfigError(f"{source}: decisions must be in time order (at_s never decreases)")
    return decisions
