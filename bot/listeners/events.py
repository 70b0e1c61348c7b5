"""Typed replies in a deploy thread: `confirm`/`go`, `hold`, `resume`, `rollback`; `hold`,
`rollback` and `confirm` may carry a reason or note after the word (`hold smoke test flaky`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.services import Services
from rollout import events as ev
from rollout.errors import CommanderError
from rollout.ports import Conflict
from rollout.state import DeployState

WORDS: dict[str, Callable[[str, str], ev.Event]] = {
    "confirm": lambda user, note: ev.Confirm(user, note=note),
    "go": lambda user, note: ev.Confirm(user),
    "hold": lambda user, reason: ev.Hold(user, reason),
    "resume": lambda user, reason: ev.Resume(user),
    "rollback": lambda user, reason: ev.Rollback(user, reason=reason),
    "roll back": lambda user, reason: ev.Rollback(user, reason=reason),
}
WITH_REASON = ("confirm", "hold", "rollback", "roll back")  # the words a reason may follow
_NOISE = re.compile(r"<@[A-Z0-9]+>|[!.?]+$")
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>")
_SEPARATOR = re.compile(r"^[\s:,—–-]+")


def command_word(text: str) -> str | None:
    """The thread command a message is, if any: "Go!" → "go", "<@bot> hold" → "hold"."""
    found = thread_command(text)
    return found[0] if found else None


def thread_command(text: str) -> tuple[str, str] | None:
    """(word, reason) for a thread command: "hold: smoke flaky" → ("hold", "smoke flaky")."""
    word = _NOISE.sub("", text or "").strip().lower()
    if word in WORDS:
        return word, ""
    rest = _LEADING_MENTION.sub("", text or "").strip()
    for word in sorted(WITH_REASON, key=len, reverse=True):
        head, tail = rest[: len(word)], rest[len(word) :]
        if head.lower() == word and _SEPARATOR.match(tail):
            reason = _SEPARATOR.sub("", tail).strip()
            return (word, reason) if reason else None
    return None


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
        found = thread_command(event.get("text", ""))
        if found is None:
            return
        word, reason = found
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
            reply = _drill_reply(services, deploy, WORDS[word](user, reason))
            if reply:
                services.slack.ephemeral(channel, user, reply, thread_ts)
            return
        try:
            folded = services.deploys.apply(deploy.id, WORDS[word](user, reason))
            reply = f":no_entry: {folded.refusals[0].reason}" if folded.refusals else None
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
