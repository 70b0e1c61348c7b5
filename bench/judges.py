"""How fast the judges catch a bad canary, and how often they roll back a good one.

The setting is the worked example in docs/reference.md: a 10,000 req/s service with 2% on the canary
(r = 200 req/s) and 9,800 req/s on the baseline, a good error rate p0 = 0.1%, and Poisson
request counts per 0.1 s window with binomial errors. The judge looks after every window.

Measured, against the targets in docs/reference.md:
* sequential judge, A/A (canary p = p0): false-rollback rate over a 600 s horizon, α = 0.01;
* sequential judge: mean time to detect p1 = 2% and p1 = 0.3%, next to Wald's SPRT floor;
* threshold judge (error rate > 1% per 60 s interval, failure limit 0): time to detect 2%,
  and that 0.3% is never detected within 600 s;
* the public judge functions agree with the vectorised replay on spot-checked replications;
* the one-sample judge with no baseline left (bench/judges_one_sample.py): its A/A false alarm
  rate over the whole 100% bake and stabilization, and its time to detect 0.1% → 1.1%.

Replications are vectorised with numpy, each with its own stream from one SeedSequence.
Prints a table and exits 1 if any target fails. Run: .venv/bin/python bench/judges.py
"""

from __future__ import annotations

import math
import sys
import time
import timeit
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from judges_one_sample import one_sample_rows  # bench/ is on the path: a sibling script

from rollout.config import SequentialJudge, ThresholdJudge
from rollout.judges import evaluate
from rollout.judges.sequential import ERROR_GRID, log_e_value
from rollout.observations import Arm, Observations

R_CANARY, R_BASELINE = 200.0, 9_800.0
P0 = 0.001
WINDOW_S = 0.1
ALPHA = BETA = 0.01
SEED = 20_240_601


@dataclass(frozen=True)
class Counts:
    """Per-window counts, shape (replications, windows)."""

    canary_requests: np.ndarray
    canary_errors: np.ndarray
    baseline_requests: np.ndarray
    baseline_errors: np.ndarray

    def observations(self, rep: int, windows: int) -> Observations:
        """The first `windows` windows of one replication, as the judges see them."""
        return Observations(
            window_s=WINDOW_S,
            baseline=Arm(
                self.baseline_requests[rep, :windows], self.baseline_errors[rep, :windows]
            ),
            canary=Arm(self.canary_requests[rep, :windows], self.canary_errors[rep, :windows]),
        )


def draw(rng: np.random.Generator, reps: int, windows: int, p_canary: float) -> Counts:
    """Poisson requests per window, binomial errors."""
    nc = rng.poisson(R_CANARY * WINDOW_S, (reps, windows))
    nb = rng.poisson(R_BASELINE * WINDOW_S, (reps, windows))
    return Counts(nc, rng.binomial(nc, p_canary), nb, rng.binomial(nb, P0))


# --- the SPRT floor --------------------------------------------------------------------------


def sprt_floor(p1: float) -> tuple[float, float]:
    """Wald's E1[N] (requests) and its time at rate r, for p0 → p1 with α = β = 0.01."""
    upper, lower = math.log((1 - BETA) / ALPHA), math.log(BETA / (1 - ALPHA))
    kl = p1 * math.log(p1 / P0) + (1 - p1) * math.log((1 - p1) / (1 - P0))
    requests = ((1 - BETA) * upper + BETA * lower) / kl
    return requests, requests / R_CANARY


# --- the sequential judge, replayed for many replications at once ----------------------------


