"""The summary figure over a whole validation: pass rate, time to detect and damage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.figures import new_figure
from sim.report import ScenarioSummary, Spread, fmt_seconds

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TIME_TICKS_S = (0.0, 1.0, 10.0, 60.0, 600.0, 3600.0)  # 0:00, 0:01, 0:10, 1:00, 10:00, 1:00:00


def plot_pass_rates(ax: Axes, summaries: Sequence[ScenarioSummary]) -> None:
    """Pass rate per scenario against its minimum; failing scenarios in red."""
    y = np.arange(len(summaries))
    rates = [s.pass_rate * 100 for s in summaries]
    colours = ["#2ca02c" if s.ok else "#d62728" for s in summaries]
    ax.barh(y, rates, color=colours)
    ax.scatter([s.min_pass_rate * 100 for s in summaries], y, marker="|", s=200, color="black",
               label="required", zorder=3)  # fmt: skip
    ax.set_yticks(y, [s.scenario for s in summaries])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("runs meeting [expect] (%)")
    ax.set_title("Pass rate (black tick: required)")


def plot_detect_times(ax: Axes, summaries: Sequence[ScenarioSummary]) -> None:
    """Time to detect, p50 bar from 0 with a p95 tick, per scenario."""
    blanks = ["no fault" if s.healthy else "never detected" for s in summaries]
    spreads = [s.time_to_detect for s in summaries]
    _percentile_bars(ax, spreads, "#9467bd", blanks, _clock)
    right = max(max((s.p95 or 0.0 for s in spreads), default=0.0) * 40, 120.0)
    ticks = [t for t in TIME_TICKS_S if t <= right]
    from matplotlib.ticker import FixedLocator

    ax.set_xlim(0, right)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xlabel("time to detect (m:ss; linear to 0:01, log beyond)")
    ax.set_title("Detection: p50 bar, p95 tick")


def plot_damage(ax: Axes, summaries: Sequence[ScenarioSummary]) -> None:
    """Bad requests beyond the baseline rate, p50 bar from 0 with a p95 tick, per scenario."""
    blanks = ["no runs"] * len(summaries)
    _percentile_bars(ax, [s.damage for s in summaries], "#d62728", blanks, _compact)
    ax.set_xlabel("bad requests beyond baseline (linear to 1, log beyond)")
    ax.set_title("Damage beyond baseline: p50 bar, p95 tick")


def _percentile_bars(
    ax: Axes,
    spreads: Sequence[Spread],
    colour: str,
    blanks: Sequence[str],
    fmt: Callable[[float, float], str],
) -> None:
    """Bars from 0 on a symlog axis (0 is 0, so zero is no bar), a p95 tick, both in words."""
    y = np.arange(len(spreads))
    p50 = np.array([np.nan if s.p50 is None else s.p50 for s in spreads])
    p95 = np.array([np.nan if s.p95 is None else s.p95 for s in spreads])
    ax.barh(y, np.nan_to_num(p50), color=colour, alpha=0.7)
    ax.scatter(p95, y, marker="|", s=200, color="black", zorder=3)
    from matplotlib.ticker import FixedLocator, NullLocator

    top = max(float(np.nanmax(p95, initial=1.0)), 1.0)
    decades = int(np.ceil(np.log10(top * 1.5)))
    ax.set_xscale("symlog", linthresh=1.0, linscale=0.8)
    ax.set_xlim(0, 10 ** (decades + 1.2))
    step = 2 if decades > 5 else 1
    ax.xaxis.set_major_locator(FixedLocator([0.0, *(10.0**k for k in range(0, decades + 1, step))]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(fmt)
    ax.tick_params(axis="y", labelleft=False)
    ax.grid(True, axis="x", which="major", alpha=0.3)
    for row, spread, blank in zip(y, spreads, blanks, strict=True):
        text = blank if spread.p50 is None else _both(spread, fmt)
        at = max(spread.p50 or 0.0, spread.p95 or 0.0)  # right of the bar and the tick
        ax.annotate(text, (at, row), xytext=(5, 0), textcoords="offset points", va="center",
                    fontsize=7, color="0.3")  # fmt: skip


def _both(spread: Spread, fmt: Callable[[float, float], str]) -> str:
    """'p50 12 · p95 40', or one figure when both are the same, so neither reads as the other."""
    assert spread.p50 is not None and spread.p95 is not None
    p50, p95 = fmt(spread.p50, 0.0), fmt(spread.p95, 0.0)
    return p50 if p50 == p95 else f"p50 {p50} · p95 {p95}"


def _compact(value: float, _position: float) -> str:
    """0, 1, 20, 500, 1k, 10k, 2M: short labels for counts (a percentile rounds to whole)."""
    for factor, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.0f}"


def _clock(value: float, _position: float) -> str:
    return fmt_seconds(value)


def summary_figure(summaries: Sequence[ScenarioSummary], policy: str = "team") -> Figure:
    """Pass rate, detection time and damage for every scenario, side by side."""
    figure = new_figure((14, 1.6 + 0.35 * len(summaries)))
    axes = figure.subplots(1, 3, sharey=True)
    plot_pass_rates(axes[0], summaries)
    plot_detect_times(axes[1], summaries)
    plot_damage(axes[2], summaries)
    failing = sum(not s.ok for s in summaries)
    verdict = "all scenarios pass" if not failing else f"{failing} scenario(s) FAIL"
    runs = summaries[0].runs if summaries else 0
    figure.suptitle(f"Validation of the {policy} policy, {runs} runs per scenario: {verdict}")
    return figure
