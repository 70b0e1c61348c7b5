"""Which deploy an adapter call is for: its id, previous version and revision.

The Deployer port's calls name only the service and version; adapters that need more (the
command's environment, the webhook's idempotency key, the etcd write's guard) read the deploy
the caller is acting for. Callers wrap their calls: `with acting_for(deploy, revision): ...`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC

from rollout.state import DeployState


@dataclass(frozen=True)
class DeployContext:
    """The deploy behind an adapter call; empty when the caller gave none."""

    deploy_id: str = ""
    previous_version: str | None = None
    version: str = ""
    revision: int = 0
    started: str = ""  # UTC, sortable: 20260106T180000000000

    @property
    def fence(self) -> str:
        """Orders writes: a later deploy, or a later revision of one, sorts higher ("" = none)."""
        return f"{self.started}/{self.revision:012d}" if self.started else ""


_current: ContextVar[DeployContext | None] = ContextVar("commander_deploy", default=None)


def current() -> DeployContext:
    """The deploy the running call acts for."""
    return _current.get() or DeployContext()


@contextmanager
def acting_for(deploy: DeployState, revision: int) -> Iterator[DeployContext]:
    """Adapter calls inside act for this deploy at this stored revision."""
    started = (
        deploy.started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f") if deploy.started_at else ""
    )
    context = DeployContext(deploy.id, deploy.previous_version, deploy.version, revision, started)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
