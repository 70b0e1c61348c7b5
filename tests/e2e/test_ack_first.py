"""`/deploy` acks before any slow work: the answer follows on the command's response_url."""

from __future__ import annotations

from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.teamconfig import ADMIN, COMMANDER, team_config
from tests.slackfake import FakeSlack

USERGROUP = "S0DEPLOYS"


def test_the_ack_comes_back_while_the_usergroup_lookup_is_still_held(
    launch: Launch, fake_slack: FakeSlack
) -> None:
    config = team_config().replace(f'roster = ["{COMMANDER}"]', f'usergroup = "{USERGROUP}"')
    fake_slack.workspace.usergroups[USERGROUP] = [ADMIN]
    chat = Chat(fake_slack, launch(config))
    gate = fake_slack.hold("usergroups.users.list")

    sent = chat.command("start api 1.0.0")

    assert sent.response.status_code == 200  # acked ...
    assert not fake_slack.calls("usergroups.users.list")  # ... before the lookup was answered
    assert gate.arrived.wait(10), "the command never asked Slack for the user group"
    assert not chat.replies(sent)[1:]  # no answer yet: it waits on the lookup
    gate.release()
    reply = chat.reply_to(sent, "Started api 1.0.0")
    assert f"<@{ADMIN}>" in reply  # the commander came from the user group, once answered


def test_a_refused_command_is_answered_on_the_response_url(chat: Chat) -> None:
    sent = chat.command("start api")
    assert sent.response.status_code == 200
    assert not sent.response.content.strip()  # the ack itself says nothing
    assert "version" in chat.reply_to(sent, ":warning:").lower()
