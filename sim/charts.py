"""Charts of simulator results: a run's figure, its markers and its decision window.

Everything here is fed by result records (RunResult, Series, ScenarioSummary), never live
simulation objects. A run's figure has one panel per signal its judges used (sim.signals;
the panels are in sim.chart_signals) above both audiences' traffic, with markers for the
fault, the detection, holds, the rollback and the promotion, and a zoom on the decision
window beside it. Figures use matplotlib's object-oriented API on the Agg backend, chosen
when a figure is made so that importing this module has no effect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.chart_signals import (
    plot_business,
    plot_error_rates,
    plot_hosts,
    plot_latency,
    plot_traffic,
)
from sim.chart_summary import summary_figure
from sim.figures import new_figure
from sim.report import ScenarioSummary, fmt_seconds
from sim.results import RunResult, Series

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

OUTCOME_WORDS = {
    "rolled_back": "rolled back",
    "promoted": "promoted",
    "held": "held for a human",
    "aborted": "aborted",
}
PANELS: dict[str, Callable[[Axes, Series], None]] = {
    "errors": plot_error_rates,
    "latency": plot_latency,
    "business": plot_business,
    "hosts": plot_hosts,
}
HELD, ROLLING_BACK = "#f2c14e", "0.6"
MIN_ZOOM_S = 90.0  # a decision window narrower than this is widened around its middle
TICK_STEPS_S = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200)  # fmt: skip


class Event(NamedTuple):
    """A vertical marker: when, its legend label, colour and line style."""

    t_s: float
    label: str
    colour: str
    style: str


def rollback_at(result: RunResult) -> float | None:
    """When the run's rollback was done (seconds), or None when it did not roll back.

    The rehearsal ends once the fleet is back, so without a mitigation time (a fault that
    outlives the rollback, or no fault at all) that is the end of the run.
    """
    if result.outcome != "rolled_back":
        return None
    if result.fault_onset_s is not None and result.time_to_mitigate_s is not None:
        return result.fault_onset_s + result.time_to_mitigate_s
    return result.duration_s


def _rollback_label(result: RunResult) -> str:
    if result.time_to_mitigate_s is not None or result.fault_onset_s is None:
        return "rolled back (users safe)"
    return "rolled back (the fault outlives it)"


def events(result: RunResult) -> list[Event]:
    """The fault's onset, its detection, the rollback done and the promotion to everyone."""
    marks = (
        (result.fault_onset_s, "fault onset", "#ff7f0e", "--"),
        (result.detected_at_s, "detected", "#9467bd", "-."),
        (rollback_at(result), _rollback_label(result), "black", "-"),
        (result.shipped_at_s, "promoted (100%, gate passed)", "#bcbd22", "-"),
    )
    return [Event(t, *rest) for t, *rest in marks if t is not None]


def spans(result: RunResult) -> list[tuple[float, float, str, str]]:
    """(start, end, label, colour) of each hold and of the rollback under way."""
    found = []
    changes = [*result.statuses, (result.duration_s, "end")]
    for (t, status), (until, _) in zip(changes, changes[1:], strict=False):
        if status == "held":
            found.append((t, until, "held", HELD))
    done = rollback_at(result)
    for t in result.entered("rolled_back"):
        if done is not None and done > t:
            found.append((t, done, "rolling back", ROLLING_BACK))
    return found


def plot_markers(ax: Axes, result: RunResult) -> None:
    """Shaded holds and rollbacks, and vertical lines for the run's events."""
    for start, end, label, colour in spans(result):
        ax.axvspan(start / 60, end / 60, color=colour, alpha=0.3, lw=0, label=label)
    for mark in events(result):
        ax.axvline(mark.t_s / 60, color=mark.colour, ls=mark.style, lw=1.4, label=mark.label)


def plot_stages(ax: Axes, series: Series) -> None:
    """A dotted line at each stage boundary."""
    for t_s, _name in series.stages:
        ax.axvline(t_s / 60.0, color="0.55", ls=":", lw=0.9)


def label_stages(ax: Axes, series: Series) -> None:
    """Stage names above the axes, outside the data; names too close to read are joined."""
    lo, hi = ax.get_xlim()
    gap = 0.035 * (hi - lo)
    ticks: list[tuple[float, str]] = []
    for t_s, name in series.stages:
        x = t_s / 60.0
        if not lo <= x <= hi:
            continue
        if ticks and x - ticks[-1][0] < gap:
            ticks[-1] = (ticks[-1][0], f"{ticks[-1][1]}, {name}")
        else:
            ticks.append((x, name))
    top = ax.secondary_xaxis("top")
    top.set_xticks([x for x, _ in ticks], [name for _, name in ticks])
    top.tick_params(axis="x", labelsize=7, labelcolor="0.3", length=3, rotation=30)
    for label in top.get_xticklabels():
        label.set_horizontalalignment("left")


