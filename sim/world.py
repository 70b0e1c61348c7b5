"""The rehearsal's world, clock and timers: rollout.ports over the simulated fleet and SimPy.

`rollout.acting.carry_out` drives these exactly as it drives the bot's real adapters; the
only difference is time. Smoke tests and timers answer later, as events sent back through
the rehearsal, after the simulated time they take.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import simpy
from simpy.events import ProcessGenerator

from rollout import events as ev
from rollout.observations import HostHealth, Observations
from rollout.state import DeployState
from sim.fleet import SimFleet
from sim.meter import Meter

# Simulated time 0 is a Tuesday, 10:00 in Los Angeles: inside the example deploy hours.
EPOCH = datetime(2026, 1, 6, 18, 0, tzinfo=UTC)

Answer = Callable[[ev.Event], None]


class SimClock:
    """The core's `now`: the epoch plus SimPy's simulated seconds."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env

    def now(self) -> datetime:
        """The simulated wall time."""
        return EPOCH + timedelta(seconds=self.env.now)

    def seconds_until(self, when: datetime) -> float:
        """Simulated seconds from now until `when` (0 if it has passed)."""
        return max((when - self.now()).total_seconds(), 0.0)


class SimWorld:
    """rollout.ports.World over a SimFleet and its Meter.

    The staging deploy and kill switches only leave a record: the fleet models production.
    A smoke test returns None and answers `smoke_s` later through `answer`.
    """

    def __init__(
        self,
        env: simpy.Environment,
        fleet: SimFleet,
        meter: Meter,
        smoke_s: float,
        answer: Answer,
        on_first_traffic: Callable[[], None],
    ) -> None:
        self.env, self.fleet, self.meter = env, fleet, meter
        self.smoke_s, self.answer, self.on_first_traffic = smoke_s, answer, on_first_traffic
        self.deployed: dict[str, str] = {}
        self.kill_switches: dict[str, bool] = {}
        self.changes = 0  # fleet changes so far: the host health cache's key
        self._health: tuple[int, float, HostHealth] | None = None

    def fleet_changing(self) -> None:
        """The fleet's before-change hook: host health must be read afresh."""
        self.changes += 1

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None:
        """Route each audience's share; the meter starts drawing traffic the first time."""
        if not self.meter.started:
            self.meter.start(self.env.now)
            self.on_first_traffic()
        self.fleet.set_traffic(internal, external, mirror)

    def deploy(self, service: str, environment: str, version: str) -> None:
        """Ship to a non-production environment: only recorded."""
        self.deployed[environment] = version

    def smoke_test(self, service: str, environment: str, test: str | None) -> None:
        """Start the smoke test; it passes `smoke_s` later, as an event."""
        self.env.process(self._smoke())

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        """Return every host to the old version with the deploy mechanics' timing."""
        self.fleet.roll_back()

    def set_kill_switch(self, service: str, flag: str, off: bool) -> None:
        """Flip a flag: only recorded (no scenario models a feature behind one yet)."""
        self.kill_switches[flag] = off

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        """Every complete window so far and the new hosts' health."""
        self.meter.flush(self.env.now)
        return self.meter.observations(self._hosts())

    def _hosts(self) -> HostHealth:
        """fleet.health(), read again only after the fleet changed (hosts age in between)."""
        now, cached = self.env.now, self._health
        if cached is None or cached[0] != self.changes:
            health = self.fleet.health()
            self._health = (self.changes, now, health)
            return health
        _, at, health = cached
        if not health.new_hosts:
            return health
        age = health.seconds_since_start + (now - at)
        return HostHealth(health.new_hosts, health.unready, health.restarts, age)

    def _smoke(self) -> ProcessGenerator:
        yield self.env.timeout(self.smoke_s)
        self.answer(ev.SmokePassed("in the simulated staging"))


class SimTimers:
    """rollout.ports.Timers as SimPy timeouts that send the elapsed event back."""

    def __init__(self, env: simpy.Environment, clock: SimClock, answer: Answer) -> None:
        self.env, self.clock, self.answer = env, clock, answer

    def bake(self, deploy: DeployState, stage: int, until: datetime) -> None:
        """BakeElapsed at `until`."""
        self.env.process(self._at(until, ev.BakeElapsed()))

    def stabilize(self, deploy: DeployState, until: datetime) -> None:
        """StabilizationElapsed at `until`."""
        self.env.process(self._at(until, ev.StabilizationElapsed()))

    def _at(self, until: datetime, event: ev.Event) -> ProcessGenerator:
        yield self.env.timeout(self.clock.seconds_until(until))
        yield self.env.timeout(0)  # judges due at this instant see the last window first
        self.answer(event)
