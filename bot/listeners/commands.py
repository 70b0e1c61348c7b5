"""The `/deploy` slash command: store it, ack, then carry it out from the store (bot/inbox.py)
and reply through the command's response_url."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App

from bot.services import Services

log = logging.getLogger("commander.commands")
# Few threads on purpose: under a burst, commands queue here instead of competing for the GIL
# with the acks (each runnable thread can delay an ack by a switch interval).
COMMAND_THREADS = 4


def register(app: App, services: Services) -> None:
    """Listen for /deploy."""
    pool = ThreadPoolExecutor(max_workers=COMMAND_THREADS, thread_name_prefix="commander-cmd")
    inbox = services.inbox

    def deploy(ack: Ack, command: dict[str, Any]) -> None:
        # Stored before the ack, so a crash after it loses nothing; Slack gives up after 3 s,
        # so the command itself runs after the ack and answers on the response_url.
        received = inbox.receive(command)
        ack()
        pool.submit(inbox.take, received).add_done_callback(_log_failure)

    app.command("/deploy")(deploy)


def _log_failure(future: Future[None]) -> None:
    error = future.exception()
    if error is not None:
        log.error("answering a /deploy command failed", exc_info=error)
