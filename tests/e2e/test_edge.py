"""Issue 16 replayed on the running bot against the fake Slack, which refuses what Slack
refuses: long names, hostile reasons, typed reasons and the reason modal."""

from __future__ import annotations

import time

from tests.e2e.agreement import wait_agreed
from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import ADMIN, COMMANDER, GOOD_METRICS, STRANGER, team_config
from tests.slackfake import FakeSlack

SERVICE = "s" * 60
VERSION = "1." + "9" * 135
EVIL = "<!channel> urgent & <https://evil.example/login|log in here>"
ESCAPED = "&lt;!channel&gt; urgent &amp; &lt;https://evil.example/login|log in here&gt;"


def refused(fake: FakeSlack) -> list[str]:
    """Every call the fake Slack refused (it answers like Slack: ok false)."""
    return [f"{c.method}: {c.response.get('error')}" for c in fake.calls() if not c.ok]


def test_a_60_character_service_with_a_137_character_version_starts_and_rolls_back(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    config = team_config(extra_services=[{"name": SERVICE, "metrics": GOOD_METRICS}])
    chat = Chat(fake_slack, launch(config))
    chat.reply_to(chat.command(f"start {SERVICE} {VERSION}"), "Started")
    root = chat.root_card(SERVICE, VERSION)
    assert root.ok and root.blocks[0]["text"]["text"].endswith("…")
    deploy_id = chat.button(root, "rollback").value["deploy"]
    assert store.deploy(deploy_id).status == "running"
    chat.reply_to(chat.command("status"), SERVICE)
    chat.click(chat.button(root, "rollback"), reason="cancelled: wrong version")
    store.wait(deploy_id, lambda d: d.status == "rolled_back")
    wait_agreed(fake_slack, store, config, root, deploy_id)
    assert refused(fake_slack) == []


def test_a_freeze_reason_comes_back_escaped(chat: Chat, fake_slack: FakeSlack) -> None:
    sent = chat.command(f'freeze api --until 30m --reason "{EVIL}"', ADMIN)
    chat.reply_to(sent, "api")
    raw = [c.text for c in fake_slack.calls("response_url") if "urgent" in c.text]
    assert raw and all(ESCAPED in text for text in raw)
    start = chat.command("start api 1.0.0")
    chat.reply_to(start, "frozen", "urgent")
    assert refused(fake_slack) == []


def test_a_typed_hold_reason_holds_with_it_and_the_card_shows_it(
    chat: Chat, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    deploy_id = chat.button(root, "hold").value["deploy"]
    chat.say(root, f"hold smoke test flaky {EVIL}")
    store.wait(deploy_id, lambda d: d.status == "held")
    assert store.deploy(deploy_id).hold_reason == f"smoke test flaky {EVIL}"
    chat.card_shows(root, "held")
    chat.in_thread(root, "smoke test flaky", ESCAPED)
    assert refused(fake_slack) == []


def test_the_hold_button_asks_for_a_reason_in_a_modal(
    chat: Chat, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    hold = chat.button(root, "hold")
    chat.click(hold, COMMANDER, reason="waiting for the db team")
    store.wait(hold.value["deploy"], lambda d: d.hold_reason == "waiting for the db team")
    opened = fake_slack.calls("views.open")
    assert len(opened) == 1 and opened[0].ok and opened[0].params["trigger_id"]
    assert refused(fake_slack) == []


def test_a_3001_character_hold_reason_is_cut_where_slack_needs_and_kept_whole_in_status(
    chat: Chat, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    deploy_id = chat.button(root, "hold").value["deploy"]
    reason = "smoke output: " + "E" * 2987
    chat.say(root, f"hold {reason}")
    store.wait(deploy_id, lambda d: d.status == "held")
    shown = chat.card_shows(root, "held")
    assert f"/deploy status {deploy_id}" in str(shown.blocks)
    chat.in_thread(root, "(cut: see", deploy_id)
    assert reason in chat.reply_to(chat.command(f"status {deploy_id}"), deploy_id)
    assert refused(fake_slack) == []


def test_someone_elses_hold_click_opens_no_modal_and_is_refused_and_audited(
    chat: Chat, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    hold = chat.button(root, "hold")
    before = time.time()
    chat.click(hold, STRANGER, reason="not mine to hold")
    chat.told(STRANGER, f"<@{COMMANDER}>", "commander", since=before)
    refused = store.wait_event(hold.value["deploy"], lambda e: e.kind.startswith("refused:"))
    assert refused.actor == STRANGER and refused.kind == "refused:hold"
    assert fake_slack.calls("views.open") == []
    assert store.deploy(hold.value["deploy"]).status == "running"
