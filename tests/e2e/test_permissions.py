"""Only the commander (or an admin) steers a deploy; everyone else is told who can, and audited."""

from __future__ import annotations

import time

from tests.e2e.chat import Chat
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import COMMANDER, STRANGER


def test_a_non_commanders_click_is_refused_by_name_and_audited(
    chat: Chat, store: StoreOracle
) -> None:
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    tick = chat.button(root, "tick", stage=0, item=0)
    deploy_id = tick.value["deploy"]
    before = time.time()

    assert chat.click(tick, STRANGER).status_code == 200

    chat.told(STRANGER, f"<@{COMMANDER}>", "commander", since=before)
    refused = store.wait_event(deploy_id, lambda e: e.kind.startswith("refused:"))
    assert refused.actor == STRANGER and refused.kind == "refused:checklist_item_done"
    assert store.deploy(deploy_id).checklist_done == frozenset()


def test_a_non_commanders_typed_confirm_is_refused_and_audited(
    chat: Chat, store: StoreOracle
) -> None:
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    deploy_id = chat.button(root, "tick", stage=0, item=0).value["deploy"]
    before = time.time()

    assert chat.say(root, "confirm", STRANGER).status_code == 200

    chat.told(STRANGER, f"<@{COMMANDER}>", since=before)
    refused = store.wait_event(deploy_id, lambda e: e.kind.startswith("refused:"))
    assert refused.actor == STRANGER and refused.kind == "refused:confirm"
    assert store.deploy(deploy_id).stage_index == 0
