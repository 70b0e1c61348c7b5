"""Slack API failures are retried: a 429 with Retry-After, or a 500, does not lose a post."""

from __future__ import annotations

from tests.e2e.chat import DEPLOYS, Chat
from tests.slackfake import FakeSlack


def test_a_rate_limited_root_card_is_posted_after_retry_after(
    chat: Chat, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("chat.postMessage", times=2, status=429, retry_after=1)

    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0", timeout=20)

    statuses = [c.status for c in fake_slack.calls("chat.postMessage")]
    assert statuses[:3] == [429, 429, 200]
    assert root.response["channel"] == DEPLOYS


def test_a_card_update_that_meets_a_server_error_is_retried(
    chat: Chat, fake_slack: FakeSlack
) -> None:
    chat.command("start api 1.0.0")
    root = chat.root_card("api", "1.0.0")
    fake_slack.fail_next("chat.update", times=1, status=500)

    chat.click(chat.button(root, "hold"))
    chat.card_shows(root, "held", timeout=20)
    assert [c.status for c in fake_slack.calls("chat.update")][:1] == [500] or any(
        c.status == 500 for c in fake_slack.calls("chat.update")
    )
