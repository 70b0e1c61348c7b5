"""The deploy state machine: decide(state, event, now, config) -> Transition | Refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from rollout import events as ev
from rollout import messages, wording
from rollout.authorization import Role, refusal, roles
from rollout.config import ChecklistStage, DeployStage, TeamConfig, TrafficStage
from rollout.events import POLICY, SYSTEM, Action, Audit, Event
from rollout.state import DeployState, Exposure


@dataclass(frozen=True)
class Transition:
    """The deploy's new state and what the shell must do about it."""

    state: DeployState
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Refusal:
    """An event that is not allowed, with a human reason and its audit entry."""

    code: str
    reason: str
    audit: Audit


Outcome = Transition | Refusal
COMPARING = frozenset({"sequential", "latency", "mann_whitney", "new_error"})  # need a baseline
E = TypeVar("E")
Handler = Callable[[DeployState, Any, datetime, TeamConfig], Outcome]

# Events a person sends, as the buttons of the authorization table (rollout/authorization.py).
_ACTIONS: dict[type, str] = {
    ev.Confirm: "Confirm",
    ev.Hold: "Hold",
    ev.Resume: "Resume",
    ev.Rollback: "Roll back",
    ev.Abort: "Abort",
    ev.Handoff: "handoff <service>",
    ev.ChecklistItemDone: "Tick a checklist item",
    ev.MarkHealthy: "Mark healthy",
    ev.MarkFaulty: "Mark faulty",
}


def decide(state: DeployState, event: Event, now: datetime, config: TeamConfig) -> Outcome:
    """Apply one event to a deploy."""
    actor = getattr(event, "user", None) or (
        POLICY if isinstance(event, ev.JudgeVerdict) else SYSTEM
    )
    if type(event) in _ACTIONS:
        held = roles(actor, config, deploy_commander=state.commander)
        named: dict[Role, str] = {"deploy_commander": f"@{state.commander}"}
        reason = refusal(_ACTIONS[type(event)], held, named)
        if reason is not None:
            return refuse(state, event, "not_commander", reason)
    if state.finished and not (isinstance(event, ev.Rollback) and state.status == "completed"):
        return refuse(state, event, "finished", f"this deploy is already {wording.status(state)}")
    return _HANDLERS[type(event)](state, event, now, config)


def refuse(state: DeployState, event: Event, code: str, reason: str) -> Refusal:
    """A refusal, audited with the actor who tried."""
    actor = getattr(event, "user", None) or SYSTEM
    audit = Audit(
        actor, f"refused:{_kind(event)}", state.status, state.status, state.stage_index, reason
    )
    return Refusal(code, reason, audit)


def _kind(event: Event) -> str:
    return wording.snake(type(event).__name__)


def _moved(
    before: DeployState,
    after: DeployState,
    event: Event,
    actions: list[Action],
    reason: str,
    evidence: dict[str, Any] | None = None,
) -> Transition:
    actor = getattr(event, "user", None) or (
        POLICY if isinstance(event, ev.JudgeVerdict) else SYSTEM
    )
    audit = Audit(
        actor, _kind(event), before.status, after.status, after.stage_index, reason, evidence or {}
    )
    return Transition(after, (*actions, audit))


# --- entering stages --------------------------------------------------------------------


def _enter(
    state: DeployState, index: int, now: datetime, config: TeamConfig
) -> tuple[DeployState, list[Action]]:
    """Start stage `index`, or finish the rollout when the plan is done."""
    stages = config.plan_named(state.plan_name).stages
    base = state.evolve(
        stage_index=index,
        stage_started_at=now,
        verdicts=(),
        checklist_done=frozenset(),
        bake_until=None,
        held_phase=None,
        hold_reason=None,
        status="running",
    )
    if index >= len(stages):
        return _stabilize(base.evolve(stage_index=len(stages) - 1), now, config)
    stage = stages[index]
    if isinstance(stage, ChecklistStage):
        items = "\n".join(f"• {item}" for item in stage.items)
        return base.evolve(phase="checklist"), [
            ev.Notify("checklist_started", {"stage": stage.name, "items": items})
        ]
    if isinstance(stage, DeployStage):
        return _enter_deploy(base, stage)
    return _enter_traffic(base, stage, index, now)


