"""The signals a run's judges watch, one `plot_x(ax, series)` per panel, on a minutes axis.

Error rates are on a log axis whose floor is a tenth of the baseline rate: buckets below it
(a bucket without errors included) are drawn as triangles on the floor, so nothing vanishes
unmarked. Lines start at the bucket's end: a rate never shows before the requests it counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.results import Series

if TYPE_CHECKING:
    from matplotlib.axes import Axes

OLD, NEW, TRAFFIC, EMPLOYEES, MIRROR = "#1f77b4", "#d62728", "#2ca02c", "#17becf", "#8c564b"
CLIPPED = "below the axis, or no errors in the bucket"
VERSIONS = (("old version", OLD), ("new version", NEW))
FLOOR_MARK = 1.12  # where a clipped bucket's triangle sits, as a multiple of the floor


def _minutes(seconds: np.ndarray) -> np.ndarray:
    return np.asarray(seconds, dtype=float) / 60.0


def plot_error_rates(ax: Axes, series: Series) -> None:
    """Each version's error rate per bucket on a log axis, with the baseline rate for scale."""
    t = _minutes(series.t_s)
    old, new = series.error_rate_old, series.error_rate_new
    rates = [np.asarray(v, dtype=float) * 100 for v in (old, new)]
    floor, top = _log_limits(np.concatenate(rates), series.baseline_error_rate * 100)
    ax.set_yscale("log")
    ax.set_ylim(floor, top)
    for rate, (name, colour) in zip(rates, VERSIONS, strict=True):
        shown = np.where(rate >= floor, rate, np.nan)
        ax.step(t, shown, where="post", color=colour, lw=1.2, label=name)
        low = np.isfinite(rate) & (rate < floor)
        if low.any():
            at = np.full(low.sum(), floor * FLOOR_MARK)  # just above the floor: not cut in half
            ax.scatter(t[low], at, marker="v", s=14, color=colour, zorder=3, label=CLIPPED)
    if series.baseline_error_rate > 0:
        ax.axhline(series.baseline_error_rate * 100, color="0.45", ls=(0, (6, 3)), lw=0.9,
                   label="baseline error rate")  # fmt: skip
    ax.set_ylim(floor, top)  # what was drawn must not widen it
    from matplotlib.ticker import LogLocator, NullLocator

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=_log_subs(floor, top)))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(_percent_label)
    ax.set_ylabel(f"error rate per {series.bucket_s:g} s\n(log scale)")
    ax.grid(True, which="major", alpha=0.3)


def _log_limits(values: np.ndarray, baseline_pct: float) -> tuple[float, float]:
    """A floor a tenth of the baseline (or of the smallest rate) and a top above the peak."""
    positive = values[np.isfinite(values) & (values > 0)]
    smallest = float(positive.min()) if positive.size else 0.01
    floor = baseline_pct / 10 if baseline_pct > 0 else smallest / 2
    peak = max(float(positive.max(initial=0.0)), baseline_pct * 3, floor * 10)
    return floor, min(peak * 1.6, 160.0)


