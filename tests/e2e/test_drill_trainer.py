"""The trainer's commands through `commander serve` and the loopback fake Slack: weekly drill
schedules (add, list, cancel), the report with its chart in the report's thread, and the App
Home's readiness list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import COMMANDER
from tests.e2e.test_drills import SCENARIO, TRAINEE, TRAINER, drills_config, ended, start_drill
from tests.slackclient import app_home_opened
from tests.slackfake import FakeSlack


@pytest.fixture
def drill_chat(launch: Launch, fake_slack: FakeSlack, tmp_path: Path) -> Chat:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "api.toml").write_text(SCENARIO)
    return Chat(fake_slack, launch(drills_config(), COMMANDER_SCENARIOS=str(folder)))


def test_a_trainer_schedules_lists_and_cancels_a_weekly_drill(drill_chat: Chat) -> None:
    sent = drill_chat.command(f"drill schedule api every monday 14:00 --trainees <@{TRAINEE}>",
                              TRAINER)  # fmt: skip
    reply = drill_chat.reply_to(sent, "api every Monday at 14:00", "trainees take turns")
    schedule_id = reply.split("Drill schedule ", 1)[1].split(":", 1)[0]
    listed = drill_chat.reply_to(drill_chat.command("drill schedule list", TRAINER), schedule_id)
    assert f"@{TRAINEE}" in listed
    refused = drill_chat.command("drill schedule list", COMMANDER)
    drill_chat.reply_to(refused, "Only a trainer may schedule drills")
    cancel = drill_chat.command(f"drill schedule cancel {schedule_id}", TRAINER)
    drill_chat.reply_to(cancel, "cancelled")
    empty = drill_chat.command("drill schedule list", TRAINER)
    drill_chat.reply_to(empty, "No drill schedules")


def test_the_report_posts_its_chart_in_its_thread_and_home_shows_readiness(
    drill_chat: Chat, store: StoreOracle, fake_slack: FakeSlack
) -> None:
    drill_chat.reply_to(drill_chat.command("drill report", TRAINER), "No scored drills yet")
    drill_id = start_drill(drill_chat, seed=3)
    drill_chat.command("drill end", TRAINER)
    ended(store, drill_id)
    drill_chat.reply_to(drill_chat.command(f"drill report <@{TRAINEE}>", TRAINER), "1 drills")
    post = fake_slack.log.wait_for_call(
        "chat.postMessage", lambda c: "DRILL report" in c.text, 20, "the report's post"
    )
    fake_slack.log.wait_for_call(
        "files.completeUploadExternal",
        lambda c: c.params.get("thread_ts") == post.response["ts"],
        20,
        "the chart in the report's thread",
    )
    assert drill_chat.bot.slack.send(app_home_opened(TRAINER)).status_code == 200
    home = fake_slack.log.wait_for_call(
        "views.publish", lambda c: c.params.get("user_id") == TRAINER, what="the Home tab"
    )
    assert "Readiness: not drilled in 30 days" in json.dumps(home.params.get("view"))
