"""A judge in act mode rolls a bad canary back by itself, and says so in the thread and card."""

from __future__ import annotations

from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import (
    BAD_CANARY,
    COMMANDER,
    ROLL_BACK_ON_ERRORS,
    team_config,
    traffic,
)
from tests.slackfake import FakeSlack


def test_a_failing_act_judge_rolls_back_and_mentions_the_commander(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    config = team_config(
        plan=[traffic("canary", 10, bake="10m"), traffic("100%", 100)],
        api_metrics=BAD_CANARY,
        judges=ROLL_BACK_ON_ERRORS,
    )
    chat = Chat(fake_slack, launch(config))
    chat.command("start api 6.6.6")
    root = chat.root_card("api", "6.6.6")

    chat.in_thread(root, "rolled back", f"<@{COMMANDER}>", timeout=30)
    chat.card_shows(root, "rolled back")

    deploy_id = chat.button(root, "rollback").value["deploy"]
    deploy = store.deploy(deploy_id)
    assert deploy.status == "rolled_back" and deploy.stage_index == 0  # the bake never ended
    verdict = store.wait_event(deploy_id, lambda e: e.to_status == "rolled_back")
    assert verdict.actor == "policy" and "sequential" in verdict.reason


def test_a_healthy_canary_is_not_rolled_back(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    config = team_config(
        plan=[traffic("canary", 10, bake="2s"), traffic("100%", 100)], judges=ROLL_BACK_ON_ERRORS
    )
    chat = Chat(fake_slack, launch(config))
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    deploy_id = chat.button(root, "rollback").value["deploy"]

    store.awaiting_confirm(deploy_id, 0)
    assert store.deploy(deploy_id).status == "running"
    assert ("sequential", "fail") not in store.deploy(deploy_id).verdicts
