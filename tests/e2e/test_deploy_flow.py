"""A whole deploy through Slack: /deploy start, the checklist, staging, the traffic stages,
100% and stabilization, confirmed with buttons and with typed replies in the thread."""

from __future__ import annotations

from tests.e2e.chat import Chat
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import COMMANDER


def test_a_deploy_goes_from_start_to_stabilization_by_buttons_and_typed_replies(
    chat: Chat, store: StoreOracle
) -> None:
    sent = chat.command("start api 1.2.3")
    assert sent.response.status_code == 200
    root = chat.root_card("api", "1.2.3")
    assert "running" in root.text.lower() or "created" in root.text.lower()

    first = chat.button(root, "tick", stage=0, item=0)
    deploy_id = first.value["deploy"]
    assert chat.click(first).status_code == 200
    store.wait(deploy_id, lambda d: 0 in d.checklist_done)
    assert chat.click(chat.button(root, "tick", stage=0, item=1)).status_code == 200
    store.awaiting_confirm(deploy_id, 0)
    assert chat.click(chat.button(root, "confirm", stage=0)).status_code == 200

    store.awaiting_confirm(deploy_id, 1)  # the log deployer shipped staging; smoke passed
    assert chat.say(root, "confirm").status_code == 200
    chat.in_thread(root, "canary")

    store.awaiting_confirm(deploy_id, 2)  # the canary baked for 2 s
    assert chat.say(root, "go").status_code == 200
    chat.in_thread(root, "100%")

    store.awaiting_confirm(deploy_id, 3)
    assert chat.click(chat.button(root, "confirm", stage=3)).status_code == 200

    chat.card_shows(root, "stabilizing")
    chat.button(root, "healthy")
    chat.button(root, "faulty")
    chat.card_shows(root, "completed", timeout=20)  # the 3 s stabilization period ended

    confirmations = store.events(deploy_id, "confirm")
    assert [e.stage for e in confirmations] == [1, 2, 3, 3]  # stage entered after each gate
    assert {e.actor for e in confirmations} == {COMMANDER}
    assert store.deploy(deploy_id).status == "completed"


def test_the_commander_is_mentioned_and_every_stage_shows_in_the_thread(
    chat: Chat, store: StoreOracle
) -> None:
    chat.command("start api 2.0.0")
    root = chat.root_card("api", "2.0.0")
    chat.in_thread(root, f"<@{COMMANDER}>")
    chat.in_thread(root, "release-branch")
    for action_id in ("confirm", "hold", "rollback"):
        assert chat.button(root, action_id).value["deploy"]


def test_status_and_history_answer_in_slack(chat: Chat, store: StoreOracle) -> None:
    chat.command("start api 3.0.0")
    chat.root_card("api", "3.0.0")
    assert "3.0.0" in chat.reply_to(chat.command("status"), "api")
    chat.reply_to(chat.command("help"), "/deploy start", "/deploy freeze", "/deploy notice")
    chat.reply_to(chat.command("who"), COMMANDER)
