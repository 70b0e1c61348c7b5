"""Built-in reference policies that follow the peers' documented defaults (docs/reference.md).

Each is a rollout.config.Policy built from the core's judge kinds, so the simulator runs it
exactly as it runs a team's own policy. `commander sim compare team argo flagger` puts them
side by side on the same seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from rollout.config import (
    HealthJudge,
    MannWhitneyJudge,
    Policy,
    TeamConfig,
    ThresholdJudge,
    ZScoreJudge,
)
from rollout.errors import CommanderError

PROGRESS_DEADLINE = timedelta(seconds=600)  # Argo's and Flagger's progressDeadlineSeconds
RESTARTS_NOT_COUNTED = 1_000_000  # neither tool rolls back on a restart count as such


def _progress_deadline() -> HealthJudge:
    """New pods that are still not ready after the progress deadline fail the rollout."""
    return HealthJudge(
        name="progress-deadline",
        grace=PROGRESS_DEADLINE,
        max_unready_fraction=0.0,
        max_restarts=RESTARTS_NOT_COUNTED,
    )


def argo() -> Policy:
    """Argo Rollouts, as in its docs' AnalysisTemplate example.

    The analysis measures success rate ≥ 0.95 every `interval` of 5 min and fails once more
    than `failureLimit` = 3 measurements fail; progressDeadlineSeconds = 600 fails a rollout
    whose new pods never become ready. An inconclusive measurement pauses for a human, which
    the core does at the end of a bake when a judge has not passed.
    """
    return Policy(
        judges=(
            ThresholdJudge(
                name="success-rate",
                metric="success_rate",
                min=0.95,
                max=None,
                interval=timedelta(minutes=5),
                failure_limit=3,
            ),
            _progress_deadline(),
        ),
        evaluate_every=timedelta(minutes=5),
    )


def flagger() -> Policy:
    """Flagger's defaults: `interval` 60 s, `threshold` 1, request-success-rate ≥ 99%.

    One failed check (threshold 1, so failure_limit 0) rolls back: time to roll back is
    interval × threshold = 60 s. The built-in request-success-rate metric's documented
    thresholdRange is min 99; progressDeadlineSeconds = 600 as for Argo.
    """
    return Policy(
        judges=(
            ThresholdJudge(
                name="request-success-rate",
                metric="success_rate",
                min=0.99,
                max=None,
                interval=timedelta(seconds=60),
                failure_limit=0,
            ),
            _progress_deadline(),
        ),
        evaluate_every=timedelta(seconds=60),
    )


def kayenta() -> Policy:
    """Kayenta (Netflix ACA): Mann–Whitney U per metric, confidence 0.98, tolerance 0.25.

    The score is the % of metrics that pass: pass ≥ 95, marginal 75 (below it fails, in
    between is inconclusive and waits for a human). Each metric needs ≥ 50 data points.
    """
    return Policy(
        judges=(
            MannWhitneyJudge(
                name="aca",
                metrics=("error_rate", "latency_p99_ms"),
                confidence=0.98,
                tolerance=0.25,
                min_points=50,
                pass_score=95,
                marginal_score=75,
            ),
        ),
        evaluate_every=timedelta(seconds=60),
    )


def releasebot() -> Policy:
    """Slack ReleaseBot: the canary error rate against history as a z-score, threshold 3."""
    return Policy(
        judges=(ZScoreJudge(name="zscore", metric="error_rate", threshold=3.0),),
        evaluate_every=timedelta(seconds=60),
    )


REFERENCE_POLICIES: dict[str, Callable[[], Policy]] = {
    "argo": argo,
    "flagger": flagger,
    "kayenta": kayenta,
    "releasebot": releasebot,
}
TEAM = "team"


def policy_named(name: str, config: TeamConfig) -> Policy:
    """The team's own policy ("team") or a reference policy by name."""
    if name == TEAM:
        return config.policy
    if name not in REFERENCE_POLICIES:
        known = ", ".join([TEAM, *REFERENCE_POLICIES])
        raise CommanderError(f'no policy named "{name}" (known: {known})')
    return REFERENCE_POLICIES[name]()
