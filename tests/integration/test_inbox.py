"""The durable inbox: a command spooled before its ack is carried out once, even after a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_fixtures import *  # noqa: F403

from bot.inbox import LEASE, Inbox
from bot.spool import SETTLE, Spool
from rollout.records import InboxRecord
from store.db import make_engine
from store.repository import Repository
from tests.fakes import FakeClock

FORM = {
    "user_id": "UALICE",
    "channel_id": "CDEPLOYS",
    "text": "kill new-checkout",
    "response_url": "https://hooks.example/commands/1",
    "trigger_id": "13345224609.738474920.8ee5b1d8a4",
}


class Recorder:
    """Carries out commands by recording them, and records each reply."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.replies: list[tuple[str, str]] = []

    def answer(self, command: InboxRecord) -> str:
        self.ran.append(command.text)
        return f"done: {command.text}"

    def respond(self, url: str, text: str) -> None:
        self.replies.append((url, text))


@pytest.fixture
def place(database_url: str, tmp_path: Path) -> tuple[str, Path]:
    """A migrated database (SQLite and PostgreSQL) and a spool folder."""
    return database_url, tmp_path / "inbox"


def inbox(place: tuple[str, Path], clock: FakeClock, recorder: Recorder) -> Inbox:
    """A bot's inbox over the database and spool (a new one: a restart)."""
    url, folder = place
    repo = Repository(make_engine(url))
    return Inbox(repo, recorder.answer, clock, Spool(folder, clock), recorder.respond)


def restart_passes(place: tuple[str, Path], clock: FakeClock, recorder: Recorder) -> None:
    """The restarted bot's worker passes, until the spool has settled."""
    box = inbox(place, clock, recorder)
    box.catch_up()
    clock.advance(seconds=SETTLE.total_seconds() + 1)
    box.catch_up()
    clock.advance(seconds=LEASE.total_seconds() + 1)
    box.catch_up()


def test_a_command_spooled_before_a_crash_is_carried_out_on_restart(
    place: tuple[str, Path],
) -> None:
    clock, before = FakeClock(), Recorder()
    inbox(place, clock, before).receive(FORM)  # spooled, acked, then kill -9
    assert before.ran == []

    after = Recorder()
    restart_passes(place, clock, after)
    assert after.ran == ["kill new-checkout"]
    assert after.replies == [(FORM["response_url"], "done: kill new-checkout")]


def test_a_command_stored_and_claimed_before_a_crash_is_carried_out_on_restart(
    place: tuple[str, Path],
) -> None:
    clock, before = FakeClock(), Recorder()
    box = inbox(place, clock, before)
    box.repo.add_command(box.receive(FORM), box.owner)  # stored and claimed, then kill -9
    after = Recorder()
    restart_passes(place, clock, after)
    assert after.ran == ["kill new-checkout"] and len(after.replies) == 1


def test_a_slack_retry_of_the_same_command_acts_once(place: tuple[str, Path]) -> None:
    clock, recorder = FakeClock(), Recorder()
    box = inbox(place, clock, recorder)
    box.take(box.receive(FORM))
    box.take(box.receive(dict(FORM)))  # the retry
    restart_passes(place, clock, recorder)
    assert recorder.ran == ["kill new-checkout"] and len(recorder.replies) == 1


def test_a_command_a_live_replica_took_is_left_to_it_until_its_claim_lapses(
    place: tuple[str, Path],
) -> None:
    clock, mine, theirs = FakeClock(), Recorder(), Recorder()
    other = inbox(place, clock, theirs)
    assert other.repo.add_command(other.receive(FORM), other.owner) is not None  # theirs next
    box = inbox(place, clock, mine)
    clock.advance(seconds=SETTLE.total_seconds() + 1)
    box.catch_up()
    assert mine.ran == []
    clock.advance(seconds=LEASE.total_seconds())
    box.catch_up()
    assert mine.ran == ["kill new-checkout"]
