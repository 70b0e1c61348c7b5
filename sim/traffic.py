"""Request traffic as counts per tick: Poisson requests over hosts, Binomial errors per stream.

Control events live in SimPy; requests never do. Between two control events a whole
block of ticks × hosts is drawn at once from the run's numpy Generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.faults import BAD_SECRET_ERROR, MIRROR, Effects
from sim.latency import Lognormal
from sim.scenario import Fleet

IntArray = np.ndarray


@dataclass(frozen=True)
class Routing:
    """Where requests go right now: a rate per serving host and how the new version's splits.

    `split` is the new version's traffic share per stream (employees, customers, mirror).
    `unserved` is the rate of requests that find no serving host at all. The percentages
    count different audiences: `external_pct` customers' requests, `user_pct` all users'
    (employees and customers), `internal_pct` employees', `mirror_pct` mirrored copies as a
    share of all requests.
    """

    old_rates: np.ndarray
    new_rates: np.ndarray
    split: np.ndarray
    unserved: float = 0.0
    external_pct: float = 0.0
    user_pct: float = 0.0
    mirror_pct: float = 0.0
    internal_pct: float = 0.0


@dataclass
class Block:
    """Counts for a block of ticks; per-tick arrays are (ticks,) or (3 streams, ticks)."""

    old_requests: IntArray
    old_errors: IntArray
    old_business: IntArray
    new_requests: IntArray
    new_errors: IntArray
    new_business: IntArray
    old_hist: IntArray
    new_hist: IntArray
    new_types: dict[str, int] = field(default_factory=dict)
    unserved: int = 0
    first_affected: int | None = None


class TrafficSampler:
    """Draws a fleet's traffic for blocks of ticks from one Generator."""

    def __init__(self, fleet: Fleet, rng: np.random.Generator, tick_s: float) -> None:
        self.rng = rng
        self.tick_s = tick_s
        self.error_rate = fleet.baseline_error_rate
        self.business_rate = fleet.business_rate
        self.latency = Lognormal.fit(fleet.latency_ms.p50, fleet.latency_ms.p99)
        self._probs: dict[tuple[float, float], np.ndarray] = {}

    def bucket_probs(self, slowdown: tuple[float, float] = (1.0, 0.0)) -> np.ndarray:
        """Latency bucket probabilities, slowed by (multiplier, add_ms)."""
        if slowdown not in self._probs:
            self._probs[slowdown] = self.latency.slowed(*slowdown).bucket_probabilities()
        return self._probs[slowdown]

    def host_requests(self, rates: np.ndarray, ticks: int) -> np.ndarray:
        """Requests per tick and host, (ticks × hosts), Poisson at each host's rate."""
        return self.rng.poisson(rates * self.tick_s, size=(ticks, len(rates)))

    def fleet_requests(self, rates: np.ndarray, ticks: int) -> np.ndarray:
        """Requests per tick summed over hosts.

        Hosts the router weights equally are exchangeable, and a sum of independent Poisson
        counts is Poisson at the summed rate, so one draw per tick is exact for them (and ~N
        times cheaper); hosts with different rates are drawn one by one.
        """
        if len(rates) == 0:
            return np.zeros(ticks, dtype=np.int64)
        if np.all(rates == rates[0]):
            summed: np.ndarray = self.rng.poisson(rates.sum() * self.tick_s, size=ticks)
            return summed
        per_host: np.ndarray = self.host_requests(rates, ticks).sum(axis=1)
        return per_host

    def sample(self, routing: Routing, effects: Effects, ticks: int) -> Block:
        """One block of traffic under fixed routing and the given fault effects."""
        rng = self.rng
        old = self.fleet_requests(routing.old_rates, ticks)
        new_total = self.fleet_requests(routing.new_rates, ticks)
        if len(routing.new_rates):
            new = rng.multinomial(new_total, routing.split).T
        else:
            new = np.zeros((3, ticks), dtype=np.int64)
        p_base = np.clip(self.error_rate + effects.burst, 0.0, 1.0)
        old_errors = rng.binomial(old, np.clip(p_base + effects.old_extra, 0.0, 1.0))
        new_errors, types = self._new_errors(new, p_base, effects)
        unserved = int(rng.poisson(routing.unserved * self.tick_s * ticks))
        affected = (effects.active & (new > 0)).any(axis=0)
        return Block(
            old_requests=old,
            old_errors=old_errors,
            old_business=rng.binomial(old, self.business_rate),
            new_requests=new,
            new_errors=new_errors,
            new_business=rng.binomial(
                new.sum(axis=0), self.business_rate * effects.business_factor
            ),
            old_hist=rng.multinomial(int(old.sum()), self.bucket_probs()),
            new_hist=rng.multinomial(int(new.sum()), self.bucket_probs(effects.latency)),
            new_types=types,
            unserved=unserved,
            first_affected=int(np.argmax(affected)) if affected.any() else None,
        )

    def _new_errors(
        self, new: np.ndarray, p_base: np.ndarray, effects: Effects
    ) -> tuple[np.ndarray, dict[str, int]]:
        """Errors per stream and tick, thinning each error source in turn."""
        if effects.all_fail:
            return new.copy(), {BAD_SECRET_ERROR: int(new.sum())}
        known = self.rng.binomial(new, np.clip(p_base + effects.extra_known, 0.0, 1.0))
        errors, types = known, dict[str, int]()
        for name, rate in effects.new_types:
            if not rate.any():
                continue
            extra = self.rng.binomial(new - errors, rate)
            errors = errors + extra
            types[name] = types.get(name, 0) + int(extra.sum())
        return errors, types


def user_streams(new: np.ndarray) -> np.ndarray:
    """The user-facing rows (employees and customers) of a (3 × ticks) stream array."""
    return new[:MIRROR]
