"""The `/deploy` slash command: parse, one service call, reply in the immediate response."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.commands import Caller
from bot.parsing import parse_command
from bot.services import Services
from rollout.errors import CommanderError
from rollout.ports import Conflict


def register(app: App, services: Services) -> None:
    """Listen for /deploy."""

    def deploy(ack: Ack, command: dict[str, Any]) -> None:
        # The reply is the ack body itself (not a later post) so the user sees it at once;
        # every command answers well within Slack's 3 s: long work is queued by the services.
        caller = Caller(command["user_id"], command.get("channel_id", ""))
        try:
            cmd = parse_command(
                command.get("text", ""), services.deploys.clock.now(), services.config.team.tz
            )
            text = services.commands.run(cmd, caller)
        except (CommanderError, Conflict) as exc:
            text = f":warning: {exc}"
        ack(text=text, response_type="ephemeral")

    app.command("/deploy")(deploy)
