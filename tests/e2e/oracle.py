"""Read the bot's database directly, to check what no Slack message can show (the audit)."""

from __future__ import annotations

import time
from collections.abc import Callable

from rollout.state import DeployState
from store.db import make_engine
from store.records import EventRecord
from store.repository import Repository


class StoreOracle:
    """Read-only looks at the store a bot under test writes to."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.repo = Repository(self.engine)

    def deploy(self, deploy_id: str) -> DeployState:
        """The deploy as stored now."""
        return self.repo.get(deploy_id)

    def events(self, deploy_id: str, kind: str | None = None) -> list[EventRecord]:
        """The deploy's audit trail, optionally only one kind (e.g. "confirm")."""
        return [e for e in self.repo.events(deploy_id) if kind is None or e.kind == kind]

    def wait(
        self,
        deploy_id: str,
        holds: Callable[[DeployState], bool],
        timeout: float = 15,
        what: str = "",
    ) -> DeployState:
        """Poll until the stored deploy satisfies `holds`."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.repo.get(deploy_id)
            if holds(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or holds}; deploy is {state}")
            time.sleep(0.05)

    def wait_event(
        self,
        deploy_id: str,
        match: Callable[[EventRecord], bool],
        timeout: float = 10,
        what: str = "",
    ) -> EventRecord:
        """Poll until an audit entry of the deploy matches, and return the first that does."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.repo.events(deploy_id) if match(e)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no audit entry {what}; trail: {self.repo.events(deploy_id)}")
            time.sleep(0.05)

    def awaiting_confirm(self, deploy_id: str, stage: int, timeout: float = 15) -> DeployState:
        """Wait until the deploy waits at the gate of `stage`."""
        return self.wait(
            deploy_id,
            lambda d: (
                d.status == "running" and d.stage_index == stage and d.phase == "awaiting_confirm"
            ),
            timeout,
            f"stage {stage} awaiting confirm",
        )

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()
