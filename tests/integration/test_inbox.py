"""The durable inbox: a command stored before its ack is carried out once, even after a crash."""

from __future__ import annotations

from pathlib import Path

from bot.inbox import LEASE, Inbox
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


def inbox(repo: Repository, clock: FakeClock, recorder: Recorder) -> Inbox:
    return Inbox(repo, recorder.answer, clock, recorder.respond)


def test_a_command_stored_before_a_crash_is_carried_out_on_restart(tmp_path: Path) -> None:
    clock, before = FakeClock(), Recorder()
    repo = repository(tmp_path)
    assert inbox(repo, clock, before).receive(FORM) is not None  # stored, acked, then kill -9
    assert before.ran == []

    clock.advance(seconds=LEASE.total_seconds() + 1)  # the dead process's claim lapses
    after = Recorder()
    inbox(repository(tmp_path), clock, after).catch_up()  # the restarted bot's first pass
    assert after.ran == ["kill new-checkout"]
    assert after.replies == [(FORM["response_url"], "done: kill new-checkout")]


def test_a_slack_retry_of_the_same_command_acts_once(tmp_path: Path) -> None:
    clock, recorder = FakeClock(), Recorder()
    box = inbox(repository(tmp_path), clock, recorder)
    first = box.receive(FORM)
    assert first is not None and box.receive(dict(FORM)) is None
    box.carry_out(first)
    box.carry_out(first)
    clock.advance(minutes=5)
    box.catch_up()
    assert recorder.ran == ["kill new-checkout"] and len(recorder.replies) == 1


def test_a_command_a_live_replica_received_is_left_to_it_until_its_claim_lapses(
    tmp_path: Path,
) -> None:
    clock, mine, theirs = FakeClock(), Recorder(), Recorder()
    repo = repository(tmp_path)
    assert inbox(repo, clock, theirs).receive(FORM) is not None  # theirs runs it next
    clock.advance(seconds=5)
    inbox(repo, clock, mine).catch_up()
    assert mine.ran == []
    clock.advance(seconds=LEASE.total_seconds())
    inbox(repo, clock, mine).catch_up()
    assert mine.ran == ["kill new-checkout"]
