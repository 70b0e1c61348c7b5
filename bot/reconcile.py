"""Level-triggered acting: every pass, production is made to match each deploy's desired world.

The desired world follows from the stored state alone (`rollout.acting.desired_world`), so a
crash between the save and the act, a deployer timeout or a lost call converges on the next
pass. Each process remembers what it last applied per deploy and skips an unchanged desired
world; a restart applies it once more (every call is idempotent). The smoke test the desired
world asks for while a stage deploys runs once per process, and its answer goes through the
usual compare-and-set path, as does a `WorldError` (which holds the deploy once).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from adapters.context import acting_for
from bot.blocks.thread import lines_message
from bot.deploys import Deploys
from bot.killswitches import desired_kill_switches
from bot.people import StoredTimers
from rollout import events as ev
from rollout.acting import carry_out, desired_world
from rollout.errors import CommanderError, WorldError
from rollout.ports import Conflict, World
from rollout.records import Message
from rollout.state import DeployState

log = logging.getLogger("commander.reconcile")
Run = Callable[[Callable[[], None]], None]
MAX_PAUSE = timedelta(seconds=60)


class Nobody:
    """The people while reconciling: a desired world only describes production."""

    def ask(self, deploy: DeployState, question: ev.AskConfirm) -> None:
        """Never called: desired worlds hold no questions."""
        raise RuntimeError("a desired world asked the commander something")

    def notify(self, deploy: DeployState, note: ev.Notify) -> None:
        """Never called: desired worlds hold no notes."""
        raise RuntimeError("a desired world notified the thread")

    def record(self, deploy: DeployState, audit: ev.Audit) -> None:
        """Never called: desired worlds hold no audits."""
        raise RuntimeError("a desired world recorded an audit")

    def update_card(self, deploy: DeployState) -> None:
        """Never called: the outbox keeps the card."""
        raise RuntimeError("a desired world updated the card")


def run_inline(job: Callable[[], None]) -> None:
    """Run a job at once, on the caller's thread."""
    job()


