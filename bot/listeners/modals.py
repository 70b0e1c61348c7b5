"""Hold and Roll back with a reason: the click opens a modal, its submission acts."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackClientError

from bot.blocks.modal import CALLBACK, reason_modal, submitted
from bot.services import Services
from rollout import events as ev
from rollout.errors import CommanderError
from rollout.machine import Refusal, decide
from rollout.ports import Conflict

log = logging.getLogger("commander.modals")
ASKS_WHY = ("hold", "rollback")  # the buttons that open the reason modal


def event_for(action: str, user: str, reason: str) -> ev.Event:
    """The core event a Hold or Roll back (with its reason) is."""
    return ev.Hold(user, reason) if action == "hold" else ev.Rollback(user, reason=reason)


def ask_why(
    services: Services,
    action: str,
    deploy_id: str,
    user: str,
    where: tuple[str, str | None],
    trigger_id: str,
) -> str | None:
    """Open the reason modal, or say why not; acts at once when the modal cannot open."""
    state = services.repo.get(deploy_id)
    if not state.drill:  # a drill's click is checked at drill time, on submission
        now = services.deploys.clock.now()
        check = decide(state, event_for(action, user, ""), now, services.config)
        if isinstance(check, Refusal):  # refused as the act would be: applied, so audited
            return act(services, action, deploy_id, user, "")
    try:
        services.slack.open_view(trigger_id, reason_modal(action, state, *where))
    except (SlackClientError, OSError) as exc:  # an expired trigger must not lose the click
        log.warning(
            "reason modal for %s did not open (%s); acting without a reason", deploy_id, exc
        )
        return act(services, action, deploy_id, user, "")
    return None


def act(services: Services, action: str, deploy_id: str, user: str, reason: str) -> str | None:
    """Hold or roll back with a reason; a refusal's text."""
    event = event_for(action, user, reason)
    state = services.repo.get(deploy_id)
    if state.drill:  # checked by the core at drill time, then applied by the drill's worker
        return services.drills.act(state, event)
    folded = services.deploys.apply(deploy_id, event)
    return f":no_entry: {folded.refusals[0].reason}" if folded.refusals else None


def register(app: App, services: Services) -> None:
    """Listen for the reason modal's submissions."""

    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        user = body["user"]["id"]
        if not services.repo.claim_delivery(
            f"view:{view.get('id')}:{user}", services.deploys.clock.now()
        ):
            return  # a retry of a submission already handled
        try:
            asked = submitted(view)
        except ValueError as exc:
            log.warning("%s", exc)
            return
        try:
            reply = act(services, asked.action, asked.deploy_id, user, asked.reason)
        except (CommanderError, Conflict) as exc:
            reply = str(exc)
        if reply:
            services.slack.ephemeral(asked.channel, user, reply, asked.thread_ts)

    for action in ASKS_WHY:
        app.view(f"{CALLBACK}{action}")(submit)
