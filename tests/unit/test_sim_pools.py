"""The rehearsal's pull fleet switches hosts per pool by the same rule as the real agents:
ceil(hosts × share) of each pool, so both count the same hosts at every stage."""

from __future__ import annotations

import numpy as np
import pytest

from adapters.fleet import switched
from rollout.config import TrafficStage, default_plan
from rollout.machine import exposure_for
from rollout.state import Exposure
from sim.fleet import NEW
from tests.unit.test_sim_fleet import make_fleet


def built_in_exposures() -> list[tuple[str, Exposure]]:
    exposure, out = Exposure(), []
    for stage in default_plan().stages:
        if isinstance(stage, TrafficStage):
            exposure = exposure_for(exposure, stage)
            out.append((stage.name, exposure))
    return out


@pytest.mark.parametrize(("hosts", "internal", "expected"), [
    (5, 1, [1, 2, 2, 2, 3, 4, 5]),
    (40, 4, [4, 5, 8, 13, 22, 31, 40]),
])  # fmt: skip
def test_each_stage_switches_the_hosts_the_agents_would(
    hosts: int, internal: int, expected: list[int]
) -> None:
    env, fleet, _ = make_fleet(hosts=hosts, internal_hosts=internal, router="none",
                               pull_jitter=0, internal_share=0.05)  # fmt: skip
    members = {f"h{i:02d}": "internal" if i < internal else "external" for i in range(hosts)}
    sim_counts, agent_counts = [], []
    for _, exposure in built_in_exposures():
        fleet.set_traffic(exposure.internal, exposure.external, 0)
        env.run(until=env.now + 60)
        sim_counts.append(int((fleet.version == NEW).sum()))
        shares = {"internal": exposure.internal, "external": exposure.external}
        agent_counts.append(len(switched({"shares": shares}, members)))
    assert sim_counts == agent_counts == expected


def test_at_dogfood_only_employees_reach_the_new_version() -> None:
    env, fleet, _ = make_fleet(hosts=5, internal_hosts=1, router="none", pull_jitter=0,
                               internal_share=0.05)  # fmt: skip
    fleet.set_traffic(100, 0, 0)
    env.run(until=60)
    routing = fleet.routing()
    assert routing.external_pct == 0 and routing.user_pct == pytest.approx(5)
    assert routing.old_rates.sum() + routing.new_rates.sum() == pytest.approx(fleet.cfg.rps)
    fleet.set_traffic(100, 2, 0)  # the "2%" canary: one of four customers' hosts, 25% of them
    env.run(until=120)
    assert fleet.routing().external_pct == pytest.approx(25)
    assert np.flatnonzero(fleet.version == NEW).tolist() == [0, 1]
