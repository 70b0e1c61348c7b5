"""The one function that carries out the core's actions, and the world a deploy should be in.

Every shell calls `carry_out`: the bot (people: the Slack outbox; world: reconciled from the
store), the rehearsal (a simulated fleet and commander) and drills (a simulated fleet and the
Slack outbox). No other code dispatches over actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import assert_never

from rollout import events as ev
from rollout.config import DeployStage, TeamConfig
from rollout.ports import People, SmokeResult, Timers, World
from rollout.state import DeployState


def carry_out(
    deploy: DeployState,
    actions: Iterable[ev.Action],
    world: World,
    people: People,
    timers: Timers,
) -> list[ev.Event]:
    """Apply each action to its port, in order; return the events the world answered with."""
    answers: list[ev.Event] = []
    for action in actions:
        match action:
            case ev.SetTraffic(version, internal, external, mirror):
                world.set_traffic(deploy.service, version, internal, external, mirror)
            case ev.DeployTo(environment, version):
                world.deploy(deploy.service, environment, version)
            case ev.RunSmoke(environment, test):
                result = world.smoke_test(deploy.service, environment, test)
                if result is not None:  # None: the test answers later, as an event
                    answers.append(_smoke_event(result))
            case ev.RollBack(from_version, to_version):
                world.rollback(deploy.service, from_version, to_version)
            case ev.SetKillSwitch(flag, off):
                world.set_kill_switch(deploy.service, flag, off)
            case ev.StartBake(stage, until):
                timers.bake(deploy, stage, until)
            case ev.StartStabilization(until):
                timers.stabilize(deploy, until)
            case ev.AskConfirm():
                people.ask(deploy, action)
            case ev.Notify():
                people.notify(deploy, action)
            case ev.Audit():
                people.record(deploy, action)
            case _:
                assert_never(action)
    return answers


def _smoke_event(result: SmokeResult) -> ev.Event:
    return ev.SmokePassed(result.detail) if result.passed else ev.SmokeFailed(result.detail)


def desired_world(deploy: DeployState, config: TeamConfig) -> tuple[ev.Action, ...]:
    """What production should look like for this deploy, as idempotent actions.

    The bot's reconcile loop applies these on every pass (level-triggered), so a crash between
    the save and the act, a deployer timeout or a lost call converges on the next pass.
    """
    if deploy.status == "rolled_back":
        return (
            ev.SetTraffic(deploy.version, 0.0, 0.0, 0.0),
            ev.RollBack(deploy.version, deploy.rollback_target),
        )
    if deploy.status == "aborted" or deploy.status == "created":
        return ()
    if deploy.status == "running" and deploy.phase == "deploying":
        stage = config.plan_named(deploy.plan_name).stages[deploy.stage_index]
        assert isinstance(stage, DeployStage)
        return (
            ev.DeployTo(stage.environment, deploy.version),
            ev.RunSmoke(stage.environment, stage.smoke_test),
        )
    exposure = deploy.exposure
    return (ev.SetTraffic(deploy.version, exposure.internal, exposure.external, exposure.mirror),)
