"""A naive one-event-per-request SimPy model, the baseline bench/sim.py measures against.

Every request is its own SimPy process: an exponential inter-arrival, a uniformly chosen
host, a service-time timeout, and a Bernoulli error draw by the host's version. This is the
obvious way to write the simulator and the reason sim/ samples counts per tick instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import simpy


@dataclass
class NaiveCounts:
    """Requests and errors served per version."""

    requests: dict[str, int] = field(default_factory=lambda: {"old": 0, "new": 0})
    errors: dict[str, int] = field(default_factory=lambda: {"old": 0, "new": 0})


@dataclass(frozen=True)
class NaiveScenario:
    """A fleet with a share of hosts on the new version, at a fixed total request rate."""

    hosts: int = 1000
    rate_per_s: float = 10_000.0
    new_percent: float = 2.0
    error_rate_old: float = 0.001
    error_rate_new: float = 0.02
    latency_s: float = 0.2


class NaiveFleet:
    """Hosts serving one SimPy process per request."""

    def __init__(self, env: simpy.Environment, scenario: NaiveScenario, seed: int) -> None:
        self.env = env
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.new_hosts = round(scenario.hosts * scenario.new_percent / 100)
        self.counts = NaiveCounts()
        env.process(self._arrivals())

    def _arrivals(self):
        """Poisson arrivals: exponential gaps, each request routed to a random host."""
        while True:
            yield self.env.timeout(self.rng.expovariate(self.scenario.rate_per_s))
            host = self.rng.randrange(self.scenario.hosts)
            self.env.process(self._request(host))

    def _request(self, host: int):
        """One request: wait its service time, then fail with the version's error rate."""
        version = "new" if host < self.new_hosts else "old"
        yield self.env.timeout(self.rng.expovariate(1 / self.scenario.latency_s))
        p = self.scenario.error_rate_new if version == "new" else self.scenario.error_rate_old
        self.counts.requests[version] += 1
        self.counts.errors[version] += self.rng.random() < p


def naive_run(scenario: NaiveScenario, horizon_s: float, seed: int = 0) -> NaiveCounts:
    """Simulate `horizon_s` seconds of traffic one request at a time."""
    env = simpy.Environment()
    fleet = NaiveFleet(env, scenario, seed)
    env.run(until=horizon_s)
    return fleet.counts
