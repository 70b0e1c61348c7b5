"""A quick drill scenario and a trainee who applies decisions as the bot's worker does."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rollout.config import TeamConfig
from rollout.decisions import Decision
from sim.drill import DrillWorld, Injection, Step, default_deploy
from sim.drill_world import DrillPolicy
from sim.scenario import Scenario

TRAINEE = "UTRAINEE1"


def quick(faults: Sequence[dict[str, object]] = (), duration: str = "20m") -> Scenario:
    """One 10% canary baking 10 minutes behind an automatic gate, then 100%."""
    return Scenario.model_validate(
        {
            "name": "drill-quick",
            "duration": duration,
            "fleet": {"hosts": 100, "rps": 2000.0},
            "release": {
                "stages": [
                    {"kind": "traffic", "name": "canary", "percent": 10, "bake": "10m",
                     "gate": "auto"},
                    {"kind": "traffic", "name": "100%", "percent": 100, "bake": "2m",
                     "gate": "auto"},
                ]
            },
            "faults": list(faults),
        }
    )  # fmt: skip


def rollback(at_s: float, user: str = TRAINEE) -> Decision:
    return Decision(at_s=at_s, kind="rollback", user=user, reason="errors")


def stepped(
    scenario: Scenario,
    config: TeamConfig,
    seed: int,
    policy: DrillPolicy,
    decisions: Sequence[Decision],
    injections: Sequence[Injection],
    tick_s: float,
    start: DrillWorld | None = None,
) -> tuple[DrillWorld, list[Step]]:
    """The drill advanced in `tick_s` increments, each input applied at its at_s on the way."""
    world = start or DrillWorld(
        scenario, config, seed, policy, default_deploy(scenario, config, seed, decisions)
    )
    inputs = sorted(
        [(i.at_s, 0, n, i) for n, i in enumerate(injections) if i.at_s > world.now_s]
        + [(d.at_s, 1, n, d) for n, d in enumerate(decisions) if d.at_s > world.now_s],
        key=lambda entry: entry[:3],
    )
    steps: list[Step] = []
    t = world.now_s
    while not world.over and t < scenario.duration.total_seconds() + 60:
        t += tick_s
        while inputs and inputs[0][0] <= t:
            at_s, _, _, item = inputs.pop(0)
            steps += world.advance(at_s)
            if isinstance(item, Injection):
                world.inject(item)
            else:
                made = world.decide(item)
                if isinstance(made, Step):
                    steps.append(made)
        steps += world.advance(t)
    steps += world.advance(math.inf)
    return world, steps


def diligent(
    scenario: Scenario,
    config: TeamConfig,
    seed: int,
    policy: DrillPolicy = "advise",
    react_s: float = 5.0,
) -> list[Decision]:
    """A trainee who ticks every checklist item and confirms every gate `react_s` after it
    asks, and never rolls back: the decisions as the drill recorded them."""
    deploy = default_deploy(scenario, config, seed, []).evolve(commander=TRAINEE)
    world = DrillWorld(scenario, config, seed, policy, deploy)
    asked: tuple[int, float] | None = None
    end = scenario.duration.total_seconds()
    while not world.over and world.now_s < end:
        world.advance(world.now_s + 1.0)
        state = world.state
        if state.status != "running":
            continue
        stage = world.rehearsal.config.plan_named(state.plan_name).stages[state.stage_index]
        todo = [i for i in range(len(getattr(stage, "items", ()))) if i not in state.checklist_done]
        if todo:
            world.decide(Decision(at_s=world.now_s, kind="checklist_item_done", user=TRAINEE,
                                  item=todo[0]))  # fmt: skip
        elif state.phase == "awaiting_confirm":
            if asked is None or asked[0] != state.stage_index:
                asked = (state.stage_index, world.now_s)
            if world.now_s >= asked[1] + react_s:
                world.decide(Decision(at_s=world.now_s, kind="confirm", user=TRAINEE))
    return list(world.decisions)
