"""The kubelet's CrashLoopBackOff: when a container that keeps crashing is restarted."""

from __future__ import annotations

from collections.abc import Iterator

FIRST_DELAYS_S = (0.0, 10.0, 20.0, 40.0, 80.0, 160.0)  # the first restart is immediate
MAX_DELAY_S = 300.0
RESET_AFTER_S = 600.0  # a container that ran this long starts the backoff afresh


def backoff_delays() -> Iterator[float]:
    """Delays before each successive restart: 0, 10, 20, 40, 80, 160, then 300 forever."""
    yield from FIRST_DELAYS_S
    while True:
        yield MAX_DELAY_S


class Backoff:
    """One container's restart backoff, reset after a long enough run."""

    def __init__(self) -> None:
        self._delays = backoff_delays()

    def next_delay(self, ran_for_s: float) -> float:
        """The wait before restarting a container that crashed after running `ran_for_s`."""
        if ran_for_s >= RESET_AFTER_S:
            self._delays = backoff_delays()
        return next(self._delays)


def restart_times(run_time_s: float, horizon_s: float) -> list[float]:
    """When a container started at 0 that crashes after `run_time_s` is restarted."""
    backoff, started = Backoff(), 0.0
    times: list[float] = []
    while True:
        crashed = started + run_time_s
        started = crashed + backoff.next_delay(run_time_s)
        if started > horizon_s:
            return times
        times.append(started)