class Reconciler:
    """Applies desired worlds: one job per deploy at a time, on `run` (a thread pool in serve)."""

    def __init__(self, deploys: Deploys, world: World, run: Run = run_inline) -> None:
        self.deploys = deploys
        self.world = world
        self.run = run
        self._lock = threading.Lock()
        self._applied: dict[str, tuple[ev.Action, ...]] = {}
        self._marked: dict[str, int] = {}
        self._busy: set[str] = set()
        self._overtaken: set[str] = set()  # deploys whose rollback ran beside an older job
        # failures in a row, retry at, the desired world that failed
        self._paused: dict[str, tuple[int, datetime, tuple[ev.Action, ...]]] = {}
        self._switches: dict[str, bool] = {}  # kill switch -> off, as last written
        self._flag_failures: dict[str, tuple[int, datetime]] = {}  # failures in a row, retry at

    def run_once(self, now: datetime) -> None:
        """Set the kill switches the store asks for, then start a job for every deploy whose
        desired world this process has not applied."""
        self._reconcile_kill_switches(now)
        for deploy, version in self.deploys.repo.to_reconcile():
            desired = desired_world(deploy, self.deploys.config)
            with self._lock:
                job = self._job_for(deploy.id, desired, now)
                if job is None:
                    continue
                if self._applied.get(deploy.id) == desired:
                    self._mark(deploy.id, version)
                    continue
                self._busy.add(job)
            self.run(partial(self._apply, deploy, version, desired, now, job))

    def _job_for(self, deploy_id: str, desired: tuple[ev.Action, ...], now: datetime) -> str | None:
        """The name a new job for the deploy runs under, or None to wait (lock held).

        A rollback never waits: not behind a backoff, and not behind a job still running (a
        hung traffic change); it runs beside it, and when the older job ends its world no
        longer matches the applied one, so the rollback is applied again after it."""
        rollback = f"{deploy_id}/rollback"
        if rollback in self._busy or self._pausing(deploy_id, desired, now):
            return None
        if deploy_id not in self._busy:
            return deploy_id
        if not any(isinstance(a, ev.RollBack) for a in desired):
            return None
        self._overtaken.add(deploy_id)
        return rollback

    def _reconcile_kill_switches(self, now: datetime) -> None:
        """Write each kill switch whose stored state this process has not written yet; a write
        that keeps failing is retried with backoff and said in the thread once."""
        if not any(service.kill_switches for service in self.deploys.config.services):
            return  # nothing to write: spare the pass a query
        stored = self.deploys.repo.flags()
        for service, flip in desired_kill_switches(stored, self.deploys.config):
            if self._switches.get(flip.flag) == flip.off:
                continue
            failing = self._flag_failures.get(flip.flag)
            if failing is not None and now < failing[1]:
                continue
            try:
                self.world.set_kill_switch(service, flip.flag, flip.off)
            except WorldError as exc:  # retried with backoff; the flip itself is stored
                failures = failing[0] + 1 if failing else 1
                delay = min(timedelta(seconds=2 ** (failures - 1)), MAX_PAUSE)
                self._flag_failures[flip.flag] = (failures, now + delay)
                if failures == 1:
                    self._say_flag_failing(service, flip, exc, now)
                continue
            self._flag_failures.pop(flip.flag, None)
            self._switches[flip.flag] = flip.off

    def _say_flag_failing(
        self, service: str, flip: ev.SetKillSwitch, exc: WorldError, now: datetime
    ) -> None:
        """Once per run of failures: a log line, and a line in the service's deploy thread."""
        word = "off" if flip.off else "back on"
        text = (f"Kill switch {flip.flag} could not be turned {word}: {exc.detail}. flagd still "
                "serves it as before; retrying with backoff.")  # fmt: skip
        log.warning("%s", text)
        latest = self.deploys.repo.latest_for(service)
        if latest is None:
            return
        audit = ev.Audit(ev.SYSTEM, "kill_switch_failed", latest.status, latest.status,
                         latest.stage_index, text, {"flag": flip.flag})  # fmt: skip
        body, blocks = lines_message(latest, [text])
        post = Message("post", body, blocks, in_thread=True)
        self.deploys.repo.record(latest.id, [audit], now, outbox=[post])

    def _apply(
        self,
        deploy: DeployState,
        version: int,
        desired: tuple[ev.Action, ...],
        now: datetime,
        job: str,
    ) -> None:
        try:
            self._carry_out(deploy, version, desired, now)
        finally:  # only now may another pass start a job for this deploy
            with self._lock:
                self._busy.discard(job)
                if job == deploy.id and deploy.id in self._overtaken:
                    self._overtaken.discard(deploy.id)
                    self._applied.pop(deploy.id, None)  # what it sent may land late: redo

    def _carry_out(
        self, deploy: DeployState, version: int, desired: tuple[ev.Action, ...], now: datetime
    ) -> None:
        try:
            with acting_for(deploy, version):
                answers = carry_out(deploy, desired, self.world, Nobody(), StoredTimers())
        except WorldError as exc:
            log.warning("deploy %s: %s", deploy.id, exc)
            self._pause(deploy.id, desired, now)
            self._answer(deploy.id, [ev.ActionFailed(exc.action, exc.detail)])
            return
        except Exception:  # an adapter bug must not stop the loop: logged, retried later
            log.exception("deploy %s: applying its desired world failed", deploy.id)
            self._pause(deploy.id, desired, now)
            return
        with self._lock:
            self._applied[deploy.id] = desired
            self._paused.pop(deploy.id, None)
            self._mark(deploy.id, version)
        self._answer(deploy.id, answers)

    def _answer(self, deploy_id: str, events: Sequence[ev.Event]) -> None:
        """Feed the world's answers (smoke results, failures) back through decide."""
        for event in events:
            try:
                self.deploys.apply(deploy_id, event)
            except (Conflict, CommanderError) as exc:
                log.info("deploy %s: %s lost a race: %s", deploy_id, type(event).__name__, exc)
            except Exception:  # e.g. the database is away: forget, so the next pass runs again
                log.exception("deploy %s: recording %s failed", deploy_id, type(event).__name__)
                with self._lock:
                    self._applied.pop(deploy_id, None)

    def _mark(self, deploy_id: str, version: int) -> None:
        """Tell the store the world matches `version` (once per version, lock held)."""
        if self._marked.get(deploy_id) != version:
            self.deploys.repo.mark_world_applied(deploy_id, version)
            self._marked[deploy_id] = version

    def _pausing(self, deploy_id: str, desired: tuple[ev.Action, ...], now: datetime) -> bool:
        """True while a failed deploy waits out its backoff; a new rollback never waits behind
        a backoff earned by something else."""
        paused = self._paused.get(deploy_id)
        if paused is None or now >= paused[1]:
            return False
        rolling_back = any(isinstance(action, ev.RollBack) for action in desired)
        return not rolling_back or paused[2] == desired

    def _pause(self, deploy_id: str, desired: tuple[ev.Action, ...], now: datetime) -> None:
        """Wait longer after each failure in a row (1 s, 2 s, 4 s … up to a minute)."""
        with self._lock:
            failures = self._paused[deploy_id][0] + 1 if deploy_id in self._paused else 1
            delay = min(timedelta(seconds=2 ** (failures - 1)), MAX_PAUSE)
            self._paused[deploy_id] = (failures, now + delay, desired)
