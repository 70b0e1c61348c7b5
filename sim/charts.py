"""Charts of simulator results: `plot_x(ax, records)` functions plus figure builders.

Everything here is fed by result records (RunResult, Series, ScenarioSummary), never live
simulation objects. Figures use matplotlib's object-oriented API on the Agg backend, chosen
when a figure is made so that importing this module has no effect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.report import ScenarioSummary, Spread
from sim.results import RunResult, Series

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

OLD, NEW, TRAFFIC, MIRROR = "#1f77b4", "#d62728", "#2ca02c", "#8c564b"
OUTCOME_WORDS = {
    "rolled_back": "rolled back",
    "promoted": "promoted",
    "held": "held for a human",
    "aborted": "aborted",
}


def _minutes(seconds: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.asarray(seconds, dtype=float) / 60.0


def plot_error_rates(ax: Axes, series: Series) -> None:
    """Error rate of each version per bucket, drawn from the bucket's end (no errors: a gap).

    A rate is only known once its bucket closes, so each step starts at the bucket's end:
    the line never rises before the requests it counts, and so never before a fault's onset.
    """
    t = _minutes(series.t_s)
    drawn = []
    for values, label, colour in (
        (series.error_rate_old, "old version error rate", OLD),
        (series.error_rate_new, "new version error rate", NEW),
    ):
        rate = np.asarray(values, dtype=float) * 100
        drawn.append(np.where(rate > 0, rate, np.nan))
        ax.step(t, drawn[-1], where="post", color=colour, lw=1.2, label=label)
    ax.set_yscale("log")
    from matplotlib.ticker import LogLocator, NullLocator

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=_log_subs(np.concatenate(drawn))))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(_percent_label)
    ax.set_ylabel(f"error rate per {series.bucket_s:g} s\n(log scale, at bucket end)")
    ax.grid(True, which="major", alpha=0.3)


def _log_subs(values: np.ndarray) -> tuple[float, ...]:
    """Tick multiples for a log axis: 1-2-5 per decade, finer when the data span under two."""
    present = values[np.isfinite(values)]
    if present.size and np.log10(present.max() / present.min()) < 1.3:
        return (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
    return (1.0, 2.0, 5.0)


def _percent_label(value: float, _position: float) -> str:
    return f"{value:g}%"


def traffic_steps(series: Series, end_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, customers %, mirrored %) as exact steps, from the first change to `end_s`."""
    t = np.asarray(series.steps_t_s, dtype=float)
    customers = np.asarray(series.steps_customer_pct, dtype=float)
    mirror = np.asarray(series.steps_mirror_pct, dtype=float)
    if t.size == 0:
        return np.array([0.0, end_s]), np.zeros(2), np.zeros(2)
    last = max(end_s, float(t[-1]))
    return np.append(t, last), np.append(customers, customers[-1]), np.append(mirror, mirror[-1])


def plot_traffic(ax: Axes, series: Series, end_s: float) -> None:
    """Customers' share on the new version and mirrored copies, as exact steps to `end_s`."""
    t, customers, mirror = traffic_steps(series, end_s)
    ax.step(_minutes(t), customers, where="post", color=TRAFFIC, lw=1.5,
            label="customers' requests on new version")  # fmt: skip
    if mirror.any():
        ax.step(_minutes(t), mirror, where="post", color=MIRROR, lw=1.5, ls="--",
                label="mirrored copies to new version (% of all requests)")  # fmt: skip
    peak = float(max(customers.max(), mirror.max()))
    ax.set_ylim(0, min(105.0, max(5.0, peak * 1.2)))
    ax.set_ylabel("traffic on new (%)")
    ax.grid(True, alpha=0.3)


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


def rollback_at(result: RunResult) -> float | None:
    """When the run rolled back (seconds), or None when it did not."""
    if result.outcome != "rolled_back":
        return None
    if result.fault_onset_s is not None and result.time_to_mitigate_s is not None:
        return result.fault_onset_s + result.time_to_mitigate_s
    fails = [d.t_s for d in result.decisions if d.verdict == "fail"]
    return fails[-1] if fails else result.duration_s