def _enter_deploy(state: DeployState, stage: DeployStage) -> tuple[DeployState, list[Action]]:
    actions: list[Action] = [ev.DeployTo(stage.environment, state.version)]
    if stage.smoke_test is None:
        ask = ev.AskConfirm(
            state.stage_index, stage.name, state.commander, "deployed; no smoke test configured"
        )
        return state.evolve(phase="awaiting_confirm"), [*actions, ask]
    return state.evolve(phase="deploying"), [
        *actions,
        ev.RunSmoke(stage.environment, stage.smoke_test),
    ]


def _enter_traffic(
    state: DeployState, stage: TrafficStage, index: int, now: datetime
) -> tuple[DeployState, list[Action]]:
    exposure = exposure_for(state.exposure, stage)
    until = now + stage.bake
    new = state.evolve(
        phase="baking", exposure=exposure, authorized_percent=stage.percent, bake_until=until
    )
    traffic = ev.SetTraffic(state.version, exposure.internal, exposure.external, exposure.mirror)
    note = ev.Notify(
        "baking",
        {
            "stage": stage.name,
            "exposure": wording.exposure(exposure),
            "bake": wording.duration(stage.bake),
        },
    )
    return new, [traffic, ev.StartBake(index, until), note]


def exposure_for(current: Exposure, stage: TrafficStage) -> Exposure:
    """Each audience's share after entering a traffic stage; employees keep the new version."""
    internal, external = current.internal, current.external
    if stage.audience in ("internal", "all"):
        internal = stage.percent if stage.audience == "internal" else max(internal, stage.percent)
    if stage.audience in ("external", "all"):
        external = stage.percent
    return Exposure(internal=internal, external=external, mirror=stage.mirror_percent)


def _stabilize(
    state: DeployState, now: datetime, config: TeamConfig
) -> tuple[DeployState, list[Action]]:
    period = config.team.stabilization.major if state.major else config.team.stabilization.minor
    if period.total_seconds() <= 0:
        done = state.evolve(status="completed", phase=None, finished_at=now)
        return done, [ev.Notify("live", {"version": state.version}, level="success")]
    until = now + period
    watching = state.evolve(status="stabilizing", phase=None, stabilize_until=until)
    fields = {"version": state.version, "period": wording.duration(period)}
    return watching, [
        ev.StartStabilization(until),
        ev.Notify("stabilizing", fields, mention=state.commander, level="success"),
    ]


def _advance(
    state: DeployState, event: Event, now: datetime, config: TeamConfig, reason: str
) -> Transition:
    new, actions = _enter(state, state.stage_index + 1, now, config)
    return _moved(state, new, event, actions, reason)


# --- handlers ---------------------------------------------------------------------------


def _on_start(state: DeployState, event: ev.Start, now: datetime, config: TeamConfig) -> Outcome:
    if state.status != "created":
        return refuse(state, event, "already_started", "this deploy has already started")
    new, actions = _enter(state.evolve(started_at=now), 0, now, config)
    forced = f" (forced: {state.forced_reason})" if state.forced_reason else ""
    return _moved(state, new, event, actions, f"started {state.service} {state.version}{forced}")


def _on_confirm(
    state: DeployState, event: ev.Confirm, now: datetime, config: TeamConfig
) -> Outcome:
    stage = config.plan_named(state.plan_name).stages[state.stage_index]
    if event.stage is not None and event.stage != state.stage_index:
        return refuse(state, event, "stale", wording.stale(state, event.stage, config))
    blocked = _confirm_blocker(state, stage, now)
    if blocked:
        return refuse(state, event, blocked[0], blocked[1])
    if not event.note:
        return _advance(state, event, now, config, f"confirmed {stage.name}")
    moved = _advance(state, event, now, config, f"confirmed {stage.name}: {event.note}")
    fields = {"user": event.user, "stage": stage.name, "note": event.note}
    said = ev.Notify("confirmed_note", fields)
    return Transition(moved.state, (*moved.actions, said))


