"""The metrics pipeline: draws traffic up to `now` and keeps per-window counts.

One window is one judge evaluation interval. The judges' baseline arm is the old version,
the canary arm the new one (user and mirrored traffic), from the first window in which
the new version took traffic; history is a warm-up of the old fleet before the deploy.
"""

from __future__ import annotations

import math

import numpy as np

from rollout.observations import (
    N_LATENCY_BUCKETS,
    Arm,
    HostHealth,
    Observations,
    latency_quantile,
)
from sim.faults import EXTERNAL, FaultModel
from sim.fleet import NEW, SimFleet
from sim.results import Series
from sim.scenario import Fleet
from sim.traffic import Block, TrafficSampler

KNOWN_ERRORS = (("http_500", 0.6), ("timeout", 0.3), ("connection_reset", 0.1))
COLUMNS = ("old_req", "old_err", "old_biz", "new_req", "new_err", "new_biz", "user_req",
           "user_err", "user_base", "ext_pct_ticks", "ticks", "unready", "restarts")  # fmt: skip
SERIES_EVERY_S = 10.0  # the charts' time grid; runs shorter than SHORT_RUN_S use one window
SHORT_RUN_S = 600.0


def known_types(errors: int) -> dict[str, int]:
    """Split errors of known kinds over the baseline's usual error types."""
    counts = {name: int(errors * share) for name, share in KNOWN_ERRORS}
    counts[KNOWN_ERRORS[0][0]] += errors - sum(counts.values())
    return {name: n for name, n in counts.items() if n > 0}


