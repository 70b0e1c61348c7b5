"""The edges of the core, as Protocols. Real adapters live in bot/ and store/, simulated
ones in sim/, and in-memory fakes in tests/fakes.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from rollout.events import Audit
from rollout.observations import Observations
from rollout.state import DeployState


class Clock(Protocol):
    """Tells the time; the core itself only ever takes `now` as an argument."""

    def now(self) -> datetime: ...


class Metrics(Protocol):
    """Observations of a deploy's current stage."""

    def observe(self, deploy: DeployState, now: datetime) -> Observations: ...


class Deployer(Protocol):
    """Ships versions and moves traffic."""

    def deploy(self, service: str, environment: str, version: str) -> None: ...

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None: ...

    def smoke_test(self, service: str, environment: str, test: str | None) -> tuple[bool, str]: ...

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None: ...


class Notifier(Protocol):
    """Tells people in the deploy's thread."""

    def notify(self, deploy: DeployState, text: str, mention: str | None, level: str) -> None: ...


class Conflict(Exception):
    """A compare-and-set lost: someone else changed the deploy first."""

    def __init__(self, message: str, winner: str | None = None) -> None:
        super().__init__(message)
        self.winner = winner


class Repository(Protocol):
    """Durable deploy state with compare-and-set, plus the audit trail."""

    def add(self, deploy: DeployState, now: datetime) -> None: ...

    def get(self, deploy_id: str) -> DeployState: ...

    def version_of(self, deploy_id: str) -> int: ...

    def save(
        self, deploy: DeployState, expected_version: int, audits: Sequence[Audit], now: datetime
    ) -> int: ...

    def in_flight(self) -> Sequence[DeployState]: ...