def _confirm_blocker(state: DeployState, stage: Any, now: datetime) -> tuple[str, str] | None:
    if state.status == "created":
        return "not_started", "this deploy has not started yet"
    if state.status == "held":
        return (
            "held",
            f"the deploy is held ({state.hold_reason or 'no reason given'}): resume it first",
        )
    if state.status == "stabilizing":
        return "stabilizing", "the release is at 100%: mark it Healthy or Faulty instead"
    if state.phase == "checklist":
        left = [item for i, item in enumerate(stage.items) if i not in state.checklist_done]
        return (
            "checklist",
            f"{len(left)} checklist item{'s' if len(left) != 1 else ''} left: {', '.join(left)}",
        )
    if state.phase == "deploying":
        return "deploying", f"{stage.name} is still deploying: waiting for the smoke test"
    if state.phase == "baking" and state.bake_until is not None and now < state.bake_until:
        return (
            "baking",
            f"{stage.name} is still baking: {wording.left(state.bake_until - now)} left",
        )
    return None


def _on_item(
    state: DeployState, event: ev.ChecklistItemDone, now: datetime, config: TeamConfig
) -> Outcome:
    stage = config.plan_named(state.plan_name).stages[state.stage_index]
    if state.status == "held":
        return refuse(
            state, event, "held", f"the deploy is held ({state.hold_reason}): resume it first"
        )
    if state.phase != "checklist" or not isinstance(stage, ChecklistStage):
        return refuse(state, event, "stale", "that checklist is already complete")
    if not 0 <= event.item < len(stage.items):
        return refuse(state, event, "bad_item", f"{stage.name} has no item {event.item + 1}")
    if event.item in state.checklist_done:
        return refuse(state, event, "duplicate", f"“{stage.items[event.item]}” is already ticked")
    done = state.checklist_done | {event.item}
    if len(done) < len(stage.items):
        return _moved(
            state, state.evolve(checklist_done=done), event, [], f"ticked {stage.items[event.item]}"
        )
    ask = ev.AskConfirm(state.stage_index, stage.name, state.commander, "checklist complete")
    new = state.evolve(checklist_done=done, phase="awaiting_confirm")
    return _moved(state, new, event, [ask], f"ticked {stage.items[event.item]}; checklist complete")


def _on_smoke_passed(
    state: DeployState, event: ev.SmokePassed, now: datetime, config: TeamConfig
) -> Outcome:
    if state.status != "running" or state.phase != "deploying":
        return refuse(state, event, "stale", "no smoke test is running")
    stage = config.plan_named(state.plan_name).stages[state.stage_index]
    ask = ev.AskConfirm(
        state.stage_index, stage.name, state.commander, f"smoke test passed {event.detail}".strip()
    )
    return _moved(state, state.evolve(phase="awaiting_confirm"), event, [ask], "smoke test passed")


def _on_smoke_failed(
    state: DeployState, event: ev.SmokeFailed, now: datetime, config: TeamConfig
) -> Outcome:
    if state.status != "running" or state.phase != "deploying":
        return refuse(state, event, "stale", "no smoke test is running")
    reason = f"smoke test failed: {event.detail}".rstrip(": ")
    note = ev.Notify("smoke_failed", {"reason": reason}, state.commander, "danger")
    return _moved(state, _held(state, reason), event, [note], reason)


def _held(state: DeployState, reason: str) -> DeployState:
    return state.evolve(status="held", held_phase=state.phase, hold_reason=reason)


def _on_hold(state: DeployState, event: ev.Hold, now: datetime, config: TeamConfig) -> Outcome:
    if state.status == "held":
        return refuse(state, event, "duplicate", f"already held: {state.hold_reason}")
    if state.status != "running":
        return refuse(
            state, event, "not_running", f"cannot hold a deploy that is {wording.status(state)}"
        )
    reason = event.reason or f"held by {messages.user(event.user)}"
    note = ev.Notify("held", {"reason": reason}, level="warning")
    return _moved(state, _held(state, reason), event, [note], reason)


