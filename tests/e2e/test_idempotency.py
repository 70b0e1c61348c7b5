"""Slack's retries and people's double clicks never advance a deploy twice."""

from __future__ import annotations

from tests.e2e.botserver import BotServer
from tests.e2e.chat import Chat
from tests.e2e.oracle import StoreOracle
from tests.e2e.steps import at_first_gate, click_together, click_together_each
from tests.e2e.teamconfig import COMMANDER
from tests.slackclient import message_event


def test_a_retried_confirm_event_advances_the_deploy_once(
    chat: Chat, bot: BotServer, store: StoreOracle
) -> None:
    root, deploy_id = at_first_gate(chat, store, "1.0.0")
    confirm = message_event(
        "confirm",
        COMMANDER,
        channel=root.response["channel"],
        thread_ts=root.response["ts"],
        event_id="Ev0RETRIED1",
    )

    assert bot.slack.send(confirm).status_code == 200
    store.awaiting_confirm(deploy_id, 1)  # where a second confirm would advance again
    for attempt in (1, 2, 3):
        assert bot.slack.send(confirm, retry_num=attempt).status_code == 200

    assert chat.say(root, "hold").status_code == 200  # a later, new event goes through
    store.wait(deploy_id, lambda d: d.status == "held")
    assert len(store.events(deploy_id, "confirm")) == 1
    assert store.events(deploy_id, "refused:confirm") == []
    assert store.deploy(deploy_id).stage_index == 1


def test_a_double_click_advances_the_deploy_once(
    chat: Chat, bot: BotServer, store: StoreOracle
) -> None:
    root, deploy_id = at_first_gate(chat, store, "1.0.0")
    confirm = chat.button(root, "confirm", stage=0)

    statuses = click_together(chat, confirm, [bot, bot], action_ts="1712000000.123456")

    assert statuses == [200, 200]
    store.awaiting_confirm(deploy_id, 1)
    assert len(store.events(deploy_id, "confirm")) == 1
    assert store.deploy(deploy_id).stage_index == 1


def test_two_checklist_items_ticked_at_once_are_both_recorded(
    chat: Chat, bot: BotServer, store: StoreOracle
) -> None:
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    ticks = [chat.button(root, "tick", stage=0, item=i) for i in (0, 1)]

    statuses = click_together_each(chat, ticks, bot)

    assert statuses == [200, 200]
    store.awaiting_confirm(ticks[0].value["deploy"], 0)
