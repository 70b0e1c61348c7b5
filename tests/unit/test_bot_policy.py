"""`/deploy policy` through the bot: the last validation, the front, and its chart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.commands import Caller
from bot.grammar.commands import Policy
from bot.grammar.deploy import parse_command
from bot.grammar.usage import CommandError
from rollout.records import InboxRecord, PolicyReportRecord
from tests.fakes import BotStack, bot_stack

CONFIG = """
[team]
timezone = "UTC"
deploy_channel = "#deploys"
[[services]]
name = "api"
"""
MEASURED = datetime(2026, 12, 2, 10, 40, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"chart" * 100


def scores(damage: float, alarms: float, release_min: float) -> dict[str, Any]:
    return {
        "damage": damage, "false_alarms": alarms, "release_s": release_min * 60,
        "violations": [], "seeds": 5,
    }  # fmt: skip


VALIDATION = {
    "config": "commander.toml", "runs": 100, "scenarios": 22, "passed": 21,
    "failed": [{"scenario": "slow-leak", "problems": ["pass rate 80% < 90%"]}],
    "faulty_runs": 1_500, "detected": 1_432, "detect_p50_s": 34.2,
    "scores": scores(9_929, 0.012, 31.1),
}  # fmt: skip


def tune(dominated_by: list[int]) -> dict[str, Any]:
    front = [
        {"trial": 12, "train": scores(8_000, 0.0, 40), "test": scores(8_100, 0.0, 40.2)},
        {"trial": 31, "train": scores(9_000, 0.0, 30), "test": scores(9_145, 0.0, 30.6)},
        {"trial": 40, "train": scores(9_500, 0.0, 29), "test": scores(9_600, 0.004, 30.9)},
    ]
    return {
        "config": "commander.toml", "trials": 100, "train_seeds": [1_000_000],
        "test_seeds": [0, 1, 2, 3, 4], "front": front,
        "current": {
            "trial": -1, "train": scores(9_800, 0.01, 31), "test": scores(9_929, 0.012, 31.1)
        },
        "current_dominated_by": dominated_by, "current_dominated_on_test_by": dominated_by,
    }  # fmt: skip


def ask(s: BotStack, user: str = "USTRANGER") -> str:
    """Type `/deploy policy` as anyone, through the inbox's answer."""
    command = InboxRecord("T1", user, "C1", "policy", "https://hooks.example/1", MEASURED)
    return str(s.commands.answer(command))


def recorded(s: BotStack, dominated_by: list[int] | None = None) -> None:
    s.repo.record_policy_report(PolicyReportRecord("validation", MEASURED, VALIDATION))
    if dominated_by is not None:
        s.repo.record_policy_report(PolicyReportRecord("tune", MEASURED, tune(dominated_by), PNG))


class TestTheGrammar:
    def test_policy_takes_no_arguments(self) -> None:
        assert parse_command("policy", MEASURED, UTC) == Policy()
        with pytest.raises(CommandError, match="Usage: `/deploy policy`"):
            parse_command("policy api", MEASURED, UTC)


class TestNothingRecorded:
    def test_it_says_which_commands_produce_the_reports(self) -> None:
        s = bot_stack(CONFIG)
        reply = ask(s)
        assert "No validation recorded yet" in reply and "commander sim validate" in reply
        assert "No tune recorded yet" in reply and "commander sim tune" in reply
        assert s.slack.calls == []  # nothing to post, no chart

    def test_a_validation_alone_is_summarised_in_the_reply(self) -> None:
        s = bot_stack(CONFIG)
        recorded(s)
        reply = ask(s)
        assert "Dec 2 10:40 UTC, commander.toml, 22 scenarios × 100 seeds: 21 of 22 pass" in reply
        assert "Failing: slow-leak (pass rate 80% < 90%)" in reply
        assert "1,432 of 1,500 detected, median 34 s to detect" in reply
        assert "damage 9,929 excess bad requests per faulty run" in reply
        assert "1.2% false alarms, 31.1 min to finish the plan" in reply
        assert "No tune recorded yet" in reply and s.slack.calls == []


class TestWithATune:
    def test_the_summary_is_posted_and_the_chart_uploaded_in_its_thread(self) -> None:
        s = bot_stack(CONFIG)
        recorded(s, dominated_by=[31, 40])
        reply = ask(s)
        assert reply == "Policy report posted in this channel; the front's chart is in its thread."
        [post] = s.slack.of("chat.postMessage")
        assert post.channel == "C1" and post.thread_ts is None
        assert "21 of 22 pass" in post.text
        assert (
            "100 trials, front of 3 points, on 5 unseen test seeds per scenario: the policy is"
            " dominated by #31 (damage 9,145 vs 9,929; false alarms 0.0% vs 1.2%;"
            " release 30.6 vs 31.1 min) and 1 more point." in post.text
        )
        [upload] = s.slack.of("files.upload_v2")
        assert upload.thread_ts == post.ts
        assert upload.channel == "CC1"  # the channel id the fake Slack gave back for the post
        assert upload.text == "Pareto front after 100 trials"

    def test_a_channel_the_bot_cannot_post_in_gets_the_summary_in_the_reply(self) -> None:
        s = bot_stack(CONFIG)
        recorded(s, dominated_by=[31])

        def refuse(*args: Any, **kwargs: Any) -> tuple[str, str]:
            response = SlackResponse(
                client=None, http_verb="POST", api_url="", req_args={},
                data={"ok": False, "error": "not_in_channel"}, headers={}, status_code=200,
            )  # fmt: skip
            raise SlackApiError("not_in_channel", response)

        s.slack.post = refuse  # type: ignore[method-assign]
        reply = ask(s)
        assert "the policy is dominated by #31" in reply
        assert reply.endswith("(The front's chart could not be posted here: not_in_channel.)")
        assert s.slack.of("files.upload_v2") == []

    def test_a_policy_on_the_front_says_so(self) -> None:
        s = bot_stack(CONFIG)
        recorded(s, dominated_by=[])
        ask(s)
        [post] = s.slack.of("chat.postMessage")
        assert "the policy is on the front: no tuned point beats it on every objective" in (
            post.text
        )

    def test_the_help_lists_it(self) -> None:
        s = bot_stack(CONFIG)
        assert "`/deploy policy`" in s.commands.run(parse_command("help", MEASURED, UTC),
                                                    Caller("U1", "C1"))  # fmt: skip
