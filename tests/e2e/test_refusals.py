"""Every refusal of `/deploy` comes back to the user as a readable message, and nothing moves."""

from __future__ import annotations

from tests.e2e.chat import DEPLOYS, Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.steps import at_first_gate
from tests.e2e.teamconfig import (
    ADMIN,
    COMMANDER,
    STRANGER,
    hours_excluding_now,
    team_config,
    traffic,
)
from tests.slackfake import FakeSlack


def root_cards(fake: FakeSlack, version: str) -> list:
    """Top-level posts in the deploy channel about `version`."""
    return [
        c
        for c in fake.calls("chat.postMessage")
        if c.response.get("channel") == DEPLOYS
        and not c.params.get("thread_ts")
        and version in c.text
    ]


def test_outside_deploy_hours_names_the_window_and_when_it_opens(
    launch: Launch, fake_slack: FakeSlack
) -> None:
    chat = Chat(fake_slack, launch(team_config(hours=hours_excluding_now())))
    reply = chat.reply_to(chat.command("start api 1.0.0"), "outside deploy hours")
    assert "next window opens" in reply
    assert root_cards(fake_slack, "1.0.0") == []


def test_a_freeze_refuses_with_who_set_it_and_why(chat: Chat, fake_slack: FakeSlack) -> None:
    chat.reply_to(chat.command('freeze api --until 30m --reason "db migration"', ADMIN), "api")
    reply = chat.reply_to(chat.command("start api 1.0.0"), "frozen")
    assert "db migration" in reply and f"<@{ADMIN}>" in reply
    assert root_cards(fake_slack, "1.0.0") == []


def test_force_needs_an_admin_and_a_reason_and_an_admin_force_is_shown(
    chat: Chat, fake_slack: FakeSlack
) -> None:
    chat.reply_to(chat.command('freeze all --until 30m --reason "quiet period"', ADMIN), "all")

    by_stranger = chat.command('start api 1.0.0 --force "customer outage"', STRANGER)
    refusal = chat.reply_to(by_stranger, "admin")
    assert f"Only an admin (<@{ADMIN}>) may force a deploy" in refusal
    no_reason = chat.command('start api 1.0.0 --force ""', ADMIN)
    chat.reply_to(no_reason, "--force", "reason")
    no_value = chat.command("start api 1.0.0 --force", ADMIN)
    chat.reply_to(no_value, "--force", "usage")
    assert root_cards(fake_slack, "1.0.0") == []

    chat.command('start api 1.0.0 --force "customer outage"', ADMIN)
    root = chat.root_card("api", "1.0.0")
    chat.in_thread(root, "forced", "customer outage")


def test_another_deploy_of_the_same_service_in_flight(chat: Chat, fake_slack: FakeSlack) -> None:
    chat.command("start api 1.0.0")
    chat.root_card("api", "1.0.0")
    reply = chat.reply_to(chat.command("start api 1.0.1"), "in flight")
    assert "1.0.0" in reply
    assert root_cards(fake_slack, "1.0.1") == []


def test_a_dependency_mid_deploy(chat: Chat, fake_slack: FakeSlack) -> None:
    chat.command("start db-proxy 7.0.0")
    chat.root_card("db-proxy", "7.0.0")
    chat.reply_to(chat.command("start api 1.0.0"), "depends on db-proxy", "mid-deploy")
    assert root_cards(fake_slack, "1.0.0") == []


def test_a_service_stabilizing_after_a_release(launch: Launch, fake_slack: FakeSlack) -> None:
    one_stage = [traffic("100%", 100, bake="1s", gate="auto")]
    chat = Chat(fake_slack, launch(team_config(plan=one_stage, stabilization="10m")))
    chat.command("start api 1.0.0")
    chat.card_shows(chat.root_card("api", "1.0.0"), "stabilizing")
    chat.reply_to(chat.command("start api 1.0.1"), "stabilizing", "1.0.0")
    assert root_cards(fake_slack, "1.0.1") == []


def test_a_rollback_to_a_release_that_is_not_rollback_safe_offers_the_alternatives(
    launch: Launch, fake_slack: FakeSlack
) -> None:
    one_stage = [traffic("100%", 100, bake="1s", gate="auto")]
    chat = Chat(fake_slack, launch(team_config(plan=one_stage, stabilization="1s")))
    for version in ("1.0.0", "2.0.0"):  # ledger's releases are not rollback-safe
        chat.command(f"start ledger {version}")
        chat.card_shows(chat.root_card("ledger", version), "completed")

    reply = chat.reply_to(chat.command("rollback ledger 1.0.0"), "not rollback-safe")
    assert "kill switch" in reply.lower() and "roll forward" in reply.lower()


def test_a_malformed_command_explains_itself_and_shows_the_right_form(chat: Chat) -> None:
    missing = chat.reply_to(chat.command("start api"), "service and a version")
    assert "/deploy start <service> <version>" in missing
    chat.reply_to(chat.command("launch api 1.0"), "unknown command", "/deploy help")
    chat.reply_to(chat.command('freeze api --reason "x"'), "--until", "usage")


def test_a_click_on_a_stage_already_past_is_answered_as_stale(
    chat: Chat, store: StoreOracle
) -> None:
    root, deploy_id = at_first_gate(chat, store, "1.0.0")
    stage_zero = chat.button(root, "confirm", stage=0)
    chat.click(stage_zero)
    store.wait(deploy_id, lambda d: d.stage_index == 1)

    chat.click(stage_zero)
    chat.told(COMMANDER, "stale", "already past")
    assert len(store.events(deploy_id, "confirm")) == 1
