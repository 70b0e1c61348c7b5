"""`/deploy policy` through `commander serve` and the fake Slack, after a tiny real tune and
validation recorded into the bot's database by `commander sim`."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.botserver import commander
from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.teamconfig import team_config
from tests.integration.tune_fixtures import tiny_setup
from tests.slackfake import FakeSlack


def test_policy_shows_the_recorded_validation_and_front_with_its_chart_in_the_thread(
    launch: Launch, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    bot = launch(team_config())
    chat = Chat(fake_slack, bot)
    chat.reply_to(chat.command("policy"), "No validation recorded yet", "No tune recorded yet")

    config, scenarios = tiny_setup(tmp_path)
    common = ("--config", str(config), "--scenarios", str(scenarios), "--jobs", "1")
    checked = commander("sim", "validate", *common, "--runs", "2", "--report",
                        str(tmp_path / "report"), env=bot.env, timeout=120)  # fmt: skip
    assert checked.returncode in (0, 1), checked.stderr
    assert "recorded for /deploy policy" in checked.stderr
    tuned = commander("sim", "tune", *common, "--trials", "4", "--runs", "2", "--early", "1",
                      "--test-runs", "2", "--chart", str(tmp_path / "front.png"),
                      env=bot.env, timeout=180)  # fmt: skip
    assert tuned.returncode == 0, tuned.stderr
    assert "recorded for /deploy policy" in tuned.stderr

    chat.reply_to(chat.command("policy"), "Policy report posted", "chart is in its thread")
    post = fake_slack.log.wait_for_call(
        "chat.postMessage", lambda c: "Last tune" in c.text, 20, "the policy report's post"
    )
    assert "2 scenarios × 2 seeds" in post.text and "4 trials" in post.text
    done = fake_slack.log.wait_for_call(
        "files.completeUploadExternal",
        lambda c: c.params.get("thread_ts") == post.response["ts"],
        20,
        "the front's chart in the report's thread",
    )
    assert done is not None
    assert any(raw.startswith(b"\x89PNG") for raw in fake_slack.workspace.uploads.values())
