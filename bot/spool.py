"""The inbox's spool: each slash command appended to a local file before the ack.

One `write` on an O_APPEND file, so the ack never waits for the database's write lock; the
page cache keeps the line through a kill -9. The listener's thread then stores the command
in the database; every worker pass moves lines the listener never stored (a crash) into the
database too, where the store's unique key makes a line stored twice count once.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from rollout.ports import Clock
from rollout.records import InboxRecord

LIVE = "inbox.jsonl"
SETTLE = timedelta(seconds=5)  # a rotated file is read this long after: late appends land first


class Spool:
    """Appends commands to `folder`/inbox.jsonl; `drain` stores files rotated SETTLE ago."""

    def __init__(self, folder: Path, clock: Clock) -> None:
        self.folder = folder
        self.clock = clock
        self._ready = False
        self._rotated: datetime | None = None

    def append(self, command: InboxRecord) -> None:
        """Write one line; durable through a crash of this process."""
        line = json.dumps(_fields(command), separators=(",", ":")) + "\n"
        if not self._ready:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._ready = True
        fd = os.open(self.folder / LIVE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def drain(
        self,
        store: Callable[[InboxRecord], object],
        stored: Callable[[list[str]], set[str]],
    ) -> None:
        """Rotate the live file (at most once per SETTLE), then store the commands of every
        settled rotated file that the store does not have yet, and delete the file."""
        live, now = self.folder / LIVE, self.clock.now()
        if live.exists() and (self._rotated is None or now - self._rotated >= SETTLE):
            live.rename(self.folder / f"rotated-{now.timestamp():.3f}-{uuid.uuid4().hex[:6]}.jsonl")
            self._rotated = now
        for path in sorted(self.folder.glob("rotated-*.jsonl")):
            if now.timestamp() - float(path.name.split("-")[1]) < SETTLE.total_seconds():
                continue
            commands = list(_read(path))
            known = stored([c.key for c in commands])
            for command in commands:
                if command.key not in known:
                    store(command)
            path.unlink()


def _fields(command: InboxRecord) -> dict[str, str]:
    return {
        "key": command.key,
        "user": command.user,
        "channel": command.channel,
        "text": command.text,
        "response_url": command.response_url,
        "received_at": command.received_at.isoformat(),
    }


def _read(path: Path) -> Iterator[InboxRecord]:
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            fields = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash mid-write was never acked
        received = datetime.fromisoformat(fields.pop("received_at"))
        yield InboxRecord(received_at=received, **fields)
