"""Anytime-valid one-sample test of the new version's error rate against history.

At 100% and during stabilization no old version is left to compare with, so the judge
compares the new version with a rate p0 learned from the pre-deploy history: the
`quantile` of history's per-window error rates (a high quantile, so that noise which hit
history as often, such as bursts on both versions, is inside the null).

For a rate θ·p0 the binomial likelihood ratio of x errors in n requests is
θ^x ((1 − θp0)/(1 − p0))^(n − x); its expectation is ≤ 1 whenever the true rate is ≤ p0,
and an equal-weight mixture over a grid of θ (the sequential judge's range) is still a test
martingale. A regression can start late in a long watch, when the evidence since the first
window has drifted far below 1, so the judge runs one e-process per start window s and
spends α over the starts: start s alarms at (s + 1)(s + 2)/α. As Σ 1/((s + 1)(s + 2)) = 1,
Ville's inequality and a union bound keep the false alarm rate of the whole release ≤ α,
however often it looks, while a change at window s pays only log((s + 1)(s + 2)) more
evidence than one at the start. To keep a long watch cheap, only starts in the last RECENT
windows and every STRIDE-th start before them are tested; testing fewer (s, t) pairs only
shrinks the union, so the bound holds.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from rollout.config import OneSampleJudge
from rollout.judges._common import count, pct, sci, verdict
from rollout.observations import Arm, FloatArray, Observations, Verdict

_LOG_CAP = 690.0  # exp() of more would overflow
GRID: FloatArray = np.geomspace(1.25, 100.0, 10)  # the sequential judge's range, half the points
RECENT = 60  # windows whose every start is tested (5 minutes at 5 s)
STRIDE = 12  # before them, one start in this many


def null_rate(arm: Arm, quantile: float) -> float | None:
    """The quantile of the arm's per-window error rates, floored at one error per window.

    Linear interpolation between order statistics, as numpy's default quantile, from one
    sort: the judge computes it on every look.
    """
    requests = np.asarray(arm.requests, dtype=np.float64)
    errors = np.asarray(arm.errors, dtype=np.float64)
    n = min(len(requests), len(errors))
    usable = (requests[:n] > 0) & (errors[:n] >= 0)
    if not usable.any():
        return None
    counts = requests[:n][usable]
    rates = np.sort(errors[:n][usable] / counts)
    position = (len(rates) - 1) * quantile
    low = int(position)
    high = min(low + 1, len(rates) - 1)
    value = rates[low] + (rates[high] - rates[low]) * (position - low)
    return max(float(value), len(counts) / float(counts.sum()))


def spent_log_e_values(
    errors: FloatArray, requests: FloatArray, p0: float, grid: FloatArray = GRID
) -> FloatArray:
    """Per tested start s: log E over windows s.. minus log((s + 1)(s + 2)), α's share of s."""
    theta = grid[grid * p0 < 1.0]
    starts = start_windows(len(errors))
    tail_x = (errors.sum() - np.cumsum(errors) + errors)[starts, None]
    tail_n = (requests.sum() - np.cumsum(requests) + requests)[starts, None]
    log_lr = tail_x * np.log(theta) + (tail_n - tail_x) * (np.log1p(-theta * p0) - math.log1p(-p0))
    peak = log_lr.max(axis=1)
    mixture = peak + np.log(np.exp(log_lr - peak[:, None]).mean(axis=1))
    spent: FloatArray = mixture - np.log((starts + 1.0) * (starts + 2.0))
    return spent


def start_windows(windows: int) -> npt.NDArray[np.int64]:
    """The start windows tested after `windows` windows: every recent one, sparse before."""
    every = np.arange(windows, dtype=np.int64)
    keep: npt.NDArray[np.int64] = every[(every >= windows - RECENT) | (every % STRIDE == 0)]
    return keep


def _canary(obs: Observations) -> tuple[FloatArray, FloatArray]:
    """The new version's (errors, requests) per window; unusable windows count as empty."""
    requests = np.asarray(obs.canary.requests, dtype=np.float64)
    errors = np.asarray(obs.canary.errors, dtype=np.float64)
    n = min(len(requests), len(errors))
    requests, errors = requests[:n], errors[:n]
    usable = (requests > 0) & (errors >= 0)  # NaN fails every comparison
    return np.where(usable, errors, 0.0), np.where(usable, requests, 0.0)


def judge(cfg: OneSampleJudge, obs: Observations) -> Verdict:
    """Fail when some start's spent e-value reaches 1/α; pass after min_requests without."""
    source = "history" if obs.history.windows else "baseline"
    p0 = null_rate(obs.history if obs.history.windows else obs.baseline, cfg.quantile)
    errors, requests = _canary(obs)
    canary_n, bound = int(requests.sum()), 1.0 / cfg.alpha
    samples = {"canary_requests": canary_n, "canary_errors": int(errors.sum())}
    if p0 is None or not (GRID * p0 < 1.0).any():
        summary = f"no {source} error rate to compare with"
        return verdict("inconclusive", "e_value", math.nan, bound, samples, summary)
    if canary_n == 0:
        summary = f"no new-version requests yet; needs {count(cfg.min_requests)} to pass"
        return verdict("inconclusive", "e_value", 1.0, bound, samples, summary)
    spent = spent_log_e_values(errors, requests, p0)
    best = int(spent.argmax())
    start = int(start_windows(len(errors))[best])
    e_value = math.exp(min(float(spent[best]), _LOG_CAP))
    since = errors[start:].sum() / max(requests[start:].sum(), 1.0)
    rates = (
        f"new version {pct(since)} since window {start + 1} vs {source} p{cfg.quantile * 100:g} "
        f"{pct(p0)} (e-value {sci(e_value)}"
    )
    if spent[best] >= math.log(bound):
        summary = f"{rates} ≥ {sci(bound)} = 1/α) after {count(canary_n)} requests"
        return verdict("fail", "e_value", e_value, bound, samples, summary)
    if canary_n < cfg.min_requests:
        more = cfg.min_requests - canary_n
        summary = f"{rates} < {sci(bound)}); needs {count(more)} more requests to pass"
        return verdict("inconclusive", "e_value", e_value, bound, samples, summary)
    summary = f"no regression: {rates} < {sci(bound)} = 1/α)"
    return verdict("pass", "e_value", e_value, bound, samples, summary)