def decision_window(result: RunResult) -> tuple[float, float, str] | None:
    """(from, to) in minutes and a title: from the fault (or the first alarm) to the last
    decision about it; None when there is none, or the whole run shows it as well.

    A fault nobody detected gets its onset and the minutes after it. The window reaches
    past its last event (even past the end of the run), so that no marker sits on the frame.
    """
    onset = result.fault_onset_s
    times = [t for t in (onset, result.detected_at_s, rollback_at(result)) if t is not None]
    times += [t for t in (*result.entered("held"), *result.entered("rolled_back"))]
    if onset is not None and result.shipped_at_s is not None and result.shipped_at_s > onset:
        times.append(result.shipped_at_s)
    if not times:
        return None
    lo, hi = min(times), max(times)
    if hi - lo < MIN_ZOOM_S:
        middle = (lo + hi) / 2 if hi > lo else lo + MIN_ZOOM_S / 3
        lo, hi = middle - MIN_ZOOM_S / 2, middle + MIN_ZOOM_S / 2
    pad = max(20.0, 0.15 * (hi - lo))
    lo, hi = max(0.0, lo - pad), hi + pad
    if hi - lo > 0.4 * result.duration_s:
        return None
    return lo / 60.0, hi / 60.0, _window_title(result)


def _window_title(result: RunResult) -> str:
    start = "fault" if result.fault_onset_s is not None else "first alarm"
    if result.outcome == "rolled_back":
        return f"decision window: {start} to rollback"
    if result.entered("held"):
        return f"decision window: {start} to hold"
    if result.detected_at_s is None:
        return "decision window: the fault, never detected"
    return f"decision window: {start} to {OUTCOME_WORDS.get(result.outcome, result.outcome)}"


def zoom_window(result: RunResult) -> tuple[float, float] | None:
    """The decision window in minutes, or None (see decision_window)."""
    window = decision_window(result)
    return None if window is None else window[:2]


def whole_window(result: RunResult) -> tuple[float, float]:
    """Minutes from the start to a little past the end, so an event at the end stays visible."""
    return 0.0, result.duration_s * 1.03 / 60.0


def run_figure(result: RunResult) -> Figure:
    """One panel per judged signal above the traffic, markers, and the decision window."""
    if result.series is None:
        raise ValueError(f"run {result.scenario} seed {result.seed} kept no series to chart")
    series, window = result.series, decision_window(result)
    signals = [s for s in result.signals if s in PANELS] or ["errors"]
    heights = (3, *(2 for _ in signals[1:]), 2)
    figure = new_figure((14 if window else 11.5, 2.0 + 1.45 * sum(heights) / 2))
    grid = figure.subplots(
        len(heights), 2 if window else 1, sharex="col", sharey="row", squeeze=False,
        height_ratios=heights, width_ratios=(2.2, 1) if window else (1,),
    )  # fmt: skip
    for column in range(grid.shape[1]):
        for row, signal in enumerate(signals):
            PANELS[signal](grid[row, column], series)
        plot_traffic(grid[-1, column], series, result.duration_s)
        for ax in grid[:, column]:
            plot_stages(ax, series)
            plot_markers(ax, result)
        grid[-1, column].set_xlabel("simulated time since the start (m:ss)")
        zoomed = (window[0], window[1]) if window is not None and column == 1 else None
        grid[0, column].set_xlim(*(zoomed or whole_window(result)))
        _time_axis(grid[-1, column], 5 if zoomed else 9)
        label_stages(grid[0, column], series)
    if window is not None:
        grid[0, 1].set_title(window[2], fontsize=9, loc="left")
        grid[0, 0].set_title("whole rehearsal", fontsize=9, loc="left")
    _legend_below(figure, *grid.flat)
    figure.suptitle(_run_title(result), fontsize=12)
    return figure


def _time_axis(ax: Axes, most: int) -> None:
    """Minutes on the axis, labelled in the one time format (m:ss) at round times."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    lo, hi = (x * 60 for x in ax.get_xlim())
    step = next((s for s in TICK_STEPS_S if (hi - lo) / s <= most), TICK_STEPS_S[-1])
    ticks = np.arange(np.ceil(lo / step) * step, hi, step)
    ax.xaxis.set_major_locator(FixedLocator((ticks / 60).tolist()))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt_seconds(x * 60)))


def _run_title(result: RunResult) -> str:
    outcome = OUTCOME_WORDS.get(result.outcome, result.outcome)
    stages = result.series.stages if result.series is not None else ()
    untouched = result.peak_exposure_all_users_pct == 0 and not result.entered("held")
    if result.outcome == "held" and untouched and stages:  # nobody moved it on: time ran out
        outcome = f"never reached users, still at {stages[-1][1]}"
    detail = ""
    if result.time_to_detect_s is not None:
        detail = f", detected {fmt_seconds(result.time_to_detect_s)} after the fault"
    elif result.fault_onset_s is not None:
        detail = ", the fault never detected"
    return (
        f"Scenario {result.scenario}: {outcome}{detail} "
        f"({result.damage:,} bad requests beyond baseline, seed {result.seed})"
    )


def _legend_below(figure: Figure, *axes: Axes) -> None:
    """One legend for all axes, below the plots so it never covers data."""
    seen: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    figure.legend(list(seen.values()), list(seen), loc="outside lower center", ncols=4, fontsize=8)


def save(figure: Figure, path: Path) -> Path:
    """Write the figure as a PNG, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return path


def write_validation_report(
    folder: Path, charted: Sequence[RunResult], summaries: Sequence[ScenarioSummary]
) -> list[Path]:
    """One chart per scenario (its representative run) plus the summary figure."""
    written = [save(run_figure(run), folder / f"{run.scenario}.png") for run in charted]
    written.append(save(summary_figure(summaries), folder / "summary.png"))
    return written
