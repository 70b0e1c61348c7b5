"""The `/deploy` slash command: ack at once, then reply through the command's response_url."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.commands import Caller
from bot.parsing import parse_command
from bot.services import Services
from rollout.errors import CommanderError
from rollout.ports import Conflict


def register(app: App, services: Services) -> None:
    """Listen for /deploy."""

    def deploy(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        # Slack gives up after 3 s; a slow user group lookup or database must not make the
        # command fail, so the ack goes first and the answer follows on the response_url.
        ack()
        caller = Caller(command["user_id"], command.get("channel_id", ""))
        try:
            cmd = parse_command(
                command.get("text", ""), services.deploys.clock.now(), services.config.team.tz
            )
            text = services.commands.run(cmd, caller)
        except (CommanderError, Conflict) as exc:
            text = f":warning: {exc}"
        respond(text=text, response_type="ephemeral")

    app.command("/deploy")(deploy)
