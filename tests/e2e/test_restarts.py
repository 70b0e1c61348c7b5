"""A crash mid-bake, or a restart before a scheduled notice, loses nothing: timers are rebuilt."""

from __future__ import annotations

from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import ADMIN, ANNOUNCEMENTS, team_config, traffic
from tests.slackfake import FakeSlack, channel_id

ANNOUNCED = channel_id(ANNOUNCEMENTS)


def test_a_deploy_killed_during_a_bake_resumes_after_restart_and_completes(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    plan = [
        traffic("canary", 10, bake="4s", gate="auto"),
        traffic("100%", 100, bake="1s", gate="auto"),
    ]
    bot = launch(team_config(plan=plan, stabilization="2s"))
    chat = Chat(fake_slack, bot)
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    deploy_id = chat.button(root, "rollback").value["deploy"]
    store.wait(deploy_id, lambda d: d.phase == "baking" and d.stage_index == 0)

    bot.kill()  # SIGKILL mid-bake: no shutdown hook can save anything
    assert store.deploy(deploy_id).phase == "baking"
    bot.start()

    chat.card_shows(root, "completed", timeout=30)
    elapsed = store.events(deploy_id, "bake_elapsed")
    assert [e.stage for e in elapsed] == [1, 1]  # canary baked -> 100%; 100% baked -> stabilize
    assert store.deploy(deploy_id).status == "completed"


def test_a_scheduled_notice_is_posted_and_ended_across_a_restart(
    launch: Launch, fake_slack: FakeSlack
) -> None:
    bot = launch()
    chat = Chat(fake_slack, bot)
    sent = chat.command('notice "DB maintenance" --at 4s --for 3s', ADMIN)
    chat.reply_to(sent, "DB maintenance")
    bot.kill()  # at once: a graceful stop could outlast the 4 s and post on its way out
    assert not announcements(fake_slack), "posted before it was due"

    bot.start()
    posted = fake_slack.log.wait_for(
        lambda calls: next((c for c in announced(calls) if "DB maintenance" in c.text), None),
        timeout=20,
        what="the notice in #announcements",
    )
    ended = fake_slack.log.wait_for(
        lambda calls: [c for c in announced(calls) if c.at > posted.at],
        timeout=20,
        what="the all-clear in #announcements",
    )
    assert ended[0].method == "chat.update" or ended[0].text != posted.text


def announced(calls: list) -> list:
    """Messages that reached the announcements channel: posts, updates, scheduled deliveries."""
    return [
        c
        for c in calls
        if c.method in ("chat.postMessage", "chat.update", "scheduled.delivered")
        and channel_id(str(c.params.get("channel", ""))) == ANNOUNCED
    ]


def announcements(fake: FakeSlack) -> list:
    return announced(fake.calls())
