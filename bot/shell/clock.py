"""The shell's clock: the wall clock, plus however far the user has skipped ahead."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SkippingClock:
    """UTC now, moved forward by `skip` so a 10-minute bake can end when the user asks.

    Given a `start`, the clock stands still there and moves only by skips: a session typed
    the same way prints the same (the README's transcript is replayed by a test)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._ahead = timedelta(0)
        self._lock = threading.Lock()
        self._start = start

    def now(self) -> datetime:
        """Timezone-aware UTC now, skips included."""
        with self._lock:
            return (self._start or datetime.now(UTC)) + self._ahead

    def skip(self, by: timedelta) -> datetime:
        """Move time forward (never back) and return the new now."""
        if by <= timedelta(0):
            raise ValueError("skip forward by a positive duration, e.g. `skip 10m`")
        with self._lock:
            self._ahead += by
        return self.now()
