"""Button clicks in a deploy thread: each becomes one core event, applied at most once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.blocks.killswitch import ACTION_ID as KILL_SWITCH
from bot.listeners.modals import ASKS_WHY, ask_why
from bot.services import Services
from bot.trains import ROLLBACK_FRONT
from rollout import events as ev
from rollout.errors import CommanderError
from rollout.ports import Conflict

Value = dict[str, Any]
EVENTS: dict[str, Callable[[str, Value], ev.Event]] = {
    "confirm": lambda user, v: ev.Confirm(user, stage=int(v["stage"])),
    "hold": lambda user, v: ev.Hold(user),  # with a trigger_id, a modal asks the reason first
    "resume": lambda user, v: ev.Resume(user),
    "rollback": lambda user, v: ev.Rollback(user),
    "tick": lambda user, v: ev.ChecklistItemDone(user, int(v["item"])),
    "healthy": lambda user, v: ev.MarkHealthy(user),
    "faulty": lambda user, v: ev.MarkFaulty(user),
}


def where(body: dict[str, Any]) -> tuple[str, str | None]:
    """The channel and thread a click came from."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
    return str(channel), message.get("thread_ts") or message.get("ts")


def register(app: App, services: Services) -> None:
    """Listen for the deploy buttons."""
    repo = services.repo

    def click(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user = body["user"]["id"]
        moment = action.get("action_ts") or body.get("trigger_id")
        key = f"action:{moment}:{user}:{action['action_id']}"
        if not repo.claim_delivery(key, services.deploys.clock.now()):
            return  # a retry of a click already handled (here or by another replica)
        channel, thread_ts = where(body)
        try:
            reply = _apply(services, action, user, body)
        except (CommanderError, Conflict) as exc:
            reply = str(exc)
        if reply:
            services.slack.ephemeral(channel, user, reply, thread_ts)

    for action_id in (*EVENTS, "why"):
        app.action(action_id)(click)
    for prefix in (KILL_SWITCH, ROLLBACK_FRONT):  # one button per flag or front end
        app.action(re.compile(f"^{prefix}:"))(click)


def _apply(
    services: Services, action: dict[str, Any], user: str, body: dict[str, Any]
) -> str | None:
    """Apply the click; the text to show only the clicker, if any."""
    try:
        value = json.loads(action.get("value") or "{}")
        deploy_id = str(value["deploy"])
    except (ValueError, KeyError, TypeError):
        return "That button is malformed; use the buttons in the latest message of the thread."
    if action["action_id"] in ASKS_WHY and body.get("trigger_id"):  # a modal asks the reason
        trigger = str(body["trigger_id"])
        return ask_why(services, action["action_id"], deploy_id, user, where(body), trigger)
    if action["action_id"] == "why":
        return services.commands.why(deploy_id)
    if action["action_id"].startswith(f"{KILL_SWITCH}:"):
        flag = str(value.get("flag", ""))
        services.kills.flip(
            flag, True, user, "turned off from the deploy thread", action="Turn off (kill switch)"
        )
        return None
    if action["action_id"].startswith(f"{ROLLBACK_FRONT}:"):
        return services.trains.roll_back_front(deploy_id, user)
    event = EVENTS[action["action_id"]](user, value)
    state = services.repo.get(deploy_id)
    if state.drill:  # checked by the core at drill time, then applied by the drill's worker
        return services.drills.act(state, event)
    folded = services.deploys.apply(deploy_id, event)
    return f":no_entry: {folded.refusals[0].reason}" if folded.refusals else None