def _on_resume(state: DeployState, event: ev.Resume, now: datetime, config: TeamConfig) -> Outcome:
    if state.status != "held":
        return refuse(state, event, "not_held", "the deploy is not held")
    new = state.evolve(status="running", phase=state.held_phase, held_phase=None, hold_reason=None)
    if new.phase == "baking":
        return _rebake(state, new, event, now, config)
    actions: list[Action] = [ev.Notify("resumed", {"user": event.user})]
    if new.phase == "deploying":
        stage = config.plan_named(state.plan_name).stages[state.stage_index]
        assert isinstance(stage, DeployStage)
        actions.append(ev.RunSmoke(stage.environment, stage.smoke_test))
    return _moved(state, new, event, actions, "resumed")


def _rebake(
    state: DeployState, new: DeployState, event: ev.Resume, now: datetime, config: TeamConfig
) -> Outcome:
    """A held bake starts again: the clock stopped at the hold, and the judges forget what they
    saw before it (their window starts now), so no verdict rests on data from before the hold."""
    stage = config.plan_named(state.plan_name).stages[state.stage_index]
    assert isinstance(stage, TrafficStage)
    until = now + stage.bake
    baking = new.evolve(bake_until=until, stage_started_at=now, verdicts=())
    fields = {"user": event.user, "stage": stage.name, "bake": wording.duration(stage.bake)}
    actions: list[Action] = [
        ev.Notify("resumed_bake", fields),
        ev.StartBake(state.stage_index, until),
    ]
    return _moved(state, baking, event, actions, f"resumed; {stage.name} bakes again")


def _on_rollback(
    state: DeployState, event: ev.Rollback, now: datetime, config: TeamConfig
) -> Outcome:
    if event.target in (None, state.previous_version) and not state.previous_rollback_safe:
        return refuse(state, event, "not_rollback_safe", not_rollback_safe(state))
    reason = event.reason or f"rolled back by {messages.user(event.user)}"
    return rollback(state, event, now, reason, event.target)


def rollback(
    state: DeployState, event: Event, now: datetime, reason: str, target: str | None = None
) -> Transition:
    """Send every audience back to the target (default: the previous version)."""
    to = target or state.previous_version
    new = state.evolve(
        status="rolled_back",
        phase=None,
        exposure=Exposure(),
        bake_until=None,
        rollback_target=to,
        finished_at=now,
        hold_reason=None,
    )
    actions: list[Action] = [
        ev.SetTraffic(state.version, 0.0, 0.0, 0.0),
        ev.RollBack(state.version, to),
        _rolled_back_note(state, to, reason),
    ]
    return _moved(state, new, event, actions, reason)


def not_rollback_safe(state: DeployState) -> str:
    """Why nothing rolls back to the previous release."""
    return (
        f"{state.previous_version} is not rollback-safe, so nothing was rolled back: turn the "
        "change off with its kill switch, or roll forward with a fix"
    )


def _rolled_back_note(state: DeployState, to: str | None, reason: str) -> ev.Notify:
    if to is None:
        fields = {"version": state.version, "service": state.service, "reason": reason}
        return ev.Notify("rolled_back_first", fields, state.commander, "danger")
    fields = {"version": state.version, "target": to, "reason": reason}
    return ev.Notify("rolled_back", fields, state.commander, "danger")


def _on_verdict(
    state: DeployState, event: ev.JudgeVerdict, now: datetime, config: TeamConfig
) -> Outcome:
    if state.status not in ("running", "held", "stabilizing"):
        return refuse(
            state, event, "stale", f"verdict arrived while the deploy is {wording.status(state)}"
        )
    if dict(state.verdicts).get(event.judge) == event.outcome:
        return Transition(state, ())  # nothing new: no transition, no audit
    verdicts = tuple(sorted({**dict(state.verdicts), event.judge: event.outcome}.items()))
    recorded = state.evolve(verdicts=verdicts)
    evidence = {**event.evidence, "mode": event.mode, "outcome": event.outcome}
    if event.outcome != "fail" or event.mode == "observe":
        return _moved(state, recorded, event, [], f"{event.judge}: {event.summary}", evidence)
    if event.mode == "act" and state.previous_rollback_safe:
        text = f"{event.judge} failed: {event.summary}"
        return _with_evidence(rollback(recorded, event, now, text), evidence)
    if not state.previous_rollback_safe:  # the one rollback-safe rule: hold, offer the switch
        reason = f"{event.judge} failed: {event.summary}; {not_rollback_safe(state)}"
        note = ev.Notify("judge_holds_unsafe", {"reason": reason}, state.commander, "danger")
        held = _held(recorded, reason) if state.status == "running" else recorded
        return _moved(state, held, event, [note], reason, evidence)
    reason = f"{event.judge} recommends rolling back: {event.summary}"
    stage = config.plan_named(state.plan_name).stages[state.stage_index]
    ask = ev.AskConfirm(state.stage_index, stage.name, state.commander, reason)
    note = ev.Notify("judge_holds", {"reason": reason}, state.commander, "warning")
    held = _held(recorded, reason) if state.status == "running" else recorded
    return _moved(state, held, event, [note, ask], reason, evidence)


