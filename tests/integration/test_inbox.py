"""The durable inbox: a command spooled before its ack is carried out once, even after a crash."""

from __future__ import annotations

from pathlib import Path

from bot.inbox import LEASE, Inbox
from bot.spool import SETTLE, Spool
from rollout.records import InboxRecord
from store.db import make_engine, upgrade
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


def repository(tmp_path: Path) -> Repository:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    return Repository(make_engine(url))


def inbox(tmp_path: Path, clock: FakeClock, recorder: Recorder) -> Inbox:
    """A bot's inbox over the database and spool in `tmp_path` (a new one: a restart)."""
    spool = Spool(tmp_path / "c.db.inbox", clock)
    return Inbox(repository(tmp_path), recorder.answer, clock, spool, recorder.respond)


def restart_passes(tmp_path: Path, clock: FakeClock, recorder: Recorder) -> None:
    """The restarted bot's worker passes, until the spool has settled."""
    box = inbox(tmp_path, clock, recorder)
    box.catch_up()
    clock.advance(seconds=SETTLE.total_seconds() + 1)
    box.catch_up()
    clock.advance(seconds=LEASE.total_seconds() + 1)
    box.catch_up()


def test_a_command_spooled_before_a_crash_is_carried_out_on_restart(tmp_path: Path) -> None:
    clock, before = FakeClock(), Recorder()
    inbox(tmp_path, clock, before).receive(FORM)  # spooled, acked, then kill -9
    assert before.ran == []

    after = Recorder()
    restart_passes(tmp_path, clock, after)
    assert after.ran == ["kill new-checkout"]
    assert after.replies == [(FORM["response_url"], "done: kill new-checkout")]


def test_a_command_stored_and_claimed_before_a_crash_is_carried_out_on_restart(
    tmp_path: Path,
) -> None:
    clock, before = FakeClock(), Recorder()
    box = inbox(tmp_path, clock, before)
    box.repo.add_command(box.receive(FORM), box.owner)  # stored and claimed, then kill -9
    after = Recorder()
    restart_passes(tmp_path, clock, after)
    assert after.ran == ["kill new-checkout"] and len(after.replies) == 1


def test_a_slack_retry_of_the_same_command_acts_once(tmp_path: Path) -> None:
    clock, recorder = FakeClock(), Recorder()
    box = inbox(tmp_path, clock, recorder)
    box.take(box.receive(FORM))
    box.take(box.receive(dict(FORM)))  # the retry
    restart_passes(tmp_path, clock, recorder)
    assert recorder.ran == ["kill new-checkout"] and len(recorder.replies) == 1


def test_a_command_a_live_replica_took_is_left_to_it_until_its_claim_lapses(
    tmp_path: Path,
) -> None:
    clock, mine, theirs = FakeClock(), Recorder(), Recorder()
    other = inbox(tmp_path, clock, theirs)
    assert other.repo.add_command(other.receive(FORM), other.owner) is not None  # theirs next
    box = inbox(tmp_path, clock, mine)
    clock.advance(seconds=SETTLE.total_seconds() + 1)
    box.catch_up()
    assert mine.ran == []
    clock.advance(seconds=LEASE.total_seconds())
    box.catch_up()
    assert mine.ran == ["kill new-checkout"]
