"""Carry out a saved transition's actions: deployers, then the thread post, then the card."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.blocks import thread
from bot.blocks.card import card
from bot.blocks.words import notify_line, slack_text
from bot.slack_client import SlackPoster
from rollout import events as ev
from rollout.config import DeployStage, TeamConfig
from rollout.ports import Deployer
from rollout.state import DeployState

log = logging.getLogger("commander.effects")
Message = tuple[str, list]


class Effects:
    """Applies a transition's actions with the real world: Slack, deployers."""

    def __init__(
        self,
        config: TeamConfig,
        repo,
        slack: SlackPoster,
        deployer_for: Callable[[str], Deployer],
    ) -> None:
        self.config = config
        self.repo = repo
        self.slack = slack
        self.deployer_for = deployer_for

    def ship(
        self, before: DeployState, after: DeployState, actions: Sequence[ev.Action]
    ) -> list[ev.Event]:
        """Open the card on start and call the deployer; return the events that produced."""
        if _started(actions):
            self._open_thread(after)
        return self._ship(after, actions)

    def tell(self, before: DeployState, after: DeployState, actions: Sequence[ev.Action]) -> None:
        """Post the transition in the deploy's thread and update its card."""
        located = self.repo.thread_of(after.id)
        if located is None:
            log.warning("deploy %s has no thread yet; not posting", after.id)
            return
        channel, root_ts, _ = located
        text, blocks = self.thread_message(before, after, actions, _started(actions))
        if text or blocks:
            self.slack.post(channel, text or after.id, blocks, thread_ts=root_ts)
        card_text, card_blocks = card(after, self.config)
        self.slack.update(channel, root_ts, card_text, card_blocks)

    def smoke_for(self, state: DeployState) -> list[ev.Event]:
        """Run the current deploy stage's smoke test; its result as an event."""
        stage = self.config.plan_named(state.plan_name).stages[state.stage_index]
        if not isinstance(stage, DeployStage):
            return []
        return self._smoke(state, ev.RunSmoke(stage.environment, stage.smoke_test))

    def thread_message(
        self,
        before: DeployState,
        after: DeployState,
        actions: Sequence[ev.Action],
        started: bool = False,
    ) -> Message:
        """The one thread post that tells what this transition did."""
        lines = self._lines(after, actions)
        asks = [a for a in actions if isinstance(a, ev.AskConfirm)]
        verdicts = any(isinstance(a, ev.Audit) and a.kind == "judge_verdict" for a in actions)
        if after.status == "stabilizing" and before.status != "stabilizing":
            return thread.stabilizing_message(after, lines)
        if after.status == "held" and before.status != "held":
            return thread.held_message(after, lines)
        if after.status == "running" and (started or after.stage_index != before.stage_index):
            if asks:
                ask = slack_text(asks[-1].reason)
                lines = [*lines, f"<@{after.commander}> {ask}: Confirm to go on."]
            return thread.stage_message(after, self.config, lines)
        if asks and after.status == "running":
            return thread.ask_message(after, self.config, lines, slack_text(asks[-1].reason))
        return thread.lines_message(after, lines, why=verdicts and not after.finished)

    def _lines(self, after: DeployState, actions: Sequence[ev.Action]) -> list[str]:
        """Notify texts (with their mention), else what the audit says happened."""
        lines = []
        for action in actions:
            if isinstance(action, ev.Notify):
                lines.append(notify_line(action))
        audits = [a for a in actions if isinstance(a, ev.Audit)]
        if not audits:
            return lines
        first = audits[0]
        if first.kind == "start":
            lines = [f"<@{after.commander}> you command {after.service} {after.version}.", *lines]
            if after.forced_reason:
                by = dict(after.meta).get("forced_by", first.actor)
                lines.insert(1, f":warning: Forced by <@{by}>: {after.forced_reason}")
        elif not lines:
            who = "" if first.actor in (ev.SYSTEM, ev.POLICY) else f"<@{first.actor}>: "
            lines = [f"{who}{slack_text(first.reason)}"]
        return lines

    def _open_thread(self, state: DeployState) -> None:
        """Post the root card; its ts is the thread every later post goes to."""
        if self.repo.thread_of(state.id) is not None:
            return
        text, blocks = card(state, self.config)
        channel, ts = self.slack.post(self.config.team.deploy_channel, text, blocks)
        self.repo.set_thread(state.id, channel, ts, ts)

    def _ship(self, state: DeployState, actions: Sequence[ev.Action]) -> list[ev.Event]:
        deployer = self.deployer_for(state.service)
        follow_ups: list[ev.Event] = []
        for action in actions:
            if isinstance(action, ev.DeployTo):
                deployer.deploy(state.service, action.environment, action.version)
            elif isinstance(action, ev.SetTraffic):
                deployer.set_traffic(
                    state.service, action.version, action.internal, action.external, action.mirror
                )
            elif isinstance(action, ev.RollBack):
                deployer.rollback(state.service, action.from_version, action.to_version)
            elif isinstance(action, ev.RunSmoke):
                follow_ups.extend(self._smoke(state, action))
        return follow_ups

    def _smoke(self, state: DeployState, action: ev.RunSmoke) -> list[ev.Event]:
        result = self.deployer_for(state.service).smoke_test(
            state.service, action.environment, action.test
        )
        return [ev.SmokePassed(result.detail) if result.passed else ev.SmokeFailed(result.detail)]


def _started(actions: Sequence[ev.Action]) -> bool:
    return any(isinstance(a, ev.Audit) and a.kind == "start" for a in actions)