class Meter:
    """Samples the fleet's traffic tick by tick and aggregates it into windows."""

    def __init__(
        self,
        sampler: TrafficSampler,
        fleet: SimFleet,
        faults: FaultModel,
        window_s: float,
        horizon_s: float,
    ) -> None:
        self.sampler, self.fleet, self.faults = sampler, fleet, faults
        self.tick_s = sampler.tick_s
        self.window_ticks = max(1, round(window_s / self.tick_s))
        self.window_s = self.window_ticks * self.tick_s
        rows = math.ceil(horizon_s / self.window_s) + 2
        self.cols = {name: np.zeros(rows) for name in COLUMNS}
        self.hists = {arm: np.zeros((rows, N_LATENCY_BUCKETS), dtype=np.int64) for arm in "on"}
        self.t0: float | None = None
        self.next_tick = 0
        self.first_new_window: int | None = None
        self.errors_known = {"old": 0, "new": 0}
        self.new_types: dict[str, int] = {}
        self.lost = 0
        self.peak_user_pct = 0.0  # all users: employees and customers
        self.peak_customer_pct = 0.0  # customers only, as the stage's percent counts them
        # (t, customers %, mirrored %, all users %, employees %) from each change of routing
        self.steps: list[tuple[float, float, float, float, float]] = []
        self.fault_onset: float | None = None
        self.history = Arm()
        # each arm's latency histogram summed over rows [first, done) of the last observations
        self.pooled_span = (0, 0)
        self.pooled = {arm: np.zeros(N_LATENCY_BUCKETS, dtype=np.int64) for arm in "on"}

    @property
    def started(self) -> bool:
        """True once traffic is being drawn."""
        return self.t0 is not None

    def start(self, now: float) -> None:
        """Begin drawing traffic at `now` (when the deploy first touches production)."""
        if self.t0 is None:
            self.t0 = now

    def flush(self, now: float) -> None:
        """Draw every tick that starts before `now` under the fleet's current routing."""
        if self.t0 is None:
            return
        target = math.ceil((now - self.t0) / self.tick_s - 1e-9)
        while self.next_tick < target:
            window_end = (self.next_tick // self.window_ticks + 1) * self.window_ticks
            end = min(target, window_end)
            self._sample(self.next_tick, end)
            self.next_tick = end

    def _sample(self, first: int, end: int) -> None:
        assert self.t0 is not None
        routing = self.fleet.routing()
        t = self.t0 + self.tick_s * np.arange(first, end)
        started = self.fleet.first_new_start
        since = None if started is None else t - started
        effects = self.faults.effects(
            t, since, routing.external_pct, self.fleet.rollback_requested,
            not self.fleet.blue_green,
        )  # fmt: skip
        block = self.sampler.sample(routing, effects, end - first)
        row = first // self.window_ticks
        self._add(row, block, routing.external_pct, end - first)
        self._add_baseline(row, block, effects.burst)
        if block.first_affected is not None and self.fault_onset is None:
            self.fault_onset = float(t[block.first_affected])
        if block.new_requests[:2].sum() > 0:
            self.peak_user_pct = max(self.peak_user_pct, routing.user_pct)
        if block.new_requests[EXTERNAL].sum() > 0:
            self.peak_customer_pct = max(self.peak_customer_pct, routing.external_pct)
        step = (routing.external_pct, routing.mirror_pct, routing.user_pct, routing.internal_pct)
        if not self.steps or self.steps[-1][1:] != step:
            self.steps.append((float(t[0]), *step))

    def _add(self, row: int, block: Block, external_pct: float, ticks: int) -> None:
        c = self.cols
        new_total = block.new_requests.sum(axis=0)
        c["old_req"][row] += block.old_requests.sum() + block.unserved
        c["old_err"][row] += block.old_errors.sum() + block.unserved
        c["old_biz"][row] += block.old_business.sum()
        c["new_req"][row] += new_total.sum()
        c["new_err"][row] += block.new_errors.sum()
        c["new_biz"][row] += block.new_business.sum()
        c["user_req"][row] += block.new_requests[:2].sum()
        c["user_err"][row] += block.new_errors[:2].sum()
        c["ext_pct_ticks"][row] += external_pct * ticks
        c["ticks"][row] += ticks
        self.hists["o"][row] += block.old_hist
        self.hists["n"][row] += block.new_hist
        typed = sum(block.new_types.values())
        self.errors_known["old"] += int(block.old_errors.sum())
        self.errors_known["new"] += int(block.new_errors.sum()) - typed
        for name, n in block.new_types.items():
            self.new_types[name] = self.new_types.get(name, 0) + n
        self.lost += block.unserved
        if self.first_new_window is None and new_total.sum() > 0:
            self.first_new_window = row

    def _add_baseline(self, row: int, block: Block, burst: np.ndarray) -> None:
        """The errors users' requests on the new version would have had at the baseline rate
        (noise that hits both versions included), and the new hosts' health."""
        rate = np.clip(self.sampler.error_rate + burst, 0.0, 1.0)
        self.cols["user_base"][row] += float((block.new_requests[:2].sum(axis=0) * rate).sum())
        health = self.fleet.health()
        self.cols["unready"][row] = max(self.cols["unready"][row], health.unready)
        self.cols["restarts"][row] = max(self.cols["restarts"][row], health.restarts)

    def record_loss(self, version: int, requests: int) -> None:
        """Requests lost in flight (a switch without draining, a crash): failed for users."""
        row = self.next_tick // self.window_ticks
        self.cols["new_err" if version == NEW else "old_err"][row] += requests
        self.errors_known["new" if version == NEW else "old"] += requests
        self.lost += requests

    def warm_up(self, fleet: Fleet, duration_s: float) -> None:
        """History: the old fleet's windows before the deploy, drawn per window."""
        windows = int(duration_s // self.window_s)
        if windows <= 0:
            return
        rng = self.sampler.rng
        requests = rng.poisson(fleet.rps * self.window_s, size=windows)
        starts = (np.arange(windows) - windows) * self.window_s
        rate = np.clip(fleet.baseline_error_rate + self.faults.burst(starts), 0.0, 1.0)
        errors = rng.binomial(requests, rate)
        self.history = Arm(
            requests=requests,
            errors=errors,
            business=rng.binomial(requests, fleet.business_rate),
            latency_hist=rng.multinomial(requests, self.sampler.bucket_probs()),
            error_types=known_types(int(errors.sum())),
        )

    def observations(self, hosts: HostHealth) -> Observations:
        """What the judges see: every complete window since the new version took traffic."""
        done = self.next_tick // self.window_ticks
        first = self.first_new_window if self.first_new_window is not None else done
        first = min(first, done)
        c, h = self.cols, self.hists
        pooled = self._pooled_latency(first, done)
        baseline = Arm(
            requests=c["old_req"][first:done].astype(np.int64),
            errors=c["old_err"][first:done].astype(np.int64),
            business=c["old_biz"][first:done].astype(np.int64),
            latency_hist=h["o"][first:done],
            error_types=known_types(self.errors_known["old"]),
            latency_pooled=pooled["o"],
        )
        canary = Arm(
            requests=c["new_req"][first:done].astype(np.int64),
            errors=c["new_err"][first:done].astype(np.int64),
            business=c["new_biz"][first:done].astype(np.int64),
            latency_hist=h["n"][first:done],
            error_types={**known_types(self.errors_known["new"]), **self.new_types},
            latency_pooled=pooled["n"],
        )
        return Observations(self.window_s, baseline, canary, hosts, self.history)

    def _pooled_latency(self, first: int, done: int) -> dict[str, np.ndarray]:
        """Latency histograms summed over rows [first, done), adding only the rows completed
        since the last call (complete rows never change)."""
        start, end = self.pooled_span
        if start != first or end > done:
            start = end = first
            self.pooled = {arm: np.zeros(N_LATENCY_BUCKETS, dtype=np.int64) for arm in "on"}
        if done > end:
            self.pooled = {arm: total + self.hists[arm][end:done].sum(axis=0)
                           for arm, total in self.pooled.items()}  # fmt: skip
        self.pooled_span = (start, done)
        return self.pooled

    def rows(self) -> int:
        """How many windows hold data."""
        return math.ceil(self.next_tick / self.window_ticks)

    def series(self, stages: tuple[tuple[float, str], ...]) -> Series:
        """Per-window counts regrouped on the charts' grid, and the exact traffic steps."""
        rows = self.rows()
        short = rows * self.window_s < SHORT_RUN_S
        group = 1 if short else max(1, round(SERIES_EVERY_S / self.window_s))
        buckets = np.arange(rows) // group

        def summed(name: str) -> np.ndarray:
            return np.bincount(buckets, weights=self.cols[name][:rows])

        def most(name: str) -> np.ndarray:
            out = np.zeros(buckets[-1] + 1 if rows else 0)
            np.maximum.at(out, buckets, self.cols[name][:rows])
            return out

        old_req, new_req, ticks = summed("old_req"), summed("new_req"), summed("ticks")
        t0, bucket_s = self.t0 or 0.0, group * self.window_s
        ends = t0 + np.minimum((np.arange(len(old_req)) + 1) * bucket_s, rows * self.window_s)
        ends[-1:] = np.minimum(ends[-1:], t0 + self.next_tick * self.tick_s)
        steps = np.array(self.steps, dtype=float).reshape(-1, 5)
        return Series(
            t_s=ends,
            error_rate_old=_ratio(summed("old_err"), old_req),
            error_rate_new=_ratio(summed("new_err"), new_req),
            traffic_pct=np.nan_to_num(_ratio(summed("ext_pct_ticks"), ticks)),
            stages=stages,
            bucket_s=bucket_s,
            steps_t_s=steps[:, 0],
            steps_customer_pct=steps[:, 1],
            steps_mirror_pct=steps[:, 2],
            steps_employee_pct=steps[:, 4],
            latency_p99_old_ms=self._p99("o", buckets),
            latency_p99_new_ms=self._p99("n", buckets),
            business_rate_old=_ratio(summed("old_biz"), old_req),
            business_rate_new=_ratio(summed("new_biz"), new_req),
            unready_hosts=most("unready"),
            restarts=most("restarts"),
            baseline_error_rate=self.sampler.error_rate,
        )

    def _p99(self, arm: str, buckets: np.ndarray) -> np.ndarray:
        """Each chart bucket's latency p99 (ms) from the windows' histograms; NaN if empty."""
        hist = self.hists[arm][: len(buckets)]
        grouped = np.zeros((buckets[-1] + 1 if len(buckets) else 0, hist.shape[1]))
        np.add.at(grouped, buckets, hist)
        return np.array([latency_quantile(row, 0.99) for row in grouped])


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)
