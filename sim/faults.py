"""What a scenario's faults do to requests, tick by tick (host faults live in sim.fleet)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.scenario import (
    BadSecretFault,
    BusinessDropFault,
    CrashLoopFault,
    ErrorRateFault,
    Fault,
    LatencyFault,
    MigrationFault,
    NewErrorFault,
    NoisyBaselineFault,
)

# New-version request streams: employees, customers, and mirrored (dark) copies.
INTERNAL, EXTERNAL, MIRROR = 0, 1, 2
STREAM_AUDIENCE = ("internal", "external", "all")
BAD_SECRET_ERROR = "DatabaseAuthenticationFailed"


@dataclass(frozen=True)
class Effects:
    """The faults' effect on one block of ticks.

    Probabilities are per request; `extra_known` is (3 streams × ticks) for the new version's
    known error types, `new_types` the new version's unseen error types, `burst` hits every
    request of both versions, and `old_extra` hits the old version after an irreversible
    migration.
    """

    extra_known: np.ndarray
    new_types: tuple[tuple[str, np.ndarray], ...]
    burst: np.ndarray
    old_extra: np.ndarray
    business_factor: float
    latency: tuple[float, float]
    all_fail: bool
    active: np.ndarray  # (3 × ticks) whether a release fault touches the stream


class FaultModel:
    """The scenario's faults, evaluated against the time since the new version first started.

    A fault injected mid-run (a drill) starts at an absolute simulated time instead: it acts
    from `at_s` (plus its own onset), and only on the new version once it runs.
    """

    def __init__(
        self,
        faults: Sequence[Fault],
        duration_s: float,
        rng: np.random.Generator,
        history_s: float = 0.0,
    ) -> None:
        self.faults = tuple(faults)
        self._appeared: set[int] = set()  # load-dependent faults stay once they appear
        self._calm_cache: dict[int, Effects] = {}  # effects never mutate: shared when calm
        self._history_s = history_s  # bursts also cover the warm-up, which starts at -history_s
        self._duration_s, self._rng = duration_s, rng
        self._starts: dict[int, float] = {}  # injected faults: index -> absolute start time
        self.host_fault_from: float | None = None  # injected host faults act from here
        self._secret_from = -math.inf
        self.bad_secret = any(isinstance(f, BadSecretFault) for f in self.faults)
        self.irreversible = any(isinstance(f, MigrationFault) for f in self.faults)
        self._bursts = [
            (
                f,
                rng.random(
                    math.ceil((duration_s + history_s) / f.burst_seconds.total_seconds()) + 1
                ),
            )
            for f in self.faults
            if isinstance(f, NoisyBaselineFault)
        ]

    def inject(self, fault: Fault, at_s: float) -> None:
        """Add a fault that starts at simulated time `at_s` (a trainer's injection)."""
        self._starts[len(self.faults)] = at_s
        self.faults = (*self.faults, fault)
        if isinstance(fault, MigrationFault):
            self.irreversible = True
        if isinstance(fault, BadSecretFault) and not self.bad_secret:
            self.bad_secret, self._secret_from = True, at_s
        if isinstance(fault, BadSecretFault | CrashLoopFault) and self.host_fault_from is None:
            self.host_fault_from = at_s
        if isinstance(fault, NoisyBaselineFault):
            periods = (self._duration_s + self._history_s) / fault.burst_seconds.total_seconds()
            self._bursts.append((fault, self._rng.random(math.ceil(periods) + 1)))

    def effects(
        self,
        t: np.ndarray,
        since_start: np.ndarray | None,
        external_pct: float,
        rolled_back: bool,
        in_place: bool,
    ) -> Effects:
        """Effects at tick start times `t`; `since_start` is None before the new version runs."""
        if not self.faults and not self.bad_secret:
            return self._calm(len(t))
        acc = _Accumulator(len(t))
        for index, fault in enumerate(self.faults if since_start is not None else ()):
            assert since_start is not None
            on = since_start >= _onset(fault)
            if index in self._starts:
                on = (since_start >= 0) & (t >= self._starts[index] + _onset(fault))
            if isinstance(fault, ErrorRateFault | MigrationFault):
                if _exposed_enough(fault, external_pct):
                    self._appeared.add(index)
                if index in self._appeared:
                    acc.add_errors(_streams(fault), np.where(on, fault.rate, 0.0))
                if isinstance(fault, MigrationFault) and rolled_back:
                    acc.old_extra += np.where(on, fault.rate, 0.0)
            elif isinstance(fault, NewErrorFault):
                acc.new_types.append((fault.error_type, np.where(on, fault.rate, 0.0)))
                acc.active |= on
            elif isinstance(fault, BusinessDropFault) and on.any():
                acc.business *= 1.0 - fault.fraction
                acc.active |= on
            elif isinstance(fault, LatencyFault) and on.any():
                acc.slow, acc.add_ms = acc.slow * fault.multiplier, acc.add_ms + fault.add_ms
                acc.active |= on
        all_fail = (
            self.bad_secret and in_place and since_start is not None
            and bool(t[-1] >= self._secret_from)
        )  # fmt: skip
        return acc.effects(self.burst(t), all_fail)

    def _calm(self, ticks: int) -> Effects:
        """No faults at all: the same all-zero effects for every block of this many ticks."""
        if ticks not in self._calm_cache:
            self._calm_cache[ticks] = _Accumulator(ticks).effects(np.zeros(ticks), False)
        return self._calm_cache[ticks]

    def burst(self, t: np.ndarray) -> np.ndarray:
        """The extra error probability from noisy-baseline bursts at times `t`."""
        out = np.zeros(len(t))
        for fault, draws in self._bursts:
            index = ((t + self._history_s) // fault.burst_seconds.total_seconds()).astype(int)
            period = np.clip(index, 0, len(draws) - 1)
            out += np.where(draws[period] < fault.burst_probability, fault.burst_error_rate, 0.0)
        return np.clip(out, 0.0, 1.0)


class _Accumulator:
    """Fault effects being summed up for one block."""

    def __init__(self, ticks: int) -> None:
        self.extra = np.zeros((3, ticks))
        self.active = np.zeros((3, ticks), dtype=bool)
        self.old_extra = np.zeros(ticks)
        self.new_types: list[tuple[str, np.ndarray]] = []
        self.business, self.slow, self.add_ms = 1.0, 1.0, 0.0

    def add_errors(self, rows: list[int], rate: np.ndarray) -> None:
        self.extra[rows] += rate
        self.active[rows] |= rate > 0

    def effects(self, burst: np.ndarray, all_fail: bool) -> Effects:
        if all_fail:
            self.active[:] = True
        return Effects(
            extra_known=np.clip(self.extra, 0.0, 1.0),
            new_types=tuple(self.new_types),
            burst=burst,
            old_extra=np.clip(self.old_extra, 0.0, 1.0),
            business_factor=self.business,
            latency=(self.slow, self.add_ms),
            all_fail=all_fail,
            active=self.active,
        )


def _onset(fault: Fault) -> float:
    onset = getattr(fault, "onset", None)
    return 0.0 if onset is None else onset.total_seconds()


def _streams(fault: ErrorRateFault | MigrationFault) -> list[int]:
    audience = getattr(fault, "audience", "all")
    if audience == "internal":
        return [INTERNAL]
    if audience == "external":
        return [EXTERNAL]
    return [INTERNAL, EXTERNAL, MIRROR]


def _exposed_enough(fault: ErrorRateFault | MigrationFault, external_pct: float) -> bool:
    threshold = getattr(fault, "from_percent", 0.0)
    return threshold <= 0 or external_pct >= threshold - 1e-9
