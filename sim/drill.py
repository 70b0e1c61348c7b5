"""A drill is data: its scenario, seed, policy, decisions and injections, replayed and scored.

Decisions and injections each carry a simulated time (seconds since the drill started).
`replay` is the one code path that turns that data into a run, for the scorecard,
`commander sim run --decisions` and a restart alike: advancing in many small steps or in
one go gives the same run. `scorecard` puts the run beside the peers' on the same seed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace

from rollout.config import TeamConfig
from rollout.decisions import Decision
from rollout.state import DeployState
from sim.drill_world import DrillPolicy, DrillWorld, Step, drill_config
from sim.injections import Injection, parse_injection
from sim.reference_policies import policy_named
from sim.report import HARMLESS_FAULTS, is_healthy
from sim.results import RunResult
from sim.scenario import Scenario
from sim.scorecard import Scorecard, score

__all__ = [
    "DrillPolicy", "DrillWorld", "Injection", "Step", "default_deploy", "drill_config",
    "parse_injection", "render_json", "replay", "scorecard",
]  # fmt: skip


def replay(
    scenario: Scenario,
    config: TeamConfig,
    seed: int,
    policy: DrillPolicy,
    decisions: Sequence[Decision],
    injections: Sequence[Injection],
    until_s: float | None = None,
    *,
    deploy: DeployState | None = None,
    sim_commander: bool = False,
) -> DrillWorld:
    """The one code path for replays and restarts: the drill rebuilt from its data.

    Each injection and decision (injections first at equal times) is applied at its at_s,
    then the world advances to `until_s`, or to the end. Steps made here are discarded
    (they are in `world.log`): a restarted drill hands out only what comes next.
    """
    if deploy is None and not sim_commander:
        deploy = default_deploy(scenario, config, seed, decisions)
    world = DrillWorld(scenario, config, seed, policy, deploy, sim_commander=sim_commander)
    timeline: list[tuple[float, int, int, Injection | Decision]] = [
        *((i.at_s, 0, n, i) for n, i in enumerate(injections)),
        *((d.at_s, 1, n, d) for n, d in enumerate(decisions)),
    ]
    for at_s, _, _, item in sorted(timeline, key=lambda entry: entry[:3]):
        if until_s is not None and at_s > until_s:
            break
        if isinstance(item, Injection):
            world.inject(item)
        else:
            world.decide(item)
    world.advance(math.inf if until_s is None else until_s)
    return world


def default_deploy(
    scenario: Scenario, config: TeamConfig, seed: int, decisions: Sequence[Decision]
) -> DeployState:
    """A drill deploy for a replay without one: commanded by whoever decided first.

    Trainers may act too, so the first decision by someone who is not a trainer wins.
    """
    trainers = set(config.drills.trainers)
    users = [d.user for d in decisions if d.user not in trainers] or [
        *(d.user for d in decisions),
        scenario.commander.user,
    ]
    return DeployState(
        id=f"drill-{scenario.name}-{seed}",
        service="sim",
        version=scenario.release.version,
        previous_version=scenario.release.previous_version,
        commander=users[0],
        drill=True,
    )


def scorecard(
    scenario: Scenario,
    config: TeamConfig,
    seed: int,
    policy: DrillPolicy,
    decisions: Sequence[Decision],
    injections: Sequence[Injection],
    *,
    deploy: DeployState | None = None,
) -> Scorecard:
    """The trainee's replayed run beside the peers' runs on the same seed and injections.

    Peers: "team policy" (the team's config with the scenario's SimCommander), "best
    response" (that run plus a rollback at the fault's onset and one median reaction), and
    the "argo" and "flagger" reference policies. A pure function of its arguments.
    """
    trainee = replay(scenario, config, seed, policy, decisions, injections, deploy=deploy)
    team = peer_run(scenario, config, seed, injections)
    peers = [
        ("team policy", team),
        ("best response", best_response(scenario, config, seed, injections, team)),
    ]
    for name in ("argo", "flagger"):
        reference = config.model_copy(update={"policy": policy_named(name, config)})
        peers.append((name, peer_run(scenario, reference, seed, injections)))
    healthy = is_healthy(scenario) and all(i.fault.kind in HARMLESS_FAULTS for i in injections)
    return score(trainee.result(), trainee.decisions, peers, healthy)


def peer_run(
    scenario: Scenario,
    config: TeamConfig,
    seed: int,
    injections: Sequence[Injection],
    decisions: Sequence[Decision] = (),
) -> RunResult:
    """A policy's run with the scenario's SimCommander, through the drill's replay."""
    world = replay(scenario, config, seed, "team", decisions, injections, sim_commander=True)
    return world.result(keep_series=False)


def best_response(
    scenario: Scenario,
    config: TeamConfig,
    seed: int,
    injections: Sequence[Injection],
    team: RunResult,
) -> RunResult:
    """The team-policy run with a rollback one median reaction after the fault's onset."""
    if team.fault_onset_s is None:
        return team
    reaction = scenario.commander.reaction_median.total_seconds()
    at_s = team.fault_onset_s + reaction
    rollback = Decision(
        at_s=at_s, kind="rollback", user=scenario.commander.user, reason="the best response"
    )
    run = peer_run(scenario, config, seed, injections, [rollback])
    # Its detection is its rollback, unless the policy saw the fault even sooner.
    detect = reaction if run.time_to_detect_s is None else min(run.time_to_detect_s, reaction)
    return replace(run, time_to_detect_s=detect, detected_at_s=team.fault_onset_s + detect)


def render_json(card: Scorecard) -> str:
    """The scorecard as pretty JSON (what `drill replay --json` prints)."""
    return json.dumps(card.to_json(), indent=2) + "\n"
