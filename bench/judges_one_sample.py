"""The one-sample judge with no baseline left: A/A false alarms and time to detect a 10× jump.

The setting of issue 20: 12,000 req/s at 100% (5 s windows), a good error rate of 0.1%, an
hour of history at that rate. The watch is the 100% bake (5 min) and the stabilization
(15 min): 240 windows, judged after each, counted from window 0 (a real release's arm
starts earlier, which only raises the thresholds of the watch's starts).
A/A: no change. Detection: from a uniformly random instant in the stabilization on, the
rate is 1.1%; the time counts from the first faulty request to the first failing look.
Imported by bench/judges.py, which prints the rows.
"""

from __future__ import annotations

import math

import numpy as np

from rollout.config import OneSampleJudge
from rollout.judges import evaluate
from rollout.judges.one_sample import null_rate, spent_log_e_values, start_windows
from rollout.observations import Arm, Observations

RPS, P0, P1, WINDOW_S = 12_000.0, 0.001, 0.011, 5.0
HISTORY, BAKE, WATCH = 720, 60, 240  # windows: an hour of history, 5 min bake, then 15 min
ALPHA = 0.01

Rows = list[tuple[str, str, str, bool | None]]


def history_rates(rng: np.random.Generator, reps: int, quantile: float) -> np.ndarray:
    """Each replication's null rate, learned from its own hour of history."""
    requests = rng.poisson(RPS * WINDOW_S, (reps, HISTORY))
    errors = rng.binomial(requests, P0)
    return np.array([null_rate(Arm(requests[i], errors[i]), quantile) for i in range(reps)])


def watch(
    rng: np.random.Generator, reps: int, onset_s: np.ndarray | None
) -> tuple[np.ndarray, ...]:
    """Per-window requests and errors of the watch; errors at P1 after each onset."""
    requests = rng.poisson(RPS * WINDOW_S, (reps, WATCH))
    if onset_s is None:
        return requests, rng.binomial(requests, P0)
    starts = np.arange(WATCH) * WINDOW_S
    faulty = np.clip((starts[None, :] + WINDOW_S - onset_s[:, None]) / WINDOW_S, 0.0, 1.0)
    bad = rng.binomial(requests, faulty)  # requests after the onset inside each window
    return requests, rng.binomial(bad, P1) + rng.binomial(requests - bad, P0)


def first_alarms(requests: np.ndarray, errors: np.ndarray, p0: np.ndarray) -> np.ndarray:
    """The first window after which the judge's statistic crosses 1/α, or -1 (per rep)."""
    first = np.full(len(requests), -1)
    for rep in range(len(requests)):
        for t in range(1, WATCH + 1):
            spent = spent_log_e_values(errors[rep, :t].astype(float), requests[rep, :t], p0[rep])
            if spent.max() >= math.log(1 / ALPHA):
                first[rep] = t - 1
                break
    return first


def agrees(requests: np.ndarray, errors: np.ndarray, history: Arm, first: int) -> bool:
    """The public judge fails at the replay's first alarm and not one window before."""
    cfg = OneSampleJudge(alpha=ALPHA)

    def outcome(windows: int) -> str:
        obs = Observations(
            WINDOW_S, Arm(), Arm(requests[:windows], errors[:windows]), history=history
        )
        return evaluate(cfg, obs).outcome

    if first < 0:
        return outcome(WATCH) != "fail"
    return outcome(first + 1) == "fail" and (first == 0 or outcome(first) != "fail")


def one_sample_rows(rng: np.random.Generator, reps: int = 200) -> Rows:
    """A/A false alarm rate over the watch, and detection time of 0.1% → 1.1%."""
    quantile = OneSampleJudge().quantile
    p0 = history_rates(rng, reps, quantile)
    requests, errors = watch(rng, reps, None)
    aa = first_alarms(requests, errors, p0)
    rate = float((aa >= 0).mean())
    onset = rng.uniform(BAKE * WINDOW_S, WATCH * WINDOW_S - 30, reps)
    requests_f, errors_f = watch(rng, reps, onset)
    first = first_alarms(requests_f, errors_f, p0)
    caught = first >= 0
    delay = (first[caught] + 1) * WINDOW_S - onset[caught]
    spot = rng.poisson(RPS * WINDOW_S, HISTORY)
    history = Arm(spot, rng.binomial(spot, P0))
    p_spot = np.full(1, null_rate(history, quantile))
    agree = agrees(
        requests_f[0],
        errors_f[0],
        history,
        int(first_alarms(requests_f[:1], errors_f[:1], p_spot)[0]),
    )
    limit = 2 * WINDOW_S
    worst = float(delay.max()) if caught.any() else math.inf
    return [
        (
            f"one-sample A/A false alarms, {reps} × {WATCH * WINDOW_S / 60:.0f} min watch",
            f"{rate:.2%}",
            f"≤ {ALPHA:.0%} (α)",
            rate <= ALPHA,
        ),
        (
            "one-sample time to detect 0.1% → 1.1% at 12k req/s",
            f"mean {delay.mean():.1f} s, max {worst:.1f} s",
            f"≤ {limit:.0f} s (2 intervals)",
            bool(caught.all()) and worst <= limit,
        ),
        (f"  tested starts after {WATCH} windows", f"{len(start_windows(WATCH))}", "info", None),
        ("  public judge agrees (one-sample spot check)", "yes" if agree else "no", "yes", agree),
    ]
