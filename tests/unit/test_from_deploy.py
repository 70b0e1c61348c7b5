"""Fitting a scenario to a real deploy's looks: the baseline, the fault's kind, size and onset,
the plan; and how a deploy was decided, for real and replayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollout.config import TrafficStage
from sim.from_deploy import (
    RealDeploy,
    SeenLook,
    deciding_verdict,
    fault_at,
    fit_scenario,
    to_toml,
)  # fmt: skip
from sim.scenario import parse_scenario

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STAGES = (
    TrafficStage(name="canary", percent=10, bake=timedelta(minutes=5)),
    TrafficStage(name="half", percent=50, bake=timedelta(minutes=5)),
)
DEPLOY = RealDeploy("d1", "api", "2.0", "1.9", "rolled_back", STAGES)


def arm(requests: int, errors: int = 0, business: int = 0, p99: float | None = 200.0,
        types: dict[str, int] | None = None) -> dict[str, Any]:  # fmt: skip
    return {"requests": requests, "errors": errors, "business": business, "p99_ms": p99,
            "windows": 10, "error_types": types or {}}  # fmt: skip


def look(at_s: float, stage: int, base: dict[str, Any], canary: dict[str, Any],
         **hosts: int) -> SeenLook:  # fmt: skip
    figures = {"window_s": 2.0, "baseline": base, "canary": canary,
               "hosts": {"new": 0, "unready": 0, "restarts": 0, **hosts}}  # fmt: skip
    return SeenLook(T0 + timedelta(seconds=at_s), stage, figures, {"sequential": "pass"})


BASE = arm(4000, errors=4, business=200)


@pytest.mark.parametrize(
    ("canary", "hosts", "kind", "size"),
    [
        (arm(400, errors=84, business=20), {}, "error_rate", ("rate", 0.209)),
        (arm(400, errors=8, business=20, types={"KeyError": 8}), {}, "new_error", ("rate", 0.02)),
        (arm(400, business=20, p99=900.0), {}, "latency", ("multiplier", 4.5)),
        (arm(400, business=8), {}, "business_drop", ("fraction", 0.6)),
        (arm(400, business=20), {"new": 2, "restarts": 3}, "crash_loop", None),
        (arm(0), {"new": 2, "unready": 2}, "bad_secret", None),
        (arm(400, errors=1, business=20), {}, None, None),
        (arm(20, errors=20), {}, None, None),  # too few canary requests to tell
    ],
)
def test_the_canary_departing_from_the_baseline_names_the_fault(
    canary: dict[str, Any], hosts: dict[str, int], kind: str | None, size: Any
) -> None:
    fault = fault_at(look(10, 0, BASE, canary, **hosts))
    assert (fault or {}).get("kind") == kind
    if size is not None:
        assert fault is not None and fault[size[0]] == pytest.approx(size[1], abs=1e-3)


def test_a_fault_seen_later_gets_its_onset_and_one_seen_at_a_later_stage_its_percent() -> None:
    clean, bad = arm(400, errors=0, business=20), arm(800, errors=100, business=40)
    later = [look(0, 0, BASE, clean), look(60, 0, BASE, clean), look(120, 0, BASE, bad)]
    scenario = fit_scenario(DEPLOY, later)
    assert scenario["faults"] == [{"kind": "error_rate", "rate": 0.124, "onset": "100s"}]
    staged = [look(0, 0, BASE, clean), look(400, 1, BASE, bad)]
    assert fit_scenario(DEPLOY, staged)["faults"][0]["from_percent"] == 50.0


def test_the_fitted_scenario_is_a_valid_scenario_with_the_plan_and_baseline() -> None:
    scenario = fit_scenario(DEPLOY, [look(0, 0, BASE, arm(400, errors=84, business=20))])
    parsed = parse_scenario(to_toml(scenario), "fitted")
    assert [s.name for s in parsed.release.stages] == ["canary", "half"]
    assert (parsed.release.version, parsed.release.previous_version) == ("2.0", "1.9")
    assert parsed.fleet.rps == pytest.approx(4400 / 20)  # both arms over 10 windows of 2 s
    assert parsed.fleet.baseline_error_rate == pytest.approx(0.001)
    assert parsed.fleet.business_rate == pytest.approx(0.05)
    assert parsed.fleet.latency_ms.p99 == 200.0
    with pytest.raises(ValueError, match="no stored looks"):
        fit_scenario(DEPLOY, [])


def test_a_deploy_is_decided_by_its_first_failing_judge_else_by_its_outcome() -> None:
    verdicts = [("canary", "health", "pass"), ("canary", "sequential", "fail"),
                ("canary", "threshold", "fail")]  # fmt: skip
    assert deciding_verdict(verdicts, "rolled_back") == ("rolled_back", "sequential", "canary")
    assert deciding_verdict(verdicts[:1], "completed") == ("promoted", None, None)