def events(result: RunResult) -> list[tuple[float, str, str, str]]:
    """(seconds, label, colour, line style) of fault onset, detection and rollback."""
    marks = (
        (result.fault_onset_s, "fault onset", "#ff7f0e", "--"),
        (result.detected_at_s, "detected", "#9467bd", "-."),
        (rollback_at(result), "rolled back", "black", "-"),
    )
    return [(t, label, colour, style) for t, label, colour, style in marks if t is not None]


def plot_markers(ax: Axes, result: RunResult) -> None:
    """Vertical markers for fault onset, detection and rollback."""
    for t_s, label, colour, style in events(result):
        ax.axvline(t_s / 60.0, color=colour, ls=style, lw=1.4, label=label)


def zoom_window(result: RunResult) -> tuple[float, float] | None:
    """Minutes around the events worth a closer look, or None when the full view is enough.

    The window reaches past the last event (even past the end of the run) so that no
    marker sits on the frame.
    """
    times = [t for t, *_ in events(result)]
    if not times:
        return None
    span = max(times) - min(times)
    pad = max(30.0, 0.3 * span)
    lo, hi = max(0.0, min(times) - pad), max(times) + pad
    if hi - lo > 0.4 * result.duration_s:
        return None
    return lo / 60.0, hi / 60.0


def whole_window(result: RunResult) -> tuple[float, float]:
    """Minutes from the start to a little past the end, so an event at the end stays visible."""
    return 0.0, result.duration_s * 1.03 / 60.0


def run_figure(result: RunResult) -> Figure:
    """Error rates above, traffic below, stages and event markers; a zoom on the events."""
    if result.series is None:
        raise ValueError(f"run {result.scenario} seed {result.seed} kept no series to chart")
    zoom = zoom_window(result)
    figure = _new_figure((13, 6.8) if zoom else (11, 6.8))
    grid = figure.subplots(
        2, 2 if zoom else 1, sharex="col", sharey="row", squeeze=False,
        height_ratios=(3, 2), width_ratios=(2.2, 1) if zoom else (1,),
    )  # fmt: skip
    for column in range(grid.shape[1]):
        top, bottom = grid[0, column], grid[1, column]
        plot_error_rates(top, result.series)
        plot_traffic(bottom, result.series, result.duration_s)
        for ax in (top, bottom):
            plot_stages(ax, result.series)
            plot_markers(ax, result)
        bottom.set_xlabel("simulated time (minutes)")
        top.set_xlim(*(zoom if zoom and column == 1 else whole_window(result)))
        label_stages(top, result.series)
    if zoom:
        ending = {"rolled_back": "rollback", "held": "hold"}.get(result.outcome, "end")
        grid[0, 1].set_title(f"zoom: fault to {ending}", fontsize=9, loc="left")
        grid[0, 0].set_title("whole rehearsal", fontsize=9, loc="left")
    _legend_outside(figure, grid[0, 0], grid[1, 0])
    figure.suptitle(_run_title(result), fontsize=12)
    return figure


def _run_title(result: RunResult) -> str:
    outcome = OUTCOME_WORDS.get(result.outcome, result.outcome)
    detail = ""
    if result.time_to_detect_s is not None:
        detail = f", detected {result.time_to_detect_s:.0f} s after the fault"
    return (
        f"Scenario {result.scenario}: {outcome}{detail} "
        f"({result.bad_requests:,.0f} bad requests, seed {result.seed})"
    )


def _legend_outside(figure: Figure, *axes: Axes) -> None:
    """One legend for all axes, to the right of the plots so it never covers data."""
    seen: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    figure.legend(list(seen.values()), list(seen), loc="outside lower center", ncols=4, fontsize=8)


# --- the summary figure over a whole validation -------------------------------------------


def plot_pass_rates(ax: Axes, summaries: Sequence[ScenarioSummary]) -> None:
    """Pass rate per scenario against its minimum; failing scenarios in red."""
    y = np.arange(len(summaries))
    rates = [s.pass_rate * 100 for s in summaries]
    colours = ["#2ca02c" if s.ok else "#d62728" for s in summaries]
    ax.barh(y, rates, color=colours)
    ax.scatter(
        [s.min_pass_rate * 100 for s in summaries],
        y,
        marker="|",
        s=200,
        color="black",
        label="required",
        zorder=3,
    )
    ax.set_yticks(y, [s.scenario for s in summaries])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("runs meeting [expect] (%)")
    ax.set_title("Pass rate (black tick: required)")


