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
    chat.click(chat.button(root, "tick", stage=0, item=1))
    store.awaiting_confirm(first.value["deploy"], 0)
    return root, first.value["deploy"]


def click_together(chat: Chat, button: Button, bots: list[BotServer], action_ts: str) -> list[int]:
    """The same click payload sent to each bot at the same moment; their HTTP statuses."""
    start = threading.Barrier(len(bots))
    statuses: list[int] = [0] * len(bots)

    def click(i: int) -> None:
        start.wait()
        statuses[i] = chat.click(button, action_ts=action_ts, bot=bots[i]).status_code

    threads = [threading.Thread(target=click, args=(i,)) for i in range(len(bots))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses
