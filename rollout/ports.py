"""The edges of the core, as Protocols: the world a deploy acts on, the people it talks to,
its timers, and the store (declared in rollout.repository, re-exported here). Real adapters
live in bot/ and store/, simulated ones in sim/, and in-memory fakes in tests/fakes.py.
`rollout.acting.carry_out` is the one function that drives the first three."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from rollout.events import AskConfirm, Audit, Notify
from rollout.observations import Observations
from rollout.repository import Repository as Repository  # the store's port, re-exported
from rollout.state import DeployState


class Clock(Protocol):
    """Tells the time; the core itself only ever takes `now` as an argument."""

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class SmokeResult:
    """What a smoke test said."""

    passed: bool
    detail: str = ""


class Metrics(Protocol):
    """Observations of a deploy's current stage."""

    def observe(self, deploy: DeployState, now: datetime) -> Observations: ...


class Deployer(Protocol):
    """Ships versions and moves traffic; every call is idempotent (safe to repeat)."""

    def deploy(self, service: str, environment: str, version: str) -> None: ...

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None: ...

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult | None:
        """The test's result, or None when it answers later with SmokePassed/SmokeFailed."""
        ...

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None: ...


class KillSwitches(Protocol):
    """Feature flags that turn a change off when rolling back is unsafe."""

    def set_kill_switch(self, service: str, flag: str, off: bool) -> None: ...


class World(Deployer, Metrics, KillSwitches, Protocol):
    """Everything a deploy acts on: traffic, environments, smoke tests, rollback, kill
    switches, and the observations the judges read."""


class People(Protocol):
    """Everyone a deploy talks to: its commander and its thread."""

    def ask(self, deploy: DeployState, question: AskConfirm) -> None: ...

    def notify(self, deploy: DeployState, note: Notify) -> None: ...

    def record(self, deploy: DeployState, audit: Audit) -> None: ...

    def update_card(self, deploy: DeployState) -> None: ...


class Timers(Protocol):
    """Wakes the deploy when a bake or the stabilization period ends."""

    def bake(self, deploy: DeployState, stage: int, until: datetime) -> None: ...

    def stabilize(self, deploy: DeployState, until: datetime) -> None: ...


class Conflict(Exception):
    """A compare-and-set lost: someone else changed the deploy first."""

    def __init__(self, message: str, winner: str | None = None) -> None:
        super().__init__(message)
        self.winner = winner
