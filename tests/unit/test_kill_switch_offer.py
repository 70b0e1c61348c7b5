"""The "Turn off <flag>" offer: only for a failed gating judge on a release that is not
rollback-safe, one button per kill switch."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from bot.blocks.killswitch import offer
from rollout import events as ev
from rollout.config import Service, TeamConfig
from rollout.state import DeployState

CONFIG = TeamConfig(
    services=(
        Service(name="checkout", rollback_safe=False, kill_switches=("new-checkout", "one-click")),
        Service(name="api", kill_switches=("api-v2",)),
    )
)


def deploy(service: str) -> DeployState:
    return DeployState(id="d1", service=service, version="2", previous_version="1", commander="U1")


def verdict(outcome: str, mode: str) -> ev.Audit:
    evidence = {"outcome": outcome, "mode": mode}
    return ev.Audit("policy", "judge_verdict", "running", "held", 3, "sequential", evidence)


def test_a_failed_judge_on_a_release_that_is_not_rollback_safe_offers_every_kill_switch() -> None:
    found = offer(deploy("checkout"), [verdict("fail", "recommend")], CONFIG)
    assert found is not None
    text, blocks = found
    assert "not rollback-safe" in text and "@U1" in text
    elements = blocks[-1]["elements"]
    assert [e["action_id"] for e in elements] == [
        "kill_switch:new-checkout",
        "kill_switch:one-click",
    ]
    assert json.loads(elements[0]["value"]) == {"deploy": "d1", "stage": 0, "flag": "new-checkout"}


def test_a_judge_failing_in_act_mode_over_an_unsafe_previous_release_offers_the_switch() -> None:
    state = deploy("api").evolve(meta=(("previous_rollback_safe", False),))
    found = offer(state, [verdict("fail", "act")], CONFIG)
    assert found is not None and "api 1 is not rollback-safe" in found[0]


@pytest.mark.parametrize(
    ("service", "outcome", "mode"),
    [
        ("api", "fail", "act"),  # rollback-safe: rolling back is the answer
        ("checkout", "fail", "observe"),  # an observing judge changes nothing
        ("checkout", "pass", "act"),
        ("checkout", "inconclusive", "recommend"),
    ],
)
def test_no_offer_otherwise(service: str, outcome: str, mode: str) -> None:
    assert offer(deploy(service), [verdict(outcome, mode)], CONFIG) is None


def test_a_flag_belongs_to_one_service() -> None:
    with pytest.raises(ValidationError, match="listed by both a and b"):
        TeamConfig(
            services=(
                Service(name="a", kill_switches=("f",)),
                Service(name="b", kill_switches=("f",)),
            )
        )
