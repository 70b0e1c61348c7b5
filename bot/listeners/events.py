"""Typed replies in a deploy thread: `confirm`/`go`, `hold`, `resume`, `rollback`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.blocks.words import slack_text
from bot.services import Services
from rollout import events as ev
from rollout.errors import CommanderError
from rollout.ports import Conflict
from rollout.state import DeployState

WORDS: dict[str, Callable[[str], ev.Event]] = {
    "confirm": lambda user: ev.Confirm(user),
    "go": lambda user: ev.Confirm(user),
    "hold": lambda user: ev.Hold(user),
    "resume": lambda user: ev.Resume(user),
    "rollback": lambda user: ev.Rollback(user),
    "roll back": lambda user: ev.Rollback(user),
}
_NOISE = re.compile(r"<@[A-Z0-9]+>|[!.?]+$")


def command_word(text: str) -> str | None:
    """The thread command a message is, if any: "Go!" → "go", "<@bot> hold" → "hold"."""
    word = _NOISE.sub("", text or "").strip().lower()
    return word if word in WORDS else None


def register(app: App, services: Services) -> None:
    """Listen for replies in deploy threads."""
    repo = services.repo
    deploy_channel = services.config.team.deploy_channel

    def message(body: dict[str, Any], event: dict[str, Any]) -> None:
        thread_ts = event.get("thread_ts")
        if (
            event.get("subtype")
            or event.get("bot_id")
            or not thread_ts
            or thread_ts == event.get("ts")
        ):
            return
        word = command_word(event.get("text", ""))
        if word is None:
            return
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        if not repo.claim_delivery(f"event:{event_id}", services.deploys.clock.now()):
            return  # Slack retried a delivery already handled
        channel, user = event["channel"], event["user"]
        deploy = repo.find_by_thread(channel, thread_ts) or repo.find_by_thread(
            deploy_channel, thread_ts
        )
        if deploy is None:
            return
        if deploy.drill:  # checked by the core at drill time, then applied by the drill's worker
            reply = _drill_reply(services, deploy, WORDS[word](user))
            if reply:
                services.slack.ephemeral(channel, user, reply, thread_ts)
            return
        try:
            folded = services.deploys.apply(deploy.id, WORDS[word](user))
            reply = (
                f":no_entry: {slack_text(folded.refusals[0].reason)}" if folded.refusals else None
            )
        except (CommanderError, Conflict) as exc:
            reply = str(exc)
        if reply:
            services.slack.ephemeral(channel, user, reply, thread_ts)

    app.event("message")(message)


def _drill_reply(services: Services, deploy: DeployState, event: ev.Event) -> str | None:
    try:
        return services.drills.act(deploy, event)
    except (CommanderError, Conflict) as exc:
        return str(exc)
