"""The shell's requests pass Bolt's signature check, and a tampered one is refused."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_bolt import BoltRequest

from bot.shell.session import Session
from bot.shell.slackrequests import signed_headers, slash_command

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "U0ADMIN01"  # an admin in the example commander.toml: may force a start anytime
START = 'start api 2.4.0 --force "signing test"'


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    shell = Session(ROOT / "commander.toml", f"sqlite:///{tmp_path / 'c.db'}").start()
    yield shell
    shell.close()


def started(session: Session) -> list[str]:
    assert session.services is not None
    return [d.version for d in session.services.repo.active()]


def reply(session: Session, body: str) -> str:
    """A slash command's reply: the ack's body, or what it posted to its response_url."""
    if body:
        return str(json.loads(body)["text"])
    posted = session.fake.log.wait_for_call("response_url", what="the command's reply")
    return str(posted.params["text"])


def test_a_signed_command_reaches_the_listener(session: Session) -> None:
    response = session.command(START, ADMIN)
    assert response.status == 200
    assert reply(session, response.body).startswith("Started api 2.4.0")
    assert started(session) == ["2.4.0"]


def test_a_request_signed_with_another_secret_is_refused(session: Session) -> None:
    response = session.dispatch(slash_command(START, ADMIN), secret="not-the-session-secret")
    assert response.status == 401
    assert started(session) == []


def test_a_body_changed_after_signing_is_refused(session: Session) -> None:
    assert session.app is not None and session.settings is not None
    signed, content_type = slash_command("help", ADMIN)
    tampered, _ = slash_command(START, ADMIN)
    headers = signed_headers(
        session.settings.signing_secret.get_secret_value(), signed, content_type
    )
    response = session.app.dispatch(BoltRequest(body=tampered, headers={**headers}))
    assert response.status == 401
    assert started(session) == []


def test_a_replayed_request_older_than_five_minutes_is_refused(session: Session) -> None:
    stale = int(time.time()) - 6 * 60
    response = session.dispatch(slash_command(START, ADMIN), timestamp=stale)
    assert response.status == 401
    assert started(session) == []
