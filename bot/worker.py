"""The background worker: one pass every tick, on every replica, and at once after a save.

A pass (1) reconciles production with each deploy's desired world, (2) drains the outbox of
Slack messages and re-renders stale cards, and (3) fires due bake and stabilization deadlines,
runs the judges and posts maintenance notices. Everything it acts on is read afresh from the
store, so after a restart (even kill -9) deploys simply go on; every change is a
compare-and-set and every send is claimed, so two replicas still do each thing once.

Isolation: each deploy's work has its own error boundary (an exception in one never skips
another's timers, judges or messages), and what waits on a remote system runs off the worker
thread (thread pools in serve): each deploy's judging on `run` (one look per deploy at a time,
bounded by the source's own timeout) and each deploy's Slack messages on `send` (one drain per
deploy at a time, in order), so neither delays the timers or another deploy. A held deploy is
looked at with backoff (evaluate_every doubling up to a minute), not on every pass.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

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
Run = Callable[[Callable[[], None]], None]
MAX_HELD_LOOK = timedelta(seconds=60)


def run_inline(job: Callable[[], None]) -> None:
    """Run a job at once, on the caller's thread (tests and the shell)."""
    job()


class DrillPass(Protocol):
    """One pass over the running drills (bot.drills.runner.DrillRunner)."""

    def run_once(self, now: datetime) -> None: ...


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
        drills: DrillPass | None = None,
        run: Run = run_inline,
        send: Run = run_inline,
    ) -> None:
        self.run = run  # where judging runs: off the worker thread in serve
        self.send = send  # where each deploy's Slack messages go out: likewise
        self.drills = drills  # advances running drills (bot.drills.runner.DrillRunner)
        self.deploys = deploys
        self.team = team
        self.reconciler = reconciler
        self.outbox = outbox
        self.metrics = metrics
        self.tick = tick
        self._judged_at: dict[str, datetime] = {}
        self._held_looks: dict[str, int] = {}  # looks at a held deploy in a row
        self._busy: set[str] = set()  # jobs in flight off the worker thread
        self._lock = threading.Lock()
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
        if self.drills is not None:
            self.drills.run_once(now)
        self.act(now)
        for deploy in self.deploys.repo.active():  # never drills: their world is the sim
            self._guarded(deploy, partial(self._advance, deploy, now))
        for work in (self.team.post_due_notices, *self.also):
            _bounded(work)

    def act(self, now: datetime) -> None:
        """Make production and Slack show what the store says (Slack off the worker thread,
        each deploy's messages on their own, so one slow post never holds up another deploy's)."""
        self.reconciler.run_once(now)
        for deploy_id in self.outbox.due(now):
            drain = partial(self.outbox.drain_deploy, deploy_id, now)
            self._off_thread(f"outbox:{deploy_id}", drain, self.send)

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
            self._judge(deploy)

    def _judge(self, deploy: DeployState) -> None:
        """Look at the deploy's metrics off the worker thread; one look per deploy at a time."""
        look = partial(
            self._guarded, deploy, partial(self.deploys.observe, deploy.id, self.metrics)
        )
        self._off_thread(f"judge:{deploy.id}", look, self.run)

    def _off_thread(self, name: str, job: Callable[[], object], run: Run) -> None:
        """Run `job` on `run` unless the last job of that name is still going."""
        with self._lock:
            if name in self._busy:
                return
            self._busy.add(name)

        def bounded() -> None:
            try:
                _bounded(job)
            finally:
                with self._lock:
                    self._busy.discard(name)

        run(bounded)

    def _judging_due(self, deploy: DeployState, now: datetime) -> bool:
        held = self._held_looks.get(deploy.id, 0) if deploy.status == "held" else 0
        every = self.deploys.config.policy.evaluate_every
        if held:
            every = min(every * 2**held, MAX_HELD_LOOK)
        last = self._judged_at.get(deploy.id)
        if last is not None and now - last < every:
            return False
        self._judged_at[deploy.id] = now
        self._held_looks[deploy.id] = held + 1 if deploy.status == "held" else 0
        return True

    def _guarded(self, deploy: DeployState, step: Callable[[], object]) -> None:
        """One deploy's error boundary: nothing it raises reaches another deploy's work."""
        try:
            step()
        except Conflict as exc:  # another replica or a person changed it first
            log.debug("deploy %s: lost a race (%s); the next pass sees the result", deploy.id, exc)
        except CommanderError as exc:
            log.warning("deploy %s: %s", deploy.id, exc)
        except Exception:  # a bug or a lost database in one deploy: logged in full, others go on
            log.exception("deploy %s: its work in this pass failed", deploy.id)


def _bounded(job: Callable[[], object]) -> None:
    """Run one piece of a pass; what it raises is logged and never stops the others."""
    try:
        job()
    except Exception:  # an error boundary: logged in full, the rest of the pass goes on
        log.exception("worker: %s failed; the rest of the pass goes on", job)


def _due(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now
