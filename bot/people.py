"""A transition's ports as the bot carries it out at save time: the people are Slack messages
written to the outbox, the world and the timers do nothing yet.

`carry_out` hands each ask, note and audit to `OutboxPeople`; `messages()` then words the
one thread post that tells the transition (plus the root card on start and an in-place update
of the checklist), and `Deploys` saves them in the transaction that saves the state. The
worker sends them later; the reconcile loop, not this module, acts on production.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.blocks import Blocks, killswitch, thread
from bot.blocks.card import card
from bot.blocks.kit import section
from bot.edge.words import notify_line
from rollout import events as ev
from rollout.config import ChecklistStage, TeamConfig
from rollout.observations import Observations
from rollout.ports import SmokeResult
from rollout.records import ROOT, Message, OutboxRecord
from rollout.state import DeployState

log = logging.getLogger("commander.people")
Earlier = Callable[[str], OutboxRecord | None]  # a message this deploy posted under a ref


def checklist_ref(stage: int) -> str:
    """The ref of the message that shows stage `stage`'s checklist."""
    return f"checklist:{stage}"


class OutboxPeople:
    """The People port for one transition: collects what to tell, then words it as messages."""

    def __init__(self, config: TeamConfig, before: DeployState, earlier: Earlier) -> None:
        self.config = config
        self.before = before
        self.earlier = earlier
        self.asks: list[ev.AskConfirm] = []
        self.notes: list[ev.Notify] = []
        self.audits: list[ev.Audit] = []

    def ask(self, deploy: DeployState, question: ev.AskConfirm) -> None:
        """Ask the commander to go on: worded into this transition's post."""
        self.asks.append(question)

    def notify(self, deploy: DeployState, note: ev.Notify) -> None:
        """A line for this transition's post."""
        self.notes.append(note)

    def record(self, deploy: DeployState, audit: ev.Audit) -> None:
        """An audit entry: saved with the state, and worded when nothing else says it."""
        self.audits.append(audit)

    def update_card(self, deploy: DeployState) -> None:
        """Nothing to write: the worker re-renders the card until it shows the stored state."""

    # --- wording ----------------------------------------------------------------------

    def messages(self, after: DeployState) -> list[Message]:
        """The root card (on start), the checklist update (on a tick), then the thread post,
        then any kill-switch offer. Wording never stops a decision: a builder that fails is
        logged and its message replaced by plain words that say so."""
        root = self._worded(after, "the card", self._root_card, root=True)
        update = self._worded(after, "the checklist", self._checklist_update)
        quiet = update is not None
        post = self._worded(after, "this change", lambda a: self._thread_post(a, quiet))
        # A failed judge on a release that is not rollback-safe offers its kill switches.
        kill = self._worded(after, "the kill-switch offer", self._kill_offer)
        return [m for m in (root, update, post, kill) if m is not None]

    def _root_card(self, after: DeployState) -> Message | None:
        if not self._started:
            return None
        text, blocks = card(after, self.config)
        return Message("post", text, blocks, channel=self.config.team.deploy_channel, ref=ROOT)

    def _kill_offer(self, after: DeployState) -> Message | None:
        kill = killswitch.offer(after, self.audits, self.config)
        return None if kill is None else Message("post", kill[0], kill[1], in_thread=True)

    def _worded(
        self,
        after: DeployState,
        what: str,
        build: Callable[[DeployState], Message | None],
        root: bool = False,
    ) -> Message | None:
        try:
            return build(after)
        except Exception:  # a wording bug must never block the transition; logged in full
            log.exception("deploy %s: could not word %s", after.id, what)
        text = (
            f"{after.service} {after.version} is {after.status.replace('_', ' ')}. I could not"
            f" word {what}; the change is saved: see `/deploy status {after.id}`."
        )
        if root:
            channel = self.config.team.deploy_channel
            return Message("post", text, [section(text)], channel=channel, ref=ROOT)
        return Message("post", text, [section(text)], in_thread=True)

    @property
    def _started(self) -> bool:
        return any(a.kind == "start" for a in self.audits)

    def _thread_post(self, after: DeployState, quiet: bool) -> Message | None:
        """The one post that tells this transition; none for a tick the checklist shows."""
        if quiet and not self.asks and not self.notes:
            return None
        ref = None
        text, blocks = self._thread_message(after)
        if self._entered_stage(after) and isinstance(self._stage(after), ChecklistStage):
            ref = checklist_ref(after.stage_index)
        if not text and not blocks:
            return None
        return Message("post", text or after.id, blocks, in_thread=True, ref=ref)

    def _thread_message(self, after: DeployState) -> tuple[str, Blocks]:
        before, lines, asks = self.before, self._lines(after), self.asks
        verdicts = any(a.kind == "judge_verdict" for a in self.audits)
        if after.status == "stabilizing" and before.status != "stabilizing":
            return thread.stabilizing_message(after, lines)
        if after.status == "held" and before.status != "held":
            return thread.held_message(after, lines)
        if self._entered_stage(after):
            if asks:
                ask = asks[-1].reason
                lines = [*lines, f"@{after.commander} {ask}: Confirm to go on."]
            return thread.stage_message(after, self.config, lines)
        if asks and after.status == "held":  # a second hold: Resume or Roll back again
            return thread.held_message(after, lines)
        if asks and after.status == "running":
            return thread.ask_message(after, self.config, lines, asks[-1].reason)
        return thread.lines_message(after, lines, why=verdicts and not after.finished)

    def _entered_stage(self, after: DeployState) -> bool:
        return after.status == "running" and (
            self._started or after.stage_index != self.before.stage_index
        )

    def _lines(self, after: DeployState) -> list[str]:
        """Notify lines (with their mention), else what the audit says happened."""
        lines = [notify_line(note) for note in self.notes]
        if not self.audits:
            return lines
        first = self.audits[0]
        if first.kind == "start":
            lines = [f"@{after.commander} you command {after.service} {after.version}.", *lines]
            if after.forced_reason:
                by = dict(after.meta).get("forced_by", first.actor)
                lines.insert(1, f":warning: Forced by @{by}: {after.forced_reason}")
        elif not lines:
            who = "" if first.actor in (ev.SYSTEM, ev.POLICY) else f"@{first.actor}: "
            lines = [f"{who}{first.reason}"]
        return lines

    def _checklist_update(self, after: DeployState) -> Message | None:
        """A tick changes the checklist message in place: ticked items ✓, their buttons gone."""
        ticked = any(a.kind == "checklist_item_done" for a in self.audits)
        if not ticked or not isinstance(self._stage(after), ChecklistStage):
            return None
        ref = checklist_ref(after.stage_index)
        original = self.earlier(ref)
        if original is None:  # posted before the outbox existed: say it in a line instead
            return None
        blocks = thread.with_ticks(original.message.blocks, after, self.config)
        return Message("update", original.message.text, blocks, target=ref)

    def _stage(self, state: DeployState) -> object:
        return self.config.plan_named(state.plan_name).stages[state.stage_index]


