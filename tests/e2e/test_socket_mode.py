"""`commander serve --socket` end to end: the bot opens a Socket Mode connection with its xapp-
token at the fake's loopback WebSocket, acks /deploy at once and answers on its response_url,
posts the card through the Web API, and takes clicks and thread replies pushed as envelopes,
as Slack delivers them."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.e2e.botserver import LAUNCH, BotServer, base_env, new_secret
from tests.e2e.chat import DEPLOYS, Button, Chat
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import COMMANDER, team_config
from tests.slackclient import block_actions, message_event, slash_command
from tests.slackfake import Call, FakeSlack
from tests.slackfake.socket_mode import SocketModeFake

APP_TOKEN = "xapp-test"


class SocketBot(BotServer):
    """`commander serve --socket`: ready once it has connected to the Socket Mode fake."""

    def __init__(self, env: dict[str, str], logdir: Path, socket_mode: SocketModeFake) -> None:
        super().__init__(env, logdir, "socket-bot")
        self.socket_mode = socket_mode

    def start(self, timeout: float = 30) -> SocketBot:
        self._runs += 1
        with open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [*LAUNCH, "serve", "--socket"],
                env=self.env,
                stdout=err,
                stderr=subprocess.STDOUT,
            )

        def connected(calls: list[Call]) -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(
                    f"commander serve --socket exited with {self.process.returncode}:\n"
                    f"{self.output()}"
                )
            return any(c.method == "socket_mode.connect" for c in calls)

        self.socket_mode.fake.log.wait_for(connected, timeout, "a Socket Mode connection")
        return self


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[SocketModeFake]:
    with SocketModeFake(fake_slack) as endpoint:
        yield endpoint


@pytest.fixture
def socket_bot(
    fake_slack: FakeSlack,
    socket_mode: SocketModeFake,
    tmp_path: Path,
    sqlite_url: str,
    request: pytest.FixtureRequest,
) -> Iterator[SocketBot]:
    config = tmp_path / "socket-bot.toml"
    config.write_text(team_config())
    env = base_env(fake_slack.api_url, sqlite_url, config, new_secret())
    bot = SocketBot({**env, "SLACK_APP_TOKEN": APP_TOKEN}, tmp_path, socket_mode)
    try:
        yield bot.start()
    finally:
        bot.close()
        if any(
            getattr(request.node, f"rep_{p}", None) and getattr(request.node, f"rep_{p}").failed
            for p in ("setup", "call")
        ):
            print(f"\n----- {bot.name} output -----\n{bot.output()}")
            print(f"\n----- fake Slack calls -----\n{fake_slack.log.describe(80)}")


def command(fake: FakeSlack, socket_mode: SocketModeFake, text: str) -> tuple[str, str]:
    """Type `/deploy <text>` over Socket Mode; the envelope_id and the command's response_url."""
    url = fake.response_url()
    request = slash_command(text, COMMANDER, channel=DEPLOYS, response_url=url)
    return socket_mode.deliver(request), url


def answer(fake: FakeSlack, url: str) -> Call:
    """The reply the bot posted to a command's response_url."""
    path = urlparse(url).path
    return fake.log.wait_for_call(
        "response_url", lambda c: c.path == path, 10, f"a reply on {path}"
    )


def test_the_bot_connects_with_its_app_token_acks_help_and_answers_on_the_response_url(
    fake_slack: FakeSlack, socket_mode: SocketModeFake, socket_bot: SocketBot
) -> None:
    opened = fake_slack.log.wait_for_call("apps.connections.open")
    assert opened.headers.get("Authorization") == f"Bearer {APP_TOKEN}"
    assert opened.response["url"].startswith("ws://127.0.0.1:")
    assert socket_mode.wait_connected().path.startswith("/link/?ticket=")

    envelope, url = command(fake_slack, socket_mode, "help")
    assert socket_mode.wait_ack(envelope) == {}  # the ack goes first, empty
    reply = answer(fake_slack, url)
    assert reply.params.get("response_type") == "ephemeral"
    for words in ("/deploy start", "/deploy freeze", "/deploy notice"):
        assert words in reply.text, reply.params


def test_a_deploy_runs_over_socket_mode_from_slash_command_to_clicks_and_thread_replies(
    fake_slack: FakeSlack,
    socket_mode: SocketModeFake,
    socket_bot: SocketBot,
    store: StoreOracle,
) -> None:
    chat = Chat(fake_slack, socket_bot)  # only to read the fake's record

    started, url = command(fake_slack, socket_mode, "start api 1.0.0")
    socket_mode.wait_ack(started)
    assert "Started api 1.0.0" in answer(fake_slack, url).text
    root = chat.root_card("api", "1.0.0")  # a top-level chat.postMessage in #deploys
    assert root.response["channel"] == DEPLOYS

    first = chat.button(root, "tick", stage=0, item=0)
    deploy_id = first.value["deploy"]
    assert socket_mode.wait_ack(socket_mode.deliver(click(fake_slack, first))) == {}
    store.wait(deploy_id, lambda d: d.checklist_done == {0})  # the first item, only
    chat.checklist_shows(root, ticked=[0], open_=[1])  # updated in place, not a new line

    second = chat.button(root, "tick", stage=0, item=1)
    socket_mode.wait_ack(socket_mode.deliver(click(fake_slack, second)))
    store.awaiting_confirm(deploy_id, 0)
    confirm = chat.button(root, "confirm", stage=0)
    socket_mode.wait_ack(socket_mode.deliver(click(fake_slack, confirm)))
    store.awaiting_confirm(deploy_id, 1)  # staging shipped and its smoke test passed

    reply = message_event("confirm", COMMANDER, channel=DEPLOYS, thread_ts=root.response["ts"])
    assert socket_mode.wait_ack(socket_mode.deliver(reply)) == {}
    chat.in_thread(root, "canary")
    assert [e.stage for e in store.events(deploy_id, "confirm")] == [1, 2]
    assert {e.actor for e in store.events(deploy_id, "confirm")} == {COMMANDER}


def click(fake: FakeSlack, button: Button) -> tuple[str, str]:
    """The block_actions payload for `COMMANDER` clicking a button the bot rendered."""
    message = {"ts": button.ts, "thread_ts": button.thread_ts, "blocks": button.message.blocks}
    return block_actions(
        button.element,
        COMMANDER,
        channel=button.channel,
        message=message,
        response_url=fake.response_url(),
    )