def _with_evidence(transition: Transition, evidence: dict[str, Any]) -> Transition:
    *actions, audit = transition.actions
    assert isinstance(audit, Audit)
    return Transition(
        transition.state,
        (
            *actions,
            Audit(
                audit.actor,
                audit.kind,
                audit.from_status,
                audit.to_status,
                audit.stage,
                audit.reason,
                evidence,
            ),
        ),
    )


def _on_bake_elapsed(
    state: DeployState, event: ev.BakeElapsed, now: datetime, config: TeamConfig
) -> Outcome:
    if state.status != "running" or state.phase != "baking" or state.bake_until is None:
        return refuse(state, event, "stale", "no bake is running")
    if now < state.bake_until:
        return refuse(
            state, event, "early", f"bake has {wording.left(state.bake_until - now)} left"
        )
    stage = config.plan_named(state.plan_name).stages[state.stage_index]
    assert isinstance(stage, TrafficStage)
    unsure = unsettled_judges(state, config)
    first = f"{first_release_note(state.service)}; " if _baseline_missing(state, config) else ""
    if not unsure and stage.gate == "auto":
        return _advance(state, event, now, config, f"{first}{stage.name} baked; every judge passed")
    reason = first + (
        f"not enough evidence to go on: {', '.join(unsure)} did not pass"
        if unsure
        else f"{stage.name} baked; every judge passed"
    )
    ask = ev.AskConfirm(state.stage_index, stage.name, state.commander, reason)
    return _moved(state, state.evolve(phase="awaiting_confirm"), event, [ask], reason)


def _baseline_missing(state: DeployState, config: TeamConfig) -> bool:
    """A first release whose comparing judges have not passed: the thread says why."""
    latest = dict(state.verdicts)
    comparing = [j.label for j in config.policy.judges if j.kind in COMPARING]
    return first_release(state) and any(latest.get(label) != "pass" for label in comparing)


def first_release(state: DeployState) -> bool:
    """True when nothing serves the service before this deploy: there is no baseline arm."""
    return state.previous_version is None


def first_release_note(service: str) -> str:
    """The one sentence every judge and the gate use for a first release."""
    return f"first release of {service}: no baseline; judging against history and thresholds"


def gating_judges(config: TeamConfig) -> list[str]:
    """The judges whose verdicts can hold or roll back a deploy (not observe-only)."""
    return [j.label for j in config.policy.judges if j.mode != "observe"]


def unsettled_judges(state: DeployState, config: TeamConfig) -> list[str]:
    """Gating judges whose latest verdict in this stage is not a pass.

    On a first release the judges that compare against a baseline cannot pass; the others
    (history, thresholds, health) decide alone when there are any.
    """
    latest = dict(state.verdicts)
    gating = [j for j in config.policy.judges if j.mode != "observe"]
    if first_release(state):
        absolute = [j for j in gating if j.kind not in COMPARING]
        gating = absolute or gating
    return [j.label for j in gating if latest.get(j.label) != "pass"]


def _on_stabilized(
    state: DeployState, event: ev.StabilizationElapsed, now: datetime, config: TeamConfig
) -> Outcome:
    if (
        state.status != "stabilizing"
        or state.stabilize_until is None
        or now < state.stabilize_until
    ):
        return refuse(state, event, "stale", "not stabilizing, or the period has not ended")
    return _complete(state, event, now, "stabilization period ended")