def _log_subs(lo: float, hi: float) -> tuple[float, ...]:
    """Tick multiples for a log axis: 1-2-5 per decade, finer when it spans under two."""
    if np.log10(hi / lo) < 2.3:
        return (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
    return (1.0, 2.0, 5.0)


def _percent_label(value: float, _position: float) -> str:
    return f"{value:g}%"


def plot_latency(ax: Axes, series: Series) -> None:
    """Each version's latency p99 per bucket (what the latency judges compare)."""
    t = _minutes(series.t_s)
    for values, (name, colour) in zip(
        (series.latency_p99_old_ms, series.latency_p99_new_ms), VERSIONS, strict=True
    ):
        ax.step(t, values, where="post", color=colour, lw=1.2, label=name)
    _from_zero(ax, series.latency_p99_old_ms, series.latency_p99_new_ms)
    ax.set_ylabel(f"latency p99 per {series.bucket_s:g} s\n(ms)")
    ax.grid(True, alpha=0.3)


def plot_business(ax: Axes, series: Series) -> None:
    """Each version's business events per request, in percent (what the business judges test)."""
    t = _minutes(series.t_s)
    old, new = series.business_rate_old * 100, series.business_rate_new * 100
    for values, (name, colour) in zip((old, new), VERSIONS, strict=True):
        ax.step(t, values, where="post", color=colour, lw=1.2, label=name)
    _from_zero(ax, old, new)
    ax.yaxis.set_major_formatter(_percent_label)
    ax.set_ylabel(f"business events\nper request, per {series.bucket_s:g} s")
    ax.grid(True, alpha=0.3)


def plot_hosts(ax: Axes, series: Series) -> None:
    """The new version's unready hosts and its hosts' restarts (what the health judge counts)."""
    t = _minutes(series.t_s)
    ax.step(t, series.unready_hosts, where="post", color="#e377c2", lw=1.4,
            label="unready new hosts")  # fmt: skip
    ax.step(t, series.restarts, where="post", color="#7f7f7f", lw=1.4, ls="--",
            label="restarts of new hosts")  # fmt: skip
    _from_zero(ax, series.unready_hosts, series.restarts)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.set_ylabel("new hosts")
    ax.grid(True, alpha=0.3)


def _from_zero(ax: Axes, *values: np.ndarray) -> None:
    """A linear axis from 0 to a little above the largest value (1 when all are 0 or NaN)."""
    finite = np.concatenate([np.asarray(v, dtype=float) for v in values])
    peak = float(np.nanmax(finite, initial=0.0)) if finite.size else 0.0
    ax.set_ylim(0, peak * 1.15 if peak > 0 else 1.0)


def traffic_steps(
    series: Series, end_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(times, customers %, mirrored %, employees %) as exact steps, from the first change to
    `end_s`."""
    t = np.asarray(series.steps_t_s, dtype=float)
    lines = [np.asarray(v, dtype=float) for v in (
        series.steps_customer_pct, series.steps_mirror_pct, series.steps_employee_pct
    )]  # fmt: skip
    if t.size == 0:
        return np.array([0.0, end_s]), np.zeros(2), np.zeros(2), np.zeros(2)
    last = max(end_s, float(t[-1]))
    customers, mirror, employees = (
        np.append(v, v[-1]) if v.size == t.size else np.zeros(t.size + 1) for v in lines
    )
    return np.append(t, last), customers, mirror, employees


def plot_traffic(ax: Axes, series: Series, end_s: float) -> None:
    """Both audiences' share on the new version and mirrored copies, as exact steps."""
    t, customers, mirror, employees = traffic_steps(series, end_s)
    minutes = _minutes(t)
    ax.step(minutes, customers, where="post", color=TRAFFIC, lw=1.6,
            label="customers' requests on new version")  # fmt: skip
    if employees.any():
        ax.step(minutes, employees, where="post", color=EMPLOYEES, lw=1.4, ls=(0, (4, 2)),
                label="employees' requests on new version")  # fmt: skip
    if mirror.any():
        ax.step(minutes, mirror, where="post", color=MIRROR, lw=1.5, ls="--",
                label="mirrored copies to new version (% of all requests)")  # fmt: skip
    small = float(max(customers.max(), mirror.max()))
    peak = max(small, float(employees.max()))
    ax.set_ylabel("traffic on new (%)")
    ax.grid(True, alpha=0.3)
    if small > 0 and peak > 4 * max(small, 1.0):  # a canary beside dogfood's 100%: both show
        from matplotlib.ticker import FixedLocator

        ax.set_yscale("symlog", linthresh=1.0, linscale=0.7)
        ax.set_ylim(0, 105.0)
        ax.yaxis.set_major_locator(FixedLocator([0, 1, 2, 5, 10, 25, 50, 100]))
        ax.yaxis.set_major_formatter(lambda value, _pos: f"{value:g}")
        ax.set_ylabel("traffic on new\n(%, log above 1)")
        return
    ax.set_ylim(0, min(105.0, max(5.0, peak * 1.2)))
