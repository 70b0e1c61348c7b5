"""The shell's clock: the wall clock, plus however far the user has skipped ahead."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SkippingClock:
    """UTC now, moved forward by `skip` so a 10-minute bake can end when the user asks."""

    def __init__(self) -> None:
        self._ahead = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Timezone-aware UTC now, skips included."""
        with self._lock:
            return datetime.now(UTC) + self._ahead

    def skip(self, by: timedelta) -> datetime:
        """Move time forward (never back) and return the new now."""
        if by <= timedelta(0):
            raise ValueError("skip forward by a positive duration, e.g. `skip 10m`")
        with self._lock:
            self._ahead += by
        return self.now()
