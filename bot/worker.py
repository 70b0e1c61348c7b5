"""The background worker: one pass every tick, on every replica, and at once after a save.

A pass (1) reconciles production with each deploy's desired world, (2) drains the outbox of
Slack messages and re-renders stale cards, and (3) fires due bake and stabilization deadlines,
runs the judges and posts maintenance notices. Everything it acts on is read afresh from the
store, so after a restart (even kill -9) deploys simply go on; every change is a
compare-and-set and every send is claimed, so two replicas still do each thing once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial

from bot.deploys import Deploys
from bot.outbox import Outbox
from bot.reconcile import Reconciler
from bot.team import Team
from rollout import controller
from rollout import events as ev
from rollout.errors import CommanderError
from rollout.ports import Conflict, Metrics
from rollout.state import DeployState

log = logging.getLogger("commander.worker")


class Worker:
    """One thread that reconciles, sends, fires due timers, runs the judges and posts notices."""

    def __init__(
        self,
        deploys: Deploys,
        team: Team,
        reconciler: Reconciler,
        outbox: Outbox,
        metrics: Metrics,
        tick: float = 0.25,
    ) -> None:
        self.deploys = deploys
        self.team = team
        self.reconciler = reconciler
        self.outbox = outbox
        self.metrics = metrics
        self.tick = tick
        self._judged_at: dict[str, datetime] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.also: list[Callable[[], None]] = []  # more work each pass (release trains)

    def start(self) -> None:
        """Run passes on a daemon thread until stop()."""
        self._thread = threading.Thread(target=self._loop, name="commander-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current pass."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def wake(self) -> None:
        """Run the next pass now rather than at the next tick (a transition was saved)."""
        self._wake.set()

    def run_once(self) -> None:
        """One pass: reconcile, drain the outbox, then timers, judges and notices."""
        now = self.deploys.clock.now()
        self.act(now)
        for deploy in self.deploys.repo.active():
            self._guarded(deploy, partial(self._advance, deploy, now))
        self.team.post_due_notices()
        for work in self.also:
            work()

    def act(self, now: datetime) -> None:
        """Make production and Slack show what the store says."""
        self.reconciler.run_once(now)
        self.outbox.drain(now)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_once()
            except Exception:  # a background loop must outlive one bad pass; logged in full
                log.exception("worker pass failed; retrying next tick")
            self._wake.wait(self.tick)

    def _advance(self, deploy: DeployState, now: datetime) -> None:
        """Fire what is due for one deploy."""
        if deploy.status == "running" and deploy.phase == "baking" and _due(deploy.bake_until, now):
            self.deploys.apply(deploy.id, ev.BakeElapsed())
        elif deploy.status == "stabilizing" and _due(deploy.stabilize_until, now):
            self.deploys.apply(deploy.id, ev.StabilizationElapsed())
        elif controller.watching(deploy) and self._judging_due(deploy, now):
            self.deploys.observe(deploy.id, self.metrics)

    def _judging_due(self, deploy: DeployState, now: datetime) -> bool:
        last = self._judged_at.get(deploy.id)
        if last is not None and now - last < self.deploys.config.policy.evaluate_every:
            return False
        self._judged_at[deploy.id] = now
        return True

    def _guarded(self, deploy: DeployState, step: Callable[[], None]) -> None:
        try:
            step()
        except Conflict as exc:  # another replica or a person changed it first
            log.debug("deploy %s: lost a race (%s); the next pass sees the result", deploy.id, exc)
        except CommanderError as exc:
            log.warning("deploy %s: %s", deploy.id, exc)


def _due(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now
