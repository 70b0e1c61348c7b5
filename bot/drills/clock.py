"""The fair clock: a drill's simulated time waits for Slack to show each question.

Simulated time is `clock_s + (wall - clock_at) x rate` (store.drills.DrillRecord.now_s). The
rate is the drill's speed between questions; 0 from the moment the core asks the trainee
something (a gate's confirm, a judge's hold) until the question's post is sent to Slack; then
the trainer's reaction scale (one wall second is one simulated second by default) until the
trainee answers. So the trainee is scored on decisions, never on the bot's latency. Each
change re-anchors the clock; the drill's data (decisions at simulated times) is unchanged, so
replays give the same figures.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from store.drills import DrillRecord

CLOCK_FIELDS = ("clock_s", "clock_at", "clock_rate", "asking", "reactions")


def asked(drill: DrillRecord, question: str, at_s: float, now: datetime) -> DrillRecord:
    """A question was asked at `at_s`: freeze the clock there until Slack shows it."""
    if drill.asking is not None:
        return drill  # the open question is still the one to answer
    asking = {"question": question, "at_s": at_s, "shown_at": None}
    return replace(drill, clock_s=at_s, clock_at=now, clock_rate=0.0, asking=asking)


def waiting(drill: DrillRecord) -> bool:
    """True while the open question has not been shown in Slack yet."""
    return drill.asking is not None and drill.asking.get("shown_at") is None


def shown(drill: DrillRecord, at: datetime) -> DrillRecord:
    """Slack showed the open question at `at`: the clock runs at the reaction scale from then."""
    assert drill.asking is not None
    at = max(at, drill.clock_at or at)  # never before the question was asked
    asking = {**drill.asking, "shown_at": at.isoformat()}
    return replace(
        drill, clock_s=drill.now_s(at), clock_at=at, clock_rate=drill.reaction_scale,
        asking=asking,
    )  # fmt: skip


def as_shown(drill: DrillRecord, sent_at: datetime | None) -> DrillRecord:
    """The drill with its open question shown, if Slack has taken it (`sent_at`)."""
    return shown(drill, sent_at) if waiting(drill) and sent_at is not None else drill


def answered(drill: DrillRecord, kind: str, at_s: float, wall: datetime) -> DrillRecord:
    """The trainee answered at simulated `at_s`, wall-clock `wall`: back to the drill's speed."""
    if drill.asking is None:
        return drill
    shown_at = drill.asking.get("shown_at")
    wall_s = (wall - datetime.fromisoformat(shown_at)).total_seconds() if shown_at else 0.0
    reaction = {
        "question": drill.asking["question"],
        "asked_s": drill.asking["at_s"],
        "answer": kind,
        "answered_s": at_s,
        "wall_s": round(max(wall_s, 0.0), 3),
    }
    return replace(
        drill, clock_s=at_s, clock_at=wall, clock_rate=None, asking=None,
        reactions=[*drill.reactions, reaction],
    )  # fmt: skip


def changes(before: DrillRecord, after: DrillRecord) -> dict[str, Any]:
    """The clock's columns that changed, to save with the drill's progress."""
    return {
        name: getattr(after, name)
        for name in CLOCK_FIELDS
        if getattr(after, name) != getattr(before, name)
    }
