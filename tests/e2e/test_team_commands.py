"""Freezes with explicit takeover, handoffs, the App Home tab, and a judge that holds and asks."""

from __future__ import annotations

import time

from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import (
    ADMIN,
    BAD_CANARY,
    COMMANDER,
    STRANGER,
    team_config,
    traffic,
)
from tests.slackclient import app_home_opened
from tests.slackfake import FakeSlack


def test_taking_over_someone_elses_freeze_is_explicit(chat: Chat) -> None:
    chat.reply_to(chat.command('freeze api --until 1h --reason "db migration"', ADMIN), "api")

    plain = chat.command('freeze api --until 2h --reason "my release"', STRANGER)
    assert f"<@{ADMIN}>" in chat.reply_to(plain, "--takeover")
    chat.reply_to(chat.command("unfreeze api", STRANGER), "--takeover", "db migration")
    taken = chat.command('freeze api --until 2h --reason "my release" --takeover', STRANGER)
    chat.reply_to(taken, "took over", f"<@{ADMIN}>")

    chat.reply_to(chat.command("start api 1.0.0"), "frozen", "my release", f"<@{STRANGER}>")
    chat.reply_to(chat.command("unfreeze api", STRANGER), "unfroze")
    chat.command("start api 1.0.0")
    chat.root_card("api", "1.0.0")


def test_a_handoff_posts_where_the_deploy_stands_and_moves_the_controls(
    chat: Chat, store: StoreOracle
) -> None:
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    tick = chat.button(root, "tick", stage=0, item=0)

    chat.reply_to(chat.command(f"handoff <@{STRANGER}|bob>"), f"<@{STRANGER}>")
    chat.in_thread(root, f"<@{COMMANDER}>", f"<@{STRANGER}>", "release-branch")

    before = time.time()
    chat.click(tick, COMMANDER)
    chat.told(COMMANDER, f"<@{STRANGER}>", since=before)
    chat.click(tick, STRANGER)
    store.wait(tick.value["deploy"], lambda d: d.checklist_done == frozenset({0}))


def test_the_app_home_shows_deploys_in_flight_and_the_commander(
    chat: Chat, fake_slack: FakeSlack
) -> None:
    chat.command("start api 4.2.0")
    chat.root_card("api", "4.2.0")

    assert chat.bot.slack.send(app_home_opened(STRANGER)).status_code == 200

    home = fake_slack.log.wait_for_call(
        "views.publish", lambda c: c.params.get("user_id") == STRANGER, what="the Home tab"
    )
    text = home.text + " " + str(home.params.get("view"))
    assert "4.2.0" in text and COMMANDER in text


def test_a_failing_recommend_judge_holds_and_asks_the_commander(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    judges = [{"kind": "sequential", "mode": "recommend", "min_requests": 200}]
    config = team_config(
        plan=[traffic("canary", 10, bake="10m"), traffic("100%", 100)],
        api_metrics=BAD_CANARY,
        judges=judges,
    )
    chat = Chat(fake_slack, launch(config))
    chat.command("start api 6.6.6")
    root = chat.root_card("api", "6.6.6")

    chat.card_shows(root, "held", timeout=30)
    chat.in_thread(root, f"<@{COMMANDER}>", "roll back")
    why = chat.button(root, "why")
    deploy = store.deploy(why.value["deploy"])
    assert deploy.status == "held" and deploy.exposure.external == 10  # users still on canary

    before = time.time()
    chat.click(why)
    chat.fake.log.wait_for_call_any(
        ("chat.postEphemeral", "response_url", "chat.postMessage", "files.completeUploadExternal"),
        lambda c: c.at >= before and "sequential" in c.text.lower(),
        what="the evidence behind the verdict",
    )
