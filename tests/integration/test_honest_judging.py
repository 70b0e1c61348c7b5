"""The core's judging rules against a real Prometheus scraping a real exporter: a held bake
starts again and never passes on data from before the hold; a judge never rolls back to a
release that is not rollback-safe; a first release is said plainly, and the health judge
without a fleet source does not block an automatic gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.prometheus import PrometheusMetrics
from rollout import controller
from rollout import events as ev
from rollout.config import (
    HealthJudge,
    Plan,
    Policy,
    SequentialJudge,
    TeamConfig,
    ThresholdJudge,
    TrafficStage,
)
from rollout.machine import Refusal, Transition, decide
from rollout.state import DeployState
from tests.exporter import Exporter, Rates
from tests.servers import Server, wait_until


def config(bake: str, *judges: object) -> TeamConfig:
    stage = TrafficStage(name="canary", percent=10, bake=bake, gate="auto")
    plan = Plan(stages=(stage, TrafficStage(name="all", percent=100)))
    return TeamConfig(plan=plan, policy=Policy(judges=judges))  # type: ignore[arg-type]


def started(version: str, previous: str | None, cfg: TeamConfig, **meta: object) -> DeployState:
    state = DeployState(f"api-{version}", "api", version, previous, "U1", meta=tuple(meta.items()))
    outcome = decide(state, ev.Start("U1"), datetime.now(UTC), cfg)
    assert isinstance(outcome, Transition)
    return outcome.state


def look(state: DeployState, metrics: PrometheusMetrics, cfg: TeamConfig) -> controller.Folded:
    now = datetime.now(UTC)
    return controller.observe(state, metrics.observe(state, now), now, cfg)


def judged(state: DeployState, metrics: PrometheusMetrics, cfg: TeamConfig, outcome: str,
           judge: str = "sequential") -> controller.Folded:  # fmt: skip
    """Look until `judge` gives `outcome` (the exporter's data reaches Prometheus)."""
    seen: list[controller.Folded] = []

    def there() -> bool:
        seen.append(look(state, metrics, cfg))
        return dict(seen[-1].state.verdicts).get(judge) == outcome

    wait_until(there, 60, f"{judge} to {outcome}", poll=0.5)
    return seen[-1]


def source(prometheus: Server) -> PrometheusMetrics:
    return PrometheusMetrics({"url": prometheus.url, "window": "2s", "empty_grace": "6s"})


def test_a_held_bake_starts_again_and_never_passes_on_data_from_before_the_hold(
    exporter: Exporter, prometheus: Server
) -> None:
    exporter.set("1.0", Rates())
    exporter.set("1.1", Rates())
    cfg = config("3s", SequentialJudge(min_requests=200))
    state = started("1.1", "1.0", cfg)
    state = judged(state, source(prometheus), cfg, "pass").state  # real data, before the hold
    state = _apply(state, ev.MetricsUnavailable("no answer from prometheus in 5 s"))
    assert state.status == "held"
    assert state.bake_until is not None
    wait_until(lambda: datetime.now(UTC) > state.bake_until + timedelta(seconds=1), 10,  # type: ignore[operator]
               "the outage to outlast the bake")  # fmt: skip

    resumed_at = datetime.now(UTC)
    state = _apply(state, ev.Resume("U1"), resumed_at)
    assert (state.status, state.phase, state.verdicts) == ("running", "baking", ())
    assert state.bake_until == resumed_at + timedelta(seconds=3)
    early = decide(state, ev.BakeElapsed(), resumed_at + timedelta(seconds=1), cfg)
    assert isinstance(early, Refusal) and early.code == "early"
    first_look = look(state, source(prometheus), cfg)  # only data from after the resume counts
    assert dict(first_look.state.verdicts).get("sequential") != "pass"


def test_a_judge_never_rolls_back_to_a_release_that_is_not_rollback_safe(
    exporter: Exporter, prometheus: Server
) -> None:
    exporter.set("2.0", Rates())
    exporter.set("2.1", Rates(error_rate=0.3))
    cfg = config("10m", SequentialJudge(min_requests=200, mode="act"))
    state = started("2.1", "2.0", cfg, previous_rollback_safe=False)
    folded = judged(state, source(prometheus), cfg, "fail")
    assert folded.state.status == "held" and folded.state.rollback_target is None
    assert not any(isinstance(a, ev.RollBack) for a in folded.actions)
    note = next(a for a in folded.actions if isinstance(a, ev.Notify))
    unsafe = "2.0 is not rollback-safe, so nothing was rolled back: turn the change off with its"
    assert f"{unsafe} kill switch" in note.fields["reason"]
    manual = decide(folded.state, ev.Rollback("U1", None, "by hand"), datetime.now(UTC), cfg)
    assert isinstance(manual, Refusal) and "2.0 is not rollback-safe" in manual.reason

    safe = judged(started("2.1", "2.0", cfg), source(prometheus), cfg, "fail")
    assert safe.state.status == "rolled_back" and safe.state.rollback_target == "2.0"


def test_a_first_release_is_said_plainly_and_health_without_a_fleet_never_blocks(
    exporter: Exporter, prometheus: Server
) -> None:
    exporter.set("9.0", Rates())  # payments has never been deployed: no baseline series
    judges = (SequentialJudge(min_requests=200), ThresholdJudge(max=0.05, interval="2s"),
              HealthJudge())  # fmt: skip
    cfg = config("2s", *judges)
    state = started("9.0", None, cfg)
    folded = judged(state, source(prometheus), cfg, "pass", judge="threshold")
    said = {v.judge: v.summary for v in _verdicts(state, source(prometheus), cfg)}
    note = "first release of api: no baseline; judging against history and thresholds"
    assert said["sequential"] == note
    assert said["health"].startswith("no fleet source: host health not judged")
    wait_until(lambda: datetime.now(UTC) >= folded.state.bake_until, 10, "the bake to end")  # type: ignore[operator]
    gate = decide(folded.state, ev.BakeElapsed(), datetime.now(UTC), cfg)
    assert isinstance(gate, Transition) and gate.state.stage_index == 1  # the auto gate opened
    audit = next(a for a in gate.actions if isinstance(a, ev.Audit))
    assert audit.reason == f"{note}; canary baked; every judge passed"

    strict = config("2s", *judges[:2], HealthJudge(require_fleet=True))
    waiting = {v.judge: v for v in _verdicts(state, source(prometheus), strict)}
    assert waiting["health"].outcome == "inconclusive"


def _verdicts(
    state: DeployState, metrics: PrometheusMetrics, cfg: TeamConfig
) -> list[ev.JudgeVerdict]:
    return controller.verdicts(cfg.policy, metrics.observe(state, datetime.now(UTC)), state)


def _apply(state: DeployState, event: ev.Event, now: datetime | None = None) -> DeployState:
    cfg = config("3s", SequentialJudge(min_requests=200))
    outcome = decide(state, event, now or datetime.now(UTC), cfg)
    assert isinstance(outcome, Transition), outcome
    return outcome.state
