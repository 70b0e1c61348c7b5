"""Anytime-valid comparison of canary and baseline counts (a mixture e-process).

Conditional on the events (errors, or conversions) seen in a window, each event lands on
the canary with probability s = canary requests / all requests when both arms share one
rate. If the canary's rate is θ times the baseline's, the probability is
ρ = sθ / (sθ + 1 − s), and the window's likelihood ratio is θ^x / (1 + s(θ − 1))^m, with x
canary events of m in all (Lindon & Malek, NeurIPS 2022; Netflix, KDD 2022).

Multiplying windows gives a test martingale per θ, and an equal-weight mixture over a grid
of θ is still one, so rolling back when it reaches 1/α is wrong at most α of the time
however often the judge looks (Ville's inequality). Two details keep it cheap and valid:

* log(1 + s(θ − 1)) is concave in s, so replacing each window's s by the event-weighted
  mean s̄ (Jensen) can only shrink the e-value; the judge needs three sums, not a pass per θ.
* With binomial rather than Poisson counts the canary's share of m events is
  hypergeometric, which is smaller in convex order than the binomial, so each factor still
  has expectation ≤ 1.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import numpy.typing as npt

from rollout.config import SequentialJudge
from rollout.judges._common import count, pct, sci, verdict
from rollout.observations import FloatArray, Observations, Verdict

# Rate ratios the mixture bets on: errors going up 1.25× to 100×, conversions going down.
ERROR_GRID: FloatArray = np.geomspace(1.25, 100.0, 20)
BUSINESS_GRID: FloatArray = 1.0 / np.geomspace(1.1, 10.0, 11)

_LOG_CAP = 690.0  # exp() of more would overflow; the e-value is reported as at most e^690


def grid_for(metric: str) -> FloatArray:
    """The θ grid for a metric: θ > 1 for errors (higher is bad), θ < 1 for conversions."""
    return BUSINESS_GRID if metric == "business" else ERROR_GRID


def log_e_value(
    canary_events: npt.ArrayLike,
    all_events: npt.ArrayLike,
    weighted_share: npt.ArrayLike,
    grid: FloatArray,
) -> FloatArray:
    """log E from running sums, elementwise over any array shape.

    canary_events = Σx, all_events = Σm and weighted_share = Σ m·s over the usable windows.
    The bench calls this on cumulative sums for thousands of replications at once.
    """
    x = np.asarray(canary_events, dtype=np.float64)[..., None]
    m = np.asarray(all_events, dtype=np.float64)[..., None]
    ms = np.asarray(weighted_share, dtype=np.float64)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(m > 0, ms / m, 0.0)
    return _log_mixture(x, m, share, np.log(grid), grid - 1.0)


@cache
def _grid_terms(metric: str) -> tuple[FloatArray, FloatArray]:
    """log θ and θ − 1 over a metric's grid, worked out once instead of at every look."""
    grid = grid_for(metric)
    return np.log(grid), grid - 1.0


def _log_mixture(
    x: FloatArray | float,
    m: FloatArray | float,
    share: FloatArray | float,
    log_grid: FloatArray,
    grid_less_one: FloatArray,
) -> FloatArray:
    """log of the mean over θ of θ^x / (1 + share·(θ − 1))^m, without overflow."""
    log_lr = x * log_grid - m * np.log1p(share * grid_less_one)
    peak = log_lr.max(axis=-1)
    mixture = np.log(np.exp(log_lr - peak[..., None]).mean(axis=-1))
    result: FloatArray = peak + mixture
    return result


def _sums(obs: Observations, metric: str) -> tuple[int, int, float, float, float]:
    """(canary requests, baseline requests, Σx, Σm, Σ m·s) over windows both arms served."""
    canary, baseline = obs.canary, obs.baseline
    events_c = canary.business if metric == "business" else canary.errors
    events_b = baseline.business if metric == "business" else baseline.errors
    n = min(len(canary.requests), len(baseline.requests), len(events_c), len(events_b))
    nc, nb = np.asarray(canary.requests[:n]), np.asarray(baseline.requests[:n])
    x, y = np.asarray(events_c[:n]), np.asarray(events_b[:n])
    usable = (nc > 0) & (nb > 0) & (x >= 0) & (y >= 0)  # NaN fails every comparison
    if not usable.all():
        nc, nb, x, y = nc[usable], nb[usable], x[usable], y[usable]
    m = x + y
    add = np.add.reduce
    share = nc / (nc + nb)
    return int(add(nc)), int(add(nb)), float(add(x)), float(add(m)), float(m @ share)


def judge(cfg: SequentialJudge, obs: Observations) -> Verdict:
    """Fail when the e-value reaches 1/α; pass once min_requests canary requests saw none."""
    canary_n, baseline_n, x, m, ms = _sums(obs, cfg.metric)
    # log_e_value's arithmetic on plain floats: one judge's sums need no array set-up
    log_e = float(_log_mixture(x, m, ms / m if m > 0 else 0.0, *_grid_terms(cfg.metric)))
    e_value = math.exp(min(log_e, _LOG_CAP))
    bound = 1.0 / cfg.alpha
    noun = "conversions" if cfg.metric == "business" else "errors"
    samples = {
        "canary_requests": canary_n,
        "baseline_requests": baseline_n,
        f"canary_{noun}": int(x),
        f"baseline_{noun}": int(m - x),
    }
    rates = _rates(cfg.metric, x, m - x, canary_n, baseline_n)
    after = f"after {count(canary_n)} canary requests"
    if log_e >= math.log(bound):
        summary = f"{rates} (e-value {sci(e_value)} ≥ {sci(bound)} = 1/α) {after}"
        return verdict("fail", "e_value", e_value, bound, samples, summary)
    if canary_n == 0:
        summary = f"no canary requests yet; needs {count(cfg.min_requests)} before it can pass"
        return verdict("inconclusive", "e_value", e_value, bound, samples, summary)
    if canary_n < cfg.min_requests:
        more = cfg.min_requests - canary_n
        summary = (
            f"{rates} (e-value {sci(e_value)} < {sci(bound)} = 1/α) {after}; "
            f"needs {count(more)} more canary requests before it can pass"
        )
        return verdict("inconclusive", "e_value", e_value, bound, samples, summary)
    summary = f"no regression: {rates} (e-value {sci(e_value)} < {sci(bound)} = 1/α) {after}"
    return verdict("pass", "e_value", e_value, bound, samples, summary)


def _rates(metric: str, x: float, y: float, canary_n: int, baseline_n: int) -> str:
    name = "conversion rate" if metric == "business" else "error rate"
    canary = pct(x / canary_n) if canary_n else "n/a"
    baseline = pct(y / baseline_n) if baseline_n else "n/a"
    return f"canary {name} {canary} vs baseline {baseline}"
