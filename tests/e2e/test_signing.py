"""Requests not signed by Slack, or signed more than 5 minutes ago, are answered 401 and ignored."""

from __future__ import annotations

import time

from tests.e2e.botserver import BotServer
from tests.e2e.chat import DEPLOYS, Chat
from tests.e2e.teamconfig import COMMANDER
from tests.slackclient import message_event, slash_command, url_verification
from tests.slackfake import FakeSlack


def test_a_bad_signature_and_an_old_timestamp_are_401_with_no_action(
    chat: Chat, bot: BotServer, fake_slack: FakeSlack
) -> None:
    forged_url, stale_url = fake_slack.response_url(), fake_slack.response_url()
    forged = slash_command("start api 6.6.6", COMMANDER, response_url=forged_url)
    stale = slash_command("start api 5.5.5", COMMANDER, response_url=stale_url)

    assert bot.slack.send(forged, secret="not-the-signing-secret").status_code == 401
    assert bot.slack.send(stale, timestamp=int(time.time()) - 6 * 60).status_code == 401
    event = message_event("confirm", COMMANDER, channel=DEPLOYS, thread_ts="1.000001")
    assert bot.slack.send(event, secret="not-the-signing-secret").status_code == 401

    chat.command("start api 1.0.0")  # a properly signed request right after is acted on
    chat.root_card("api", "1.0.0")
    texts = " ".join(c.text for c in fake_slack.calls())
    assert "6.6.6" not in texts and "5.5.5" not in texts
    assert not [
        c
        for c in fake_slack.calls("response_url")
        if c.path.endswith((forged_url[-10:], stale_url[-10:]))
    ]


def test_url_verification_echoes_the_challenge(bot: BotServer) -> None:
    response = bot.slack.send(
        url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    )
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text
