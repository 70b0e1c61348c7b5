"""A real deploy as a drill: a scenario fitted to what its judges saw, with the plan it ran.

The bot stores one compact look per judging round of every real deploy (rollout/looks.py).
`fit_scenario` turns them into a scenario: traffic and the old version's baseline (error rate,
business rate, p99 latency) from the baseline arm; the fault from where the canary departs from
it (kind, size, onset); and the deploy's plan and versions. `deciding_verdict` says how a
deploy was decided (the first failing judge and its stage, else its outcome), for the real
deploy's looks and for the fitted scenario's rehearsal alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rollout.config import Stage, TeamConfig
from rollout.looks import rate
from sim.results import Decision
from sim.scenario import Scenario

MIN_REQUESTS = 50  # a canary rate is read once this many requests back it
ERROR_MARGIN = 0.005  # extra failing share over the baseline that is a fault, at least
LATENCY_FACTOR = 1.5  # a canary p99 this many times the baseline's is a latency fault
BUSINESS_FLOOR = 0.7  # a canary business rate under this share of the baseline's is a drop
DEFAULT_HOSTS = 10
# A deploy's final status in the words of a rehearsal's outcome (sim/rehearsal.py).
RUN_OUTCOME = {"completed": "promoted", "stabilizing": "promoted"}


@dataclass(frozen=True)
class SeenLook:
    """One stored look: when, the stage index, the figures and each judge's verdict."""

    at: datetime
    stage: int
    figures: Mapping[str, Any]
    verdicts: Mapping[str, str]


@dataclass(frozen=True)
class RealDeploy:
    """What the fit needs of the deploy itself."""

    id: str
    service: str
    version: str
    previous_version: str | None
    status: str  # its outcome: rolled_back, promoted, held, aborted …
    stages: tuple[Stage, ...]


def deciding_verdict(
    decisions: Sequence[tuple[str, str, str]], outcome: str
) -> tuple[str, str | None, str | None]:
    """(outcome, judge, stage name) of the first failing verdict, else (outcome, None, None).

    `decisions` are (stage name, judge, verdict) in time order.
    """
    outcome = RUN_OUTCOME.get(outcome, outcome)
    for stage, judge, verdict in decisions:
        if verdict == "fail":
            return outcome, judge, stage
    return outcome, None, None


def real_decisions(deploy: RealDeploy, looks: Sequence[SeenLook]) -> list[tuple[str, str, str]]:
    """The real deploy's verdicts per look, as (stage name, judge, verdict)."""
    return [
        (deploy.stages[look.stage].name, judge, verdict)
        for look in looks
        for judge, verdict in look.verdicts.items()
    ]


def sim_decisions(decisions: Sequence[Decision]) -> list[tuple[str, str, str]]:
    """A rehearsal's verdict changes, as (stage name, judge, verdict)."""
    return [(d.stage, d.judge, d.verdict) for d in decisions]


def _arm(look: SeenLook, name: str) -> Mapping[str, Any]:
    arm: Mapping[str, Any] = look.figures.get(name) or {}
    return arm


def _richest(looks: Sequence[SeenLook], arm: str) -> SeenLook:
    return max(looks, key=lambda look: int(_arm(look, arm).get("requests", 0)))


def fleet_settings(looks: Sequence[SeenLook]) -> dict[str, Any]:
    """The fleet: rps from the busiest look, the old version's rates from its baseline arm."""
    look = _richest(looks, "baseline")
    base, canary = _arm(look, "baseline"), _arm(look, "canary")
    seconds = max(int(base.get("windows", 0)), 1) * float(look.figures.get("window_s", 1.0))
    requests = int(base.get("requests", 0)) + int(canary.get("requests", 0))
    fleet: dict[str, Any] = {"hosts": DEFAULT_HOSTS, "rps": round(max(requests / seconds, 1.0), 3)}
    errors = rate(int(base.get("errors", 0)), int(base.get("requests", 0)))
    if errors is not None:
        fleet["baseline_error_rate"] = round(min(errors, 1.0), 6)
    business = rate(int(base.get("business", 0)), int(base.get("requests", 0)))
    if business is not None:
        fleet["business_rate"] = round(min(business, 1.0), 6)
    if base.get("p99_ms"):
        p99 = float(base["p99_ms"])
        fleet["latency_ms"] = {"p50": round(p99 / 5, 3), "p99": round(p99, 3)}
    return fleet


