"""The background worker: bake and stabilization timers, judge evaluations, and notices.

Timers are the persisted `bake_until` / `stabilize_until` of the store's active deploys, read
afresh on every pass, so after a restart (even kill -9) the deploys simply go on. Every change
is a compare-and-set, so two replicas running this loop still make each transition once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from bot.deploys import Deploys
from bot.team import Team
from rollout import controller
from rollout import events as ev
from rollout.errors import CommanderError
from rollout.ports import Conflict, Metrics
from rollout.state import DeployState

log = logging.getLogger("commander.worker")


class Worker:
    """One thread that fires due timers, runs the judges and posts notices."""

    def __init__(
        self,
        deploys: Deploys,
        team: Team,
        metrics_for: Callable[[str], Metrics],
        tick: float = 0.25,
    ) -> None:
        self.deploys = deploys
        self.team = team
        self.metrics_for = metrics_for
        self.tick = tick
        self._judged_at: dict[str, datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._first_pass = True
        self.also: list[Callable[[], None]] = []  # more work each pass (release trains)

    def start(self) -> None:
        """Run passes on a daemon thread until stop()."""
        self._thread = threading.Thread(target=self._loop, name="commander-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current pass."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def run_once(self) -> None:
        """One pass: timers, judges, notices."""
        now = self.deploys.clock.now()
        for deploy in self.deploys.repo.active():
            self._guarded(deploy, lambda d=deploy: self._advance(d, now))
        self._first_pass = False
        self.team.post_due_notices()
        for work in self.also:
            work()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a background loop must outlive one bad pass; logged in full
                log.exception("worker pass failed; retrying next tick")
            self._stop.wait(self.tick)

    def _advance(self, deploy: DeployState, now: datetime) -> None:
        """Fire what is due for one deploy."""
        if deploy.status == "running" and deploy.phase == "baking" and _due(deploy.bake_until, now):
            self.deploys.apply(deploy.id, ev.BakeElapsed())
        elif deploy.status == "stabilizing" and _due(deploy.stabilize_until, now):
            self.deploys.apply(deploy.id, ev.StabilizationElapsed())
        elif deploy.phase == "deploying" and deploy.status == "running" and self._first_pass:
            self.deploys.rerun_smoke(deploy)  # the smoke run in flight died with the last process
        elif controller.watching(deploy) and self._judging_due(deploy, now):
            self.deploys.observe(deploy.id, self.metrics_for(deploy.service))

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