def first_crossings(counts: Counts) -> np.ndarray:
    """Index of the first window after which the e-value reaches 1/α, or -1 if never.

    The same sums and formula as the judge (sequential.log_e_value). For θ > 1 the
    statistic cannot rise in a window without canary errors (log(1 + s(θ−1)) is concave with
    f(0) = 0), so the first crossing is always at such a window and only those are evaluated.
    """
    nc, nb = counts.canary_requests, counts.baseline_requests
    x, y = counts.canary_errors, counts.baseline_errors
    usable = (nc > 0) & (nb > 0)
    m = np.where(usable, x + y, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(usable, nc / (nc + nb), 0.0)
    cum_x = np.cumsum(np.where(usable, x, 0), axis=1)
    cum_m = np.cumsum(m, axis=1)
    cum_ms = np.cumsum(m * share, axis=1)
    reps, cols = np.nonzero(usable & (x > 0))
    log_e = log_e_value(cum_x[reps, cols], cum_m[reps, cols], cum_ms[reps, cols], ERROR_GRID)
    hit = log_e >= math.log(1 / ALPHA)
    first = np.full(len(nc), -1)
    # np.nonzero is row-major, so the first hit per replication is its earliest window.
    hit_reps, order = np.unique(reps[hit], return_index=True)
    first[hit_reps] = cols[hit][order]
    return first


def sequential_runs(
    rng: np.random.Generator, reps: int, windows: int, p_canary: float, chunk: int = 250
) -> tuple[np.ndarray, bool]:
    """First-crossing windows for `reps` replications, in chunks to bound memory.

    Also returns whether the public judge agreed on spot checks from the first chunk.
    """
    firsts, agrees = [], True
    for start in range(0, reps, chunk):
        counts = draw(rng, min(chunk, reps - start), windows, p_canary)
        firsts.append(first_crossings(counts))
        if start == 0:
            agrees = spot_check_sequential(counts, firsts[0])
    return np.concatenate(firsts), agrees


def spot_check_sequential(counts: Counts, first: np.ndarray, n: int = 4) -> bool:
    """The public judge fails exactly at the replay's first crossing, and never otherwise.

    Checks up to n replications of the chunk, crossing ones first.
    """
    cfg = SequentialJudge(alpha=ALPHA)
    picked = [*np.flatnonzero(first >= 0)[: n // 2], *np.flatnonzero(first < 0)]
    for rep in picked[:n]:
        window = int(first[rep])
        if window < 0:
            obs = counts.observations(rep, counts.canary_requests.shape[1])
            if evaluate(cfg, obs).outcome == "fail":
                return False
            continue
        if evaluate(cfg, counts.observations(rep, window + 1)).outcome != "fail":
            return False
        if window > 0 and evaluate(cfg, counts.observations(rep, window)).outcome == "fail":
            return False
    return True


# --- the threshold judge ---------------------------------------------------------------------


def threshold_detect_s(
    rng: np.random.Generator, reps: int, p1: float, horizon_s: float
) -> np.ndarray:
    """Seconds until the first 60 s interval with error rate > 1% (NaN if none in the horizon).

    A 60 s interval's sums of Poisson requests and binomial errors are themselves Poisson
    and binomial, so intervals are drawn whole; the judge only changes when one completes.
    """
    intervals = int(horizon_s // 60)
    requests = rng.poisson(R_CANARY * 60, (reps, intervals))
    errors = rng.binomial(requests, p1)
    failed = errors > 0.01 * requests
    first = np.where(failed.any(axis=1), failed.argmax(axis=1), -1)
    return np.where(first >= 0, (first + 1) * 60.0, np.nan)


def spot_check_threshold(rng: np.random.Generator) -> bool:
    """The public threshold judge on per-window data agrees with the interval shortcut.

    At 2% it is inconclusive until the first 60 s interval completes, then fails; at 0.3%
    it passes both intervals.
    """
    cfg = ThresholdJudge(max=0.01, interval=timedelta(seconds=60), failure_limit=0)
    minute = int(60 / WINDOW_S)
    bad, slightly_bad = draw(rng, 3, minute, 0.02), draw(rng, 3, 2 * minute, 0.003)
    for rep in range(3):
        outcomes = (
            evaluate(cfg, bad.observations(rep, minute - 1)).outcome,
            evaluate(cfg, bad.observations(rep, minute)).outcome,
            evaluate(cfg, slightly_bad.observations(rep, 2 * minute)).outcome,
        )
        if outcomes != ("inconclusive", "fail", "pass"):
            return False
    return True


# --- the report ------------------------------------------------------------------------------


@dataclass
class Row:
    measure: str
    value: str
    target: str
    ok: bool | None  # None: for information only


def judge_call_us() -> float:
    """Microseconds per public sequential-judge call on 2,000 windows."""
    counts = draw(np.random.default_rng(SEED), 1, 2_000, P0)
    obs, cfg = counts.observations(0, 2_000), SequentialJudge()
    seconds = timeit.repeat(lambda: evaluate(cfg, obs), number=2_000, repeat=3)
    return min(seconds) / 2_000 * 1e6


def sequential_rows(rng: np.random.Generator) -> list[Row]:
    """A/A false rollbacks, then time to detect 2% and 0.3% against the SPRT floor."""
    reps = 10_000
    first, agrees = sequential_runs(rng, reps, int(600 / WINDOW_S), P0)
    rate = float((first >= 0).mean())
    rows = [
        Row(
            f"sequential A/A false rollbacks, {reps:,} × 600 s",
            f"{rate:.2%}",
            f"≤ {ALPHA:.0%} (α)",
            rate <= ALPHA,
        ),
        Row("  public judge agrees (A/A spot check)", _yes(agrees), "yes", agrees),
    ]
    for p1, reps, horizon_s, factor in ((0.02, 4_000, 30, 4), (0.003, 2_000, 300, 3)):
        floor_n, floor_s = sprt_floor(p1)
        first, agrees = sequential_runs(rng, reps, int(horizon_s / WINDOW_S), p1)
        detected = first >= 0
        mean_s = float(((first[detected] + 1) * WINDOW_S).mean()) if detected.any() else math.inf
        rows += [
            Row(
                f"SPRT floor E1[N] for p1 = {p1:.1%}",
                f"{floor_n:,.0f} req = {floor_s:.2f} s",
                "reference",
                None,
            ),
            Row(
                f"sequential mean time to detect {p1:.1%}",
                f"{mean_s:.2f} s = {mean_s / floor_s:.2f}× floor",
                f"≤ {factor * floor_s:.1f} s ({factor}×)",
                mean_s <= factor * floor_s,
            ),
            Row(
                f"  detected within {horizon_s} s",
                f"{detected.sum():,}/{reps:,}",
                "all",
                bool(detected.all()),
            ),
            Row(f"  public judge agrees ({p1:.1%} spot check)", _yes(agrees), "yes", agrees),
        ]
    return rows


def threshold_rows(rng: np.random.Generator) -> list[Row]:
    """The Argo/Flagger-style rule: about 60 s for 2%, blind to 0.3%."""
    reps = 2_000
    mean_s = float(np.nanmean(threshold_detect_s(rng, reps, 0.02, 600)))
    caught = int(np.isfinite(threshold_detect_s(rng, reps, 0.003, 600)).sum())
    agrees = spot_check_threshold(rng)
    return [
        Row(
            "threshold mean time to detect 2.0%", f"{mean_s:.0f} s", "≈ 60 s", abs(mean_s - 60) <= 5
        ),
        Row("threshold detections of 0.3% in 600 s", f"{caught}/{reps:,}", "0", caught == 0),
        Row("  public judge agrees (threshold spot check)", _yes(agrees), "yes", agrees),
    ]


def run() -> list[Row]:
    seq_rng, threshold_rng, one_sample_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(SEED).spawn(3)
    )
    speed = Row(
        "sequential judge call, 2,000 windows", f"{judge_call_us():.0f} µs", "< 50 µs (info)", None
    )
    one_sample = [Row(*row) for row in one_sample_rows(one_sample_rng)]
    return [*sequential_rows(seq_rng), *threshold_rows(threshold_rng), *one_sample, speed]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def render(rows: list[Row]) -> str:
    widths = [max(len(getattr(r, f)) for r in rows) for f in ("measure", "value", "target")]
    header = f"{'measure':<{widths[0]}}  {'value':<{widths[1]}}  {'target':<{widths[2]}}  result"
    lines = [header, "-" * len(header)]
    for r in rows:
        result = "" if r.ok is None else ("PASS" if r.ok else "FAIL")
        lines.append(
            f"{r.measure:<{widths[0]}}  {r.value:<{widths[1]}}  {r.target:<{widths[2]}}  {result}"
        )
    return "\n".join(lines)


def main() -> int:
    started = time.perf_counter()
    rows = run()
    print(render(rows))
    print(f"\n{time.perf_counter() - started:.1f} s wall time")
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