def _complete(state: DeployState, event: Event, now: datetime, reason: str) -> Transition:
    new = state.evolve(status="completed", finished_at=now)
    return _moved(
        state,
        new,
        event,
        [ev.Notify("released", {"version": state.version, "reason": reason}, level="success")],
        reason,
    )


def _on_healthy(
    state: DeployState, event: ev.MarkHealthy, now: datetime, config: TeamConfig
) -> Outcome:
    if state.status != "stabilizing":
        return refuse(
            state, event, "not_stabilizing", "only a release at 100% can be marked healthy"
        )
    return _complete(state, event, now, f"marked healthy by {messages.user(event.user)}")


def _on_faulty(
    state: DeployState, event: ev.MarkFaulty, now: datetime, config: TeamConfig
) -> Outcome:
    if state.status != "stabilizing":
        return refuse(
            state, event, "not_stabilizing", "only a release at 100% can be marked faulty"
        )
    reason = event.reason or f"marked faulty by {messages.user(event.user)}"
    return rollback(state, event, now, reason)


def _on_abort(state: DeployState, event: ev.Abort, now: datetime, config: TeamConfig) -> Outcome:
    if state.exposure.any or state.status == "stabilizing":
        return refuse(
            state, event, "has_traffic", "users already reach the new version: roll back instead"
        )
    new = state.evolve(status="aborted", phase=None, finished_at=now)
    reason = event.reason or f"aborted by {messages.user(event.user)}"
    note = ev.Notify("aborted", {"reason": reason}, level="warning")
    return _moved(state, new, event, [note], reason)


def _on_handoff(
    state: DeployState, event: ev.Handoff, now: datetime, config: TeamConfig
) -> Outcome:
    if event.to == state.commander:
        to = messages.user(event.to)
        return refuse(state, event, "duplicate", f"{to} is already the commander")
    new = state.evolve(commander=event.to)
    fields = {"from": state.commander, "to": event.to, "where": wording.where(state, config)}
    note = ev.Notify("handed_off", fields, mention=event.to)
    return _moved(state, new, event, [note], f"handed off to {messages.user(event.to)}")


def _on_action_failed(
    state: DeployState, event: ev.ActionFailed, now: datetime, config: TeamConfig
) -> Outcome:
    if state.status != "running":
        return Transition(state, ())  # already held, or finished: said once, nothing new
    reason = f"{event.action} failed: {event.detail}"
    note = ev.Notify("action_failed", {"reason": reason}, state.commander, "danger")
    return _moved(state, _held(state, reason), event, [note], reason)


def _on_metrics_unavailable(
    state: DeployState, event: ev.MetricsUnavailable, now: datetime, config: TeamConfig
) -> Outcome:
    """Hold and ask once: judges that cannot see the stage must never let it pass."""
    if state.status != "running":
        return Transition(state, ())  # already held, stabilizing or finished: said once
    stage = config.plan_named(state.plan_name).stages[state.stage_index]
    reason = event.reason
    ask = ev.AskConfirm(state.stage_index, stage.name, state.commander, reason)
    note = ev.Notify("metrics_unavailable", {"reason": reason}, state.commander, "warning")
    return _moved(state, _held(state, reason), event, [note, ask], reason)


_HANDLERS: dict[type, Handler] = {
    ev.Start: _on_start,
    ev.ChecklistItemDone: _on_item,
    ev.SmokePassed: _on_smoke_passed,
    ev.SmokeFailed: _on_smoke_failed,
    ev.Confirm: _on_confirm,
    ev.Hold: _on_hold,
    ev.Resume: _on_resume,
    ev.Rollback: _on_rollback,
    ev.JudgeVerdict: _on_verdict,
    ev.BakeElapsed: _on_bake_elapsed,
    ev.StabilizationElapsed: _on_stabilized,
    ev.MarkHealthy: _on_healthy,
    ev.MarkFaulty: _on_faulty,
    ev.Abort: _on_abort,
    ev.Handoff: _on_handoff,
    ev.ActionFailed: _on_action_failed,
    ev.MetricsUnavailable: _on_metrics_unavailable,
}