class Deferred:
    """The world at transition time: nothing happens yet. After the save, the worker's
    reconcile loop applies the deploy's desired world (and runs its smoke test)."""

    def set_traffic(
        self, service: str, version: str, internal: float, external: float, mirror: float
    ) -> None:
        """Applied by the reconcile loop from the stored state."""

    def deploy(self, service: str, environment: str, version: str) -> None:
        """Applied by the reconcile loop from the stored state."""

    def smoke_test(self, service: str, environment: str, test: str | None) -> SmokeResult:
        """Run by the reconcile loop; the answer here is discarded by the caller."""
        return SmokeResult(False, "not run at transition time")

    def rollback(self, service: str, from_version: str, to_version: str | None) -> None:
        """Applied by the reconcile loop from the stored state."""

    def set_kill_switch(self, service: str, flag: str, off: bool) -> None:
        """Applied by the reconcile loop from the stored state."""

    def observe(self, deploy: DeployState, now: datetime) -> Observations:
        """Never asked: carry_out does not observe."""
        raise RuntimeError("the world is not observed at transition time")


class StoredTimers:
    """Timers that need nothing: bake_until and stabilize_until are saved with the state, and
    the worker fires them when due."""

    def bake(self, deploy: DeployState, stage: int, until: datetime) -> None:
        """Already stored as deploy.bake_until."""

    def stabilize(self, deploy: DeployState, until: datetime) -> None:
        """Already stored as deploy.stabilize_until."""
