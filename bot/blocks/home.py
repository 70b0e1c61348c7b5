"""The App Home tab: deploys in flight, recent releases, the commander, and drills."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.blocks.kit import Block, divider, header, section
from bot.blocks.replies import deploy_line, when
from rollout.config import TeamConfig
from rollout.records import ReleaseRecord
from rollout.rotation import Shift
from rollout.state import DeployState
from store.drills import DrillRecord

HOME_BLOCKS = 100


def home_view(
    active: Sequence[DeployState],
    recent: Sequence[ReleaseRecord],
    commander: Shift | None,
    config: TeamConfig,
    now: datetime,
    drills: Sequence[DrillRecord] = (),
    scores: Sequence[DrillRecord] = (),
    stale: Sequence[tuple[str, datetime | None]] = (),
) -> dict[str, Any]:
    """The home tab view for views.publish."""
    tz = config.team.tz
    in_flight = [section(deploy_line(d, config, now)) for d in active] or [
        section("Nothing in flight.")
    ]
    history = (
        "\n".join(
            f"• {r.service} {r.version}: {r.outcome.replace('_', ' ')}, {when(r.deployed_at, tz)}"
            for r in recent
        )
        or "No releases yet."
    )
    who = (
        f"@{commander.user} until {when(commander.end, tz)}"
        if commander
        else "Nobody on the rotation."
    )
    head: list[Block] = [
        header("Deploy Commander"),
        section(f"*Commander:* {who}"),
        divider(),
        section("*In flight*"),
    ]
    tail: list[Block] = [
        divider(),
        section(f"*Recent releases*\n{history}"),
        divider(),
        section(drills_text(drills, scores, now)),
        section(readiness_text(stale, now)),
    ]
    # One section per deploy, each cut on its own; past the Home's 100 blocks, "and N more".
    room = HOME_BLOCKS - len(head) - len(tail) - 1
    if len(in_flight) > room + 1:
        more = len(in_flight) - room
        in_flight = [*in_flight[:room], section(f"…and {more} more: see `/deploy status`")]
    return {"type": "home", "blocks": [*head, *in_flight, *tail]}


def drills_text(drills: Sequence[DrillRecord], scores: Sequence[DrillRecord], now: datetime) -> str:
    """The Drills section: drills in progress, then each trainee's recent scores."""
    from bot.drills.blocks import scorecard_text
    from sim.report import fmt_seconds

    live = [
        f"• {d.id} {d.scenario}: @{d.commander} (trainer @{d.trainer}),"
        f" {d.status} at {fmt_seconds(d.now_s(now))} drill time"
        for d in drills
    ] or ["No drill in progress."]
    by_trainee: dict[str, list[DrillRecord]] = {}
    for d in scores:
        by_trainee.setdefault(d.commander, []).append(d)
    recent = [
        f"• @{who}: "
        + "; ".join(scorecard_text(d.scorecard) for d in done[:3] if d.scorecard is not None)
        for who, done in by_trainee.items()
    ] or ["No scores yet."]
    return "*Drills in progress*\n" + "\n".join(live) + "\n*Recent scores*\n" + "\n".join(recent)


def readiness_text(stale: Sequence[tuple[str, datetime | None]], now: datetime) -> str:
    """The team's readiness: who has not drilled in 30 days (never, or the days since)."""
    lines = [
        f"• @{user}: "
        + ("never drilled" if at is None else f"last drill {(now - at).days} days ago")
        for user, at in stale
    ] or ["Everyone has drilled in the last 30 days."]
    return "*Readiness: not drilled in 30 days*\n" + "\n".join(lines)