def plot_detect_times(ax: Axes, summaries: Sequence[ScenarioSummary]) -> None:
    """Time to detect, p50 bar from 0 with a p95 tick, per scenario."""
    blanks = ["no fault" if s.healthy else "never detected" for s in summaries]
    _percentile_bars(ax, [s.time_to_detect for s in summaries], "#9467bd", blanks, _seconds)
    ax.set_xlabel("time to detect (s; linear to 1, log beyond)")
    ax.set_title("Detection: p50 bar, p95 tick")


def plot_bad_requests(ax: Axes, summaries: Sequence[ScenarioSummary]) -> None:
    """Bad requests served, p50 bar from 0 with a p95 tick, per scenario."""
    blanks = ["no runs"] * len(summaries)
    _percentile_bars(ax, [s.bad_requests for s in summaries], "#d62728", blanks, _compact)
    ax.set_xlabel("bad requests (linear to 1, log beyond)")
    ax.set_title("Damage: p50 bar, p95 tick")


def _percentile_bars(
    ax: Axes,
    spreads: Sequence[Spread],
    colour: str,
    blanks: Sequence[str],
    fmt: Callable[[float, float], str],
) -> None:
    """Bars from 0 on a symlog axis (0 is 0, so zero is no bar), a p95 tick, the p50 in words."""
    y = np.arange(len(spreads))
    p50 = np.array([np.nan if s.p50 is None else s.p50 for s in spreads])
    p95 = np.array([np.nan if s.p95 is None else s.p95 for s in spreads])
    ax.barh(y, np.nan_to_num(p50), color=colour, alpha=0.7)
    ax.scatter(p95, y, marker="|", s=200, color="black", zorder=3)
    from matplotlib.ticker import FixedLocator, NullLocator

    top = max(float(np.nanmax(p95, initial=1.0)), 1.0)
    decades = int(np.ceil(np.log10(top * 1.5)))
    ax.set_xscale("symlog", linthresh=1.0, linscale=0.8)
    ax.set_xlim(0, 10 ** (decades + 0.6))
    step = 2 if decades > 5 else 1
    ax.xaxis.set_major_locator(FixedLocator([0.0, *(10.0**k for k in range(0, decades + 1, step))]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(fmt)
    ax.tick_params(axis="y", labelleft=False)
    ax.grid(True, axis="x", which="major", alpha=0.3)
    for row, spread, blank in zip(y, spreads, blanks, strict=True):
        text = blank if spread.p50 is None else fmt(spread.p50, 0.0)
        at = max(spread.p50 or 0.0, spread.p95 or 0.0)  # right of the bar and the tick
        ax.annotate(text, (at, row), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize=7, color="0.3")  # fmt: skip


def _compact(value: float, _position: float) -> str:
    """0, 1, 20, 500, 1k, 10k, 2M: short labels for counts."""
    for factor, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def _seconds(value: float, _position: float) -> str:
    """0 s, 0.5 s, 20 s, 1.5 min: short labels for durations."""
    return f"{value / 60:.3g} min" if value >= 120 else f"{value:.3g} s"


def summary_figure(summaries: Sequence[ScenarioSummary], policy: str = "team") -> Figure:
    """Pass rate, detection time and bad requests for every scenario, side by side."""
    height = 1.6 + 0.35 * len(summaries)
    figure = _new_figure((13, height))
    axes = figure.subplots(1, 3, sharey=True)
    plot_pass_rates(axes[0], summaries)
    plot_detect_times(axes[1], summaries)
    plot_bad_requests(axes[2], summaries)
    failing = sum(not s.ok for s in summaries)
    verdict = "all scenarios pass" if not failing else f"{failing} scenario(s) FAIL"
    runs = summaries[0].runs if summaries else 0
    figure.suptitle(f"Validation of the {policy} policy, {runs} runs per scenario: {verdict}")
    return figure


def _new_figure(size: tuple[float, float]) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


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