def fault_at(look: SeenLook) -> dict[str, Any] | None:
    """The fault one look shows, if the canary departs from the baseline; None if it does not."""
    base, canary = _arm(look, "baseline"), _arm(look, "canary")
    hosts = look.figures.get("hosts") or {}
    if int(hosts.get("restarts", 0)) > 0:
        return {"kind": "crash_loop"}
    if int(hosts.get("new", 0)) > 0 and int(hosts.get("unready", 0)) >= int(hosts["new"]):
        return {"kind": "bad_secret"}
    served = int(canary.get("requests", 0))
    if served < MIN_REQUESTS:
        return None
    new_types = set(canary.get("error_types", {})) - set(base.get("error_types", {}))
    if new_types:
        share = sum(int(canary["error_types"][t]) for t in new_types) / served
        return {"kind": "new_error", "rate": round(min(share, 1.0), 6),
                "error_type": sorted(new_types)[0]}  # fmt: skip
    old_errors = rate(int(base.get("errors", 0)), int(base.get("requests", 0))) or 0.0
    excess = int(canary.get("errors", 0)) / served - old_errors
    if excess > max(ERROR_MARGIN, 2 * old_errors):
        return {"kind": "error_rate", "rate": round(min(excess, 1.0), 6)}
    old_p99, new_p99 = base.get("p99_ms"), canary.get("p99_ms")
    if old_p99 and new_p99 and float(new_p99) >= LATENCY_FACTOR * float(old_p99):
        return {"kind": "latency", "multiplier": round(float(new_p99) / float(old_p99), 3)}
    old_business = rate(int(base.get("business", 0)), int(base.get("requests", 0)))
    new_business = int(canary.get("business", 0)) / served
    if old_business and new_business < BUSINESS_FLOOR * old_business:
        return {"kind": "business_drop", "fraction": round(1 - new_business / old_business, 6)}
    return None


def fitted_fault(deploy: RealDeploy, looks: Sequence[SeenLook]) -> dict[str, Any] | None:
    """The fault of the first look that shows one, with its onset (or the stage it began in)."""
    serving = [look for look in looks if int(_arm(look, "canary").get("requests", 0)) > 0]
    if not serving:
        return None
    for look in serving:
        fault = fault_at(look)
        if fault is None:
            continue
        onset_s = max((look.at - serving[0].at).total_seconds() - _span(look), 0.0)
        stage = deploy.stages[look.stage]
        percent = float(getattr(stage, "percent", 0.0) or 0.0)
        if fault["kind"] == "error_rate" and look.stage > serving[0].stage and percent:
            return {**fault, "from_percent": percent}  # it appeared with this stage's traffic
        if fault["kind"] in ("error_rate", "new_error", "latency", "business_drop") and onset_s:
            return {**fault, "onset": f"{round(onset_s)}s"}
        return fault
    return None


def _span(look: SeenLook) -> float:
    """How long the look's canary windows cover: the fault began at most this long before."""
    canary = _arm(look, "canary")
    return float(canary.get("windows", 0)) * float(look.figures.get("window_s", 0.0))


def fit_scenario(deploy: RealDeploy, looks: Sequence[SeenLook]) -> dict[str, Any]:
    """The scenario (as TOML-ready data) that reproduces the deploy."""
    if not looks:
        raise ValueError(f"deploy {deploy.id} has no stored looks: nothing to fit")
    fault = fitted_fault(deploy, looks)
    span = (looks[-1].at - looks[0].at).total_seconds()
    kind = fault["kind"] if fault else "no fault"
    return {
        "name": f"deploy-{deploy.id}",
        "description": (
            f"Replay of {deploy.service} {deploy.version} ({deploy.status.replace('_', ' ')}):"
            f" {kind} fitted from {len(looks)} looks of its judges"
        ),
        "duration": f"{max(round(span * 3), 1800)}s",
        "fleet": fleet_settings(looks),
        "release": {
            "version": deploy.version,
            "previous_version": deploy.previous_version or "none",
            "stages": [_plain(stage.model_dump(mode="json")) for stage in deploy.stages],
        },
        "faults": [fault] if fault else [],
    }


def _plain(value: Any) -> Any:
    """TOML has no null: drop None values, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def to_toml(scenario: Mapping[str, Any]) -> str:
    """The scenario as TOML text."""
    import tomli_w

    return tomli_w.dumps(dict(scenario))


def replayed_verdict(
    scenario: Scenario, config: TeamConfig, seed: int = 1
) -> tuple[str, str | None, str | None]:
    """How the fitted scenario is decided when replayed with the team's policy."""
    from sim.drill import replay

    world = replay(scenario, config, seed, "team", [], [], sim_commander=True)
    return deciding_verdict(sim_decisions(world.rehearsal.decisions), world.outcome or "over")


def verdict_words(verdict: tuple[str, str | None, str | None]) -> str:
    """A deciding verdict in words."""
    outcome, judge, stage = verdict
    said = outcome.replace("_", " ")
    return f"{said}, {judge} failed in stage {stage}" if judge else f"{said}, no judge failed"
