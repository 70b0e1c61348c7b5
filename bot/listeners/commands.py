"""The `/deploy` slash command: ack at once, then reply through the command's response_url."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.commands import Caller
from bot.edge import outgoing
from bot.grammar.deploy import parse_command
from bot.services import Services
from rollout.errors import CommanderError
from rollout.ports import Conflict

log = logging.getLogger("commander.commands")
# Few threads on purpose: under a burst, commands queue here instead of competing for the GIL
# with the acks (each runnable thread can delay an ack by a switch interval).
COMMAND_THREADS = 4


def register(app: App, services: Services) -> None:
    """Listen for /deploy."""
    pool = ThreadPoolExecutor(max_workers=COMMAND_THREADS, thread_name_prefix="commander-cmd")

    def deploy(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        # Slack gives up after 3 s; a slow user group lookup or database must not make the
        # command fail, so the ack goes first and the answer follows on the response_url.
        ack()
        pool.submit(answer, services, command, respond).add_done_callback(_log_failure)

    app.command("/deploy")(deploy)


def answer(services: Services, command: dict[str, Any], respond: Respond) -> None:
    """Run the command and post its reply, only to the caller, on the response_url."""
    caller = Caller(command["user_id"], command.get("channel_id", ""))
    try:
        cmd = parse_command(
            command.get("text", ""), services.deploys.clock.now(), services.config.team.tz
        )
        text = services.commands.run(cmd, caller)
    except (CommanderError, Conflict) as exc:
        text = f":warning: {exc}"
    respond(text=outgoing.reply(text), response_type="ephemeral")


def _log_failure(future: Future[None]) -> None:
    error = future.exception()
    if error is not None:
        log.error("answering a /deploy command failed", exc_info=error)
