"""The App Home tab: deploys in flight, recent releases, the commander, and drills."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.blocks.replies import deploy_line, when
from rollout.config import TeamConfig
from rollout.records import ReleaseRecord
from rollout.rotation import Shift
from rollout.state import DeployState
from store.drills import DrillRecord


def home_view(
    active: Sequence[DeployState],
    recent: Sequence[ReleaseRecord],
    commander: Shift | None,
    config: TeamConfig,
    now: datetime,
    drills: Sequence[DrillRecord] = (),
    scores: Sequence[DrillRecord] = (),
) -> dict[str, Any]:
    """The home tab view for views.publish."""
    tz = config.team.tz
    in_flight = "\n".join(deploy_line(d, config, now) for d in active) or "Nothing in flight."
    history = (
        "\n".join(
            f"• {r.service} {r.version}: {r.outcome.replace('_', ' ')}, {when(r.deployed_at, tz)}"
            for r in recent
        )
        or "No releases yet."
    )
    who = (
        f"<@{commander.user}> until {when(commander.end, tz)}"
        if commander
        else "Nobody on the rotation."
    )
    blocks = [
        HeaderBlock(text="Deploy Commander"),
        SectionBlock(text=MarkdownTextObject(text=f"*Commander:* {who}")),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=f"*In flight*\n{in_flight}")),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=f"*Recent releases*\n{history}"[:2900])),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=drills_text(drills, scores, now)[:2900])),
    ]
    return View(type="home", blocks=blocks).to_dict()


def drills_text(drills: Sequence[DrillRecord], scores: Sequence[DrillRecord], now: datetime) -> str:
    """The Drills section: drills in progress, then each trainee's recent scores."""
    from bot.drills.blocks import scorecard_text
    from sim.report import fmt_seconds

    live = [
        f"• {d.id} {d.scenario}: <@{d.commander}> (trainer <@{d.trainer}>),"
        f" {d.status} at {fmt_seconds(d.now_s(now))} drill time"
        for d in drills
    ] or ["No drill in progress."]
    by_trainee: dict[str, list[DrillRecord]] = {}
    for d in scores:
        by_trainee.setdefault(d.commander, []).append(d)
    recent = [
        f"• <@{who}>: "
        + "; ".join(scorecard_text(d.scorecard) for d in done[:3] if d.scorecard is not None)
        for who, done in by_trainee.items()
    ] or ["No scores yet."]
    return "*Drills in progress*\n" + "\n".join(live) + "\n*Recent scores*\n" + "\n".join(recent)


def readiness_block(stale: Sequence[tuple[str, datetime | None]], now: datetime) -> dict[str, Any]:
    """The team's readiness: who has not drilled in 30 days (never, or the days since)."""
    lines = [
        f"• <@{user}>: "
        + ("never drilled" if at is None else f"last drill {(now - at).days} days ago")
        for user, at in stale
    ] or ["Everyone has drilled in the last 30 days."]
    text = "*Readiness: not drilled in 30 days*\n" + "\n".join(lines)
    return SectionBlock(text=MarkdownTextObject(text=text[:2900])).to_dict()
