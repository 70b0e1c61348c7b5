"""The inbox's spool: lines survive until stored, and a line the store has is not stored again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.spool import SETTLE, Spool
from rollout.records import InboxRecord
from tests.fakes import FakeClock


def record(key: str, clock: FakeClock) -> InboxRecord:
    return InboxRecord(key, "UALICE", "CDEPLOYS", f"status {key}", f"http://r/{key}", clock.now())


def test_settled_lines_are_stored_once_and_the_file_is_removed(tmp_path: Path) -> None:
    clock = FakeClock()
    spool = Spool(tmp_path / "inbox", clock)
    spool.append(record("a", clock))
    spool.append(record("b", clock))
    stored: list[InboxRecord] = []

    spool.drain(stored.append, lambda keys: {"a"})  # the listener already stored "a"
    assert stored == []  # rotated, but not settled: a late append may still land in it
    clock.advance(seconds=SETTLE.total_seconds())
    spool.drain(stored.append, lambda keys: {"a"})
    assert [r.key for r in stored] == ["b"]
    assert stored[0].received_at == record("b", clock).received_at - SETTLE
    assert list((tmp_path / "inbox").iterdir()) == []


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path: Path) -> None:
    clock = FakeClock()
    spool = Spool(tmp_path / "inbox", clock)
    spool.append(record("a", clock))
    with (tmp_path / "inbox" / "inbox.jsonl").open("a") as live:
        live.write('{"key": "b", "us')  # never acked: the process died mid-write
    stored: list[InboxRecord] = []
    spool.drain(stored.append, lambda keys: set())
    clock.advance(seconds=SETTLE.total_seconds() + 1)
    spool.drain(stored.append, lambda keys: set())
    assert [r.key for r in stored] == ["a"]


def test_the_live_file_is_rotated_at_most_once_per_settle_time(tmp_path: Path) -> None:
    clock = FakeClock()
    spool = Spool(tmp_path / "inbox", clock)
    for step in range(4):
        spool.append(record(str(step), clock))
        spool.drain(lambda r: None, lambda keys: set())
        clock.advance(seconds=1)
    assert len(list((tmp_path / "inbox").glob("rotated-*"))) == 1
    assert (tmp_path / "inbox" / "inbox.jsonl").exists()
    assert timedelta(seconds=4) < SETTLE
