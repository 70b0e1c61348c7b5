"""Multi-step moves shared by several e2e tests."""

from __future__ import annotations

import threading

from tests.e2e.botserver import BotServer
from tests.e2e.chat import Button, Chat
from tests.e2e.oracle import StoreOracle
from tests.slackfake import Call


def at_first_gate(chat: Chat, store: StoreOracle, version: str) -> tuple[Call, str]:
    """Start a deploy of api and tick its checklist, so stage 0 waits for Confirm."""
    chat.command(f"start api {version}")
    root = chat.root_card("api", version)
    first = chat.button(root, "tick", stage=0, item=0)
    chat.click(first)
    store.wait(first.value["deploy"], lambda d: 0 in d.checklist_done)  # one click at a time
    chat.click(chat.button(root, "tick", stage=0, item=1))
    store.awaiting_confirm(first.value["deploy"], 0)
    return root, first.value["deploy"]


def click_together(chat: Chat, button: Button, bots: list[BotServer], action_ts: str) -> list[int]:
    """The same click payload sent to each bot at the same moment; their HTTP statuses."""
    return clicks_at_once(chat, [(button, bot) for bot in bots], action_ts)


def click_together_each(chat: Chat, buttons: list[Button], bot: BotServer) -> list[int]:
    """Different buttons clicked at the same moment on one bot; their HTTP statuses."""
    return clicks_at_once(chat, [(button, bot) for button in buttons])


def clicks_at_once(
    chat: Chat, clicks: list[tuple[Button, BotServer]], action_ts: str | None = None
) -> list[int]:
    """Send every (button, bot) click at the same moment, from one thread each."""
    start = threading.Barrier(len(clicks))
    statuses: list[int] = [0] * len(clicks)

    def click(i: int) -> None:
        button, bot = clicks[i]
        start.wait()
        statuses[i] = chat.click(button, action_ts=action_ts, bot=bot).status_code

    threads = [threading.Thread(target=click, args=(i,)) for i in range(len(clicks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses
