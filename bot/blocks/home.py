"""The App Home tab: deploys in flight, recent releases, and the commander."""

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


def home_view(
    active: Sequence[DeployState],
    recent: Sequence[ReleaseRecord],
    commander: Shift | None,
    config: TeamConfig,
    now: datetime,
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
    ]
    return View(type="home", blocks=blocks).to_dict()
