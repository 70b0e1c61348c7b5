"""Messages are durable: written with the transition, sent in order, retried until Slack takes
them. After 429s, a 5xx storm or kill -9, the thread and the card come to agree with the store;
in the normal path nothing is posted twice."""

from __future__ import annotations

from tests.e2e.agreement import wait_agreed
from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import ADMIN, COMMANDER, team_config
from tests.slackfake import Call, FakeSlack


def thread_posts(fake: FakeSlack, root: Call) -> list[Call]:
    """Every chat.postMessage into the deploy's thread, whatever Slack answered."""
    return [
        c
        for c in fake.calls("chat.postMessage")
        if c.params.get("thread_ts") == root.response["ts"]
    ]


def test_a_normal_deploy_posts_each_message_once_and_updates_the_checklist_in_place(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    config = team_config()
    chat = Chat(fake_slack, launch(config))
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    first = chat.button(root, "tick", stage=0, item=0)
    deploy_id = first.value["deploy"]
    chat.click(first)
    checklist = chat.checklist_shows(root, ticked=[0], open_=[1])
    chat.click(chat.button(root, "tick", stage=0, item=1))
    chat.checklist_shows(root, ticked=[0, 1], open_=[])
    store.awaiting_confirm(deploy_id, 0)
    chat.click(chat.button(root, "confirm", stage=0))
    store.awaiting_confirm(deploy_id, 1)  # staging deployed by the reconcile loop, smoke passed
    chat.click(chat.button(root, "rollback"))
    store.wait(deploy_id, lambda d: d.status == "rolled_back")

    wait_agreed(fake_slack, store, config, root, deploy_id)
    posts = thread_posts(fake_slack, root)
    assert all(c.ok for c in posts)
    assert (
        len({c.response["ts"] for c in posts})
        == len(posts)
        == len([r for r in store.repo.messages(deploy_id) if r.message.kind == "post"]) - 1
    )  # every post but the root card went into the thread, once
    assert not [c for c in posts if "ticked Cut" in c.text]  # a tick updates, it does not post
    assert checklist.params["ts"] == posts[0].response["ts"]  # the stage message itself


def test_ten_429s_in_a_row_after_a_rollback_lose_nothing(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    config = team_config()
    chat = Chat(fake_slack, launch(config))
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    rollback = chat.button(root, "rollback")
    deploy_id = rollback.value["deploy"]
    fake_slack.fail_next("chat.postMessage", times=10, status=429, retry_after=1)

    chat.click(rollback)
    store.wait(deploy_id, lambda d: d.status == "rolled_back")

    wait_agreed(fake_slack, store, config, root, deploy_id)
    statuses = [c.status for c in thread_posts(fake_slack, root)]
    assert statuses.count(429) == 10 and statuses[-1] == 200
    assert "Rolled back" in thread_posts(fake_slack, root)[-1].text
    chat.card_shows(root, "rolled back")


def test_a_5xx_storm_on_posts_and_updates_passes_and_the_thread_catches_up(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    config = team_config()
    chat = Chat(fake_slack, launch(config))
    fake_slack.storm("chat.postMessage", "chat.update", status=503)
    chat.reply_to(chat.command("start api 1.0.0"), "Started api 1.0.0")
    chat.reply_to(chat.command(f"handoff <@{ADMIN}> api"), "Handed over")
    fake_slack.log.wait_for(
        lambda calls: sum(c.status == 503 for c in calls) >= 6, 20, "six 503s in the storm"
    )
    assert not [c for c in fake_slack.calls("chat.postMessage") if c.ok]  # nothing got through

    fake_slack.calm()
    root = chat.root_card("api", "1.0.0", timeout=30)
    deploy_id = store.repo.latest_for("api").id  # type: ignore[union-attr]
    assert store.deploy(deploy_id).commander == ADMIN
    wait_agreed(fake_slack, store, config, root, deploy_id)
    texts = [c.text for c in thread_posts(fake_slack, root) if c.ok]
    assert len(texts) == 2 and "handed the deploy to" in texts[1]  # the stage, then handoff


def test_posts_pending_at_a_kill_9_are_sent_after_the_restart(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    config = team_config()
    bot = launch(config)
    chat = Chat(fake_slack, bot)
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    first = chat.button(root, "tick", stage=0, item=0)
    deploy_id = first.value["deploy"]
    fake_slack.storm("chat.postMessage", status=429)
    chat.click(first)
    store.wait(deploy_id, lambda d: 0 in d.checklist_done)
    chat.click(chat.button(root, "tick", stage=0, item=1))
    store.awaiting_confirm(deploy_id, 0)
    chat.click(chat.button(root, "confirm", stage=0))
    store.awaiting_confirm(deploy_id, 1)  # staging deployed, smoke passed: all while 429ing
    pending = [r for r in store.repo.messages(deploy_id) if r.state == "pending"]
    assert len(pending) >= 2  # the checklist's last ask and the staging stage, at least

    bot.kill()
    fake_slack.calm()
    bot.start()

    wait_agreed(fake_slack, store, config, root, deploy_id)
    sent = [c.text for c in thread_posts(fake_slack, root) if c.ok]
    assert len(sent) == len(set(sent))  # nothing posted twice across the restart
    assert any("staging" in text for text in sent)
    assert store.events(deploy_id, "confirm")[0].actor == COMMANDER
