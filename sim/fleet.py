"""The production fleet: hosts with a version and a state, the router, and deploy mechanics.

Hosts are numpy arrays rather than objects so traffic can be drawn for all of them at
once; what happens to them over time (copies, drains, restarts) is SimPy processes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from rollout.observations import HostHealth
from sim.crashloop import Backoff
from sim.scenario import CrashLoopFault, Fleet
from sim.traffic import Routing

OFF, STARTING, READY, CRASHED, DRAINING = range(5)
OLD, NEW = 0, 1


@dataclass
class Hooks:
    """What the fleet tells the rest of the run: before any change, and lost requests."""

    before_change: Callable[[], None]
    lost: Callable[[int, int], None]  # (version, requests)


class SimFleet:
    """N hosts, behind a router that weights traffic by version and audience or behind none.

    With a router each audience's new-version share is the stage's percent (new hosts carry
    it, whatever their number); without one every serving host takes an equal share of all
    requests, so exposure is new hosts / serving hosts, whole hosts at a time.
    """

    def __init__(
        self,
        env: simpy.Environment,
        cfg: Fleet,
        hooks: Hooks,
        rng: np.random.Generator,
        *,
        bad_secret: bool = False,
        crash_loop: CrashLoopFault | None = None,
        in_flight_s: float = 0.1,
    ) -> None:
        self.env, self.cfg, self.rng = env, cfg, rng
        self.hooks = Hooks(self._changing(hooks.before_change), hooks.lost)
        self._routing: Routing | None = None  # cached until the next change
        self.bad_secret, self.crash_loop, self.in_flight_s = bad_secret, crash_loop, in_flight_s
        self.blue_green = cfg.strategy == "blue_green"
        self.routed = cfg.router == "weighted"
        n = cfg.hosts
        size = 2 * n if self.blue_green else n
        self.version = np.zeros(size, dtype=np.int8)
        self.state = np.full(size, READY, dtype=np.int8)
        if self.blue_green:
            self.version[n:], self.state[n:] = NEW, OFF
        self.started_at = np.full(size, math.nan)
        self.restarts = np.zeros(size, dtype=np.int64)
        self.incarnation = np.zeros(size, dtype=np.int64)
        self.share = (0.0, 0.0, 0.0)  # internal, external, mirror fractions routed to new
        self.mix = (0.0, 0.0, 0.0)  # the last non-zero share: how new hosts' traffic splits
        self.generation = 0
        self.first_new_start: float | None = None
        self.switch_log: list[tuple[float, int]] = []  # (time, hosts switched)
        self.rollback_requested = False
        self.rollback_done: simpy.Event = env.event()

    # --- the router ---------------------------------------------------------------------

    def set_traffic(self, internal_pct: float, external_pct: float, mirror_pct: float) -> None:
        """Route each audience's share to the new version, starting new hosts as needed."""
        self.hooks.before_change()
        self.share = (internal_pct / 100, external_pct / 100, mirror_pct / 100)
        if any(self.share):
            self.mix = self.share
        if self.blue_green:
            green = np.flatnonzero((self.version == NEW) & (self.state == OFF))
            if any(self.share) and len(green) == len(self.version) // 2:
                self._deploy(green, NEW)
        else:
            self._converge(self._desired_new(self.share))

    def roll_back(self) -> None:
        """Return every host to the old version; `rollback_done` fires when none is new."""
        self.hooks.before_change()
        self.rollback_requested = True
        if self.blue_green:
            self.share = (0.0, 0.0, 0.0)
            green = self.version == NEW
            self.incarnation[green] += 1
            self.state[green] = OFF
        else:
            self._converge(np.zeros(len(self.version), dtype=bool))
        self._check_rolled_back()

    def _changing(self, before_change: Callable[[], None]) -> Callable[[], None]:
        """The hook every change calls first: the meter draws up to now under the old
        routing, after which the cached routing is stale."""

        def changing() -> None:
            before_change()
            self._routing = None

        return changing

    def routing(self) -> Routing:
        """Per-host request rates for the fleet as it stands (computed once per change)."""
        if self._routing is None:
            self._routing = self._route()
        return self._routing

    def _route(self) -> Routing:
        if self.cfg.internal_hosts:
            return self._route_pools()
        rps, internal = self.cfg.rps, self.cfg.internal_share
        serving = self._serving()
        new_hosts, old_hosts = serving & (self.version == NEW), serving & (self.version == OLD)
        n_new, n_old = int(new_hosts.sum()), int(old_hosts.sum())
        if self.routed:
            share = self.mix if not self.blue_green else self.share
            rates = np.array([internal * share[0], (1 - internal) * share[1], share[2]])
            rates *= rps * self._capacity(n_new)
        else:  # no router: each serving host takes an equal share of every audience
            users = n_new / (n_new + n_old) if n_new else 0.0
            mirror = self.mix[2] if n_new else 0.0
            rates = rps * np.array([internal * users, (1 - internal) * users, mirror])
        if n_old == 0 and n_new > 0:  # the balancer sends everyone to whatever serves
            rates[:2] = rps * internal, rps * (1 - internal)
        old_rate = rps - rates[0] - rates[1]
        unserved = old_rate if n_old == 0 else 0.0
        total_new = rates.sum()
        return Routing(
            old_rates=np.full(n_old, old_rate / n_old if n_old else 0.0),
            new_rates=np.full(n_new, total_new / n_new if n_new else 0.0),
            split=rates / total_new if total_new > 0 else np.array([0.0, 0.0, 1.0]),
            unserved=unserved,
            external_pct=100 * rates[1] / (rps * (1 - internal)) if internal < 1 else 0.0,
            user_pct=100 * (rates[0] + rates[1]) / rps,
            internal_pct=100 * rates[0] / (rps * internal) if internal > 0 else 0.0,
            mirror_pct=100 * rates[2] / rps,
        )

    def _serving(self) -> np.ndarray:
        serving: np.ndarray = self.state == READY
        if not self.blue_green:  # in place there is no health check before traffic
            serving |= self.state == STARTING
        return serving

    def _capacity(self, n_new: int) -> float:
        """How much of the routed share the new hosts can take (0..1)."""
        if n_new == 0:
            return 0.0
        if self.blue_green:
            return n_new / (len(self.version) // 2)
        return min(1.0, n_new / max(self._hosts_needed(self.mix), 1))

    def _hosts_needed(self, share: tuple[float, float, float]) -> int:
        """How many in-place hosts carry the share: whole hosts, rounded up."""
        fraction = self.cfg.internal_share * share[0] + (1 - self.cfg.internal_share) * share[1]
        if fraction <= 0:
            return 1 if share[2] > 0 else 0
        return min(self.cfg.hosts, math.ceil(self.cfg.hosts * fraction - 1e-9))

    # --- deploy mechanics ---------------------------------------------------------------

    def _desired_new(self, share: tuple[float, float, float]) -> np.ndarray:
        """Which hosts should run the new version: the first ceil(hosts × share) of each pool
        (one pool unless `internal_hosts` splits employees' hosts from customers')."""
        desired = np.zeros(len(self.version), dtype=bool)
        k, n = self.cfg.internal_hosts, self.cfg.hosts
        if not k:
            desired[: self._hosts_needed(share)] = True
            return desired
        desired[: _whole_hosts(k, share[0])] = True
        desired[k : k + _whole_hosts(n - k, share[1])] = True
        return desired

    def _route_pools(self) -> Routing:
        """No router, two pools: each audience's requests spread over its own pool's serving
        hosts, so its exposure is new hosts / serving hosts of that pool."""
        rps, internal = self.cfg.rps, self.cfg.internal_share
        serving, new = self._serving(), self.version == NEW
        pool = np.arange(len(self.version)) < self.cfg.internal_hosts
        per_host = np.zeros(len(self.version))
        shares, unserved = [0.0, 0.0], 0.0
        for index, (members, audience) in enumerate(((pool, internal), (~pool, 1 - internal))):
            up = serving & members
            if not up.any():
                unserved += rps * audience
                continue
            per_host[up] = rps * audience / up.sum()
            shares[index] = float((up & new).sum() / up.sum())
        new_hosts, old_hosts = serving & new, serving & ~new
        rates = np.array([rps * internal * shares[0], rps * (1 - internal) * shares[1], 0.0])
        total_new = rates.sum()
        return Routing(
            old_rates=per_host[old_hosts],
            new_rates=per_host[new_hosts],
            split=rates / total_new if total_new > 0 else np.array([0.0, 0.0, 1.0]),
            unserved=unserved,
            external_pct=100 * shares[1],
            user_pct=100 * (rates[0] + rates[1]) / rps,
            mirror_pct=0.0,
        )

    def _converge(self, desired: np.ndarray) -> None:
        """Schedule in-place switches so exactly the `desired` hosts run the new version."""
        self.generation += 1
        up = np.flatnonzero(desired & (self.version == OLD))
        down = np.flatnonzero(~desired & (self.version == NEW))[::-1]
        if len(up):
            self._deploy(up, NEW)
        if len(down):
            self._deploy(down, OLD)

    def _deploy(self, hosts: np.ndarray, version: int) -> None:
        generation = self.generation
        for delay, wave in self._waves(hosts):
            self.env.process(self._cutover(delay, wave, version, generation))

    def _waves(self, hosts: np.ndarray) -> Iterator[tuple[float, np.ndarray]]:
        """(delay, hosts): push copies k at a time; pull hosts all fetch on one signal."""
        copy = self.cfg.copy_seconds.total_seconds()
        if self.cfg.deploy == "pull":
            yield from self._pull_waves(hosts, self.cfg.signal_delay.total_seconds() + copy)
            return
        k = self.cfg.push_parallelism
        for wave in range(math.ceil(len(hosts) / k)):
            yield (wave + 1) * copy, hosts[wave * k : (wave + 1) * k]

    def _pull_waves(self, hosts: np.ndarray, delay: float) -> Iterator[tuple[float, np.ndarray]]:
        """Every host fetches on the signal; jitter spreads their switches over a few ticks."""
        jitter = self.cfg.pull_jitter.total_seconds()
        if jitter <= 0:
            yield delay, hosts
            return
        lands = np.round(self.rng.uniform(0.0, jitter, size=len(hosts)), 1)
        for extra in np.unique(lands):
            yield delay + float(extra), hosts[lands == extra]

    def _cutover(
        self, delay: float, hosts: np.ndarray, version: int, generation: int
    ) -> ProcessGenerator:
        """A wave whose copy has landed: drain (when atomic) and switch to the version."""
        yield self.env.timeout(delay)
        if generation != self.generation:
            return
        drain = self.cfg.drain_seconds.total_seconds()
        if self.blue_green:
            self._start(hosts, version)
            return
        if self.cfg.atomic and drain > 0:
            self.hooks.before_change()
            previous = self.state[hosts].copy()
            self.state[hosts] = DRAINING
            yield self.env.timeout(drain)
            if generation != self.generation:
                self.hooks.before_change()
                self.state[hosts] = previous
                return
        elif not self.cfg.atomic:
            self._lose_in_flight(hosts)
        self.hooks.before_change()
        self.version[hosts] = version
        self.switch_log.append((self.env.now, len(hosts)))
        self._start(hosts, version)
        self._check_rolled_back()

    def _lose_in_flight(self, hosts: np.ndarray) -> None:
        """Requests in flight on hosts switched without draining fail: λ_host × W each."""
        routing = self.routing()
        serving = self._serving()
        for version, rates in ((OLD, routing.old_rates), (NEW, routing.new_rates)):
            on = hosts[serving[hosts] & (self.version[hosts] == version)]
            if len(on) and len(rates):
                lost = int(self.rng.poisson(rates[0] * self.in_flight_s, size=len(on)).sum())
                self.hooks.lost(version, lost)

    def _check_rolled_back(self) -> None:
        waiting = self.rollback_requested and not self.rollback_done.triggered
        if waiting and not self.new_version_live():
            self.rollback_done.succeed(self.env.now)

    # --- host lifecycles ----------------------------------------------------------------

    def _start(self, hosts: np.ndarray, version: int) -> None:
        self.hooks.before_change()
        self.incarnation[hosts] += 1
        self.state[hosts] = STARTING
        self.started_at[hosts] = self.env.now
        if version == NEW and self.first_new_start is None:
            self.first_new_start = self.env.now
        if version == NEW and self.crash_loop is not None:
            for host in hosts:
                self.env.process(self._crash_looping(int(host), int(self.incarnation[host])))
        elif not (version == NEW and self.bad_secret):
            self.env.process(self._become_ready(hosts, self.incarnation[hosts].copy()))

    def _become_ready(self, hosts: np.ndarray, incarnation: np.ndarray) -> ProcessGenerator:
        """Startup: the process boots and passes its readiness check."""
        yield self.env.timeout(self.cfg.startup_seconds.total_seconds())
        alive = hosts[self.incarnation[hosts] == incarnation]
        if len(alive):
            self.hooks.before_change()
            self.state[alive] = READY

    def _crash_looping(self, host: int, incarnation: int) -> ProcessGenerator:
        """A container that crashes after its run time and restarts on CrashLoopBackOff."""
        assert self.crash_loop is not None
        run = self.crash_loop.run_time.total_seconds()
        startup = self.cfg.startup_seconds.total_seconds()
        backoff = Backoff()
        while True:
            if startup < run:
                yield self.env.timeout(startup)
                if self.incarnation[host] != incarnation:
                    return
                self._set_state(host, READY)
            yield self.env.timeout(run - min(startup, run))
            if self.incarnation[host] != incarnation:
                return
            if self._serving()[host]:
                self._lose_in_flight(np.array([host]))
            self._set_state(host, CRASHED)
            yield self.env.timeout(backoff.next_delay(run))
            if self.incarnation[host] != incarnation:
                return
            self._set_state(host, STARTING)
            self.restarts[host] += 1

    def _set_state(self, host: int, state: int) -> None:
        self.hooks.before_change()
        self.state[host] = state

    # --- what the judges see --------------------------------------------------------------

    def health(self) -> HostHealth:
        """Readiness and restarts of the hosts running the new version."""
        new = (self.version == NEW) & (self.state != OFF)
        if not new.any():
            return HostHealth()
        youngest = float(np.nanmax(self.started_at[new]))
        return HostHealth(
            new_hosts=int(new.sum()),
            unready=int((new & (self.state != READY)).sum()),
            restarts=int(self.restarts[new].sum()),
            seconds_since_start=self.env.now - youngest,
        )

    def new_version_live(self) -> bool:
        """True while any host runs the new version."""
        return bool(((self.version == NEW) & (self.state != OFF)).any())


def _whole_hosts(hosts: int, share: float) -> int:
    """ceil(hosts × share), whole hosts, as a pull fleet's agents count them."""
    return min(hosts, math.ceil(round(hosts * share, 9)))
