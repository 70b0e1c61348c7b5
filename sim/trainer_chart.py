"""The trainer's view: each trainee's drills over time against the best response.

Fed by `TraineeDrill` records (one per ended drill, made from its stored scorecard by
`trainee_drill`), never by live objects. Three panels share the date axis: how much later
than the best response the trainee detected, how much later users were safe, and the bad
requests beyond the best response's. Zero is the best response; a miss (never detected or
never mitigated) is an ✕ on the panel's top edge. matplotlib's OO API on Agg, chosen when a
figure is made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BEST = "best response"
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")


@dataclass(frozen=True)
class TraineeDrill:
    """One ended drill of one trainee, as gaps to the best response on the same seed."""

    trainee: str
    ended_at: datetime
    scenario: str
    detect_gap_s: float | None  # None: the trainee never detected a fault the best one did
    mitigate_gap_s: float | None
    excess_bad_requests: int
    healthy: bool = False  # no fault to detect: only the damage panel says anything


def trainee_drill(
    trainee: str, ended_at: datetime, scorecard: Mapping[str, Any]
) -> TraineeDrill | None:
    """The record of a stored scorecard (JSON); None when it has no best response."""
    best = next((p for p in scorecard.get("peers", ()) if p.get("who") == BEST), None)
    if best is None:
        return None
    mine = scorecard.get("trainee") or {}

    def gap(key: str) -> float | None:
        theirs, own = best.get(key), mine.get(key)
        if theirs is None:
            return 0.0 if own is None else float(own)
        return None if own is None else float(own) - float(theirs)

    damage = int(mine.get("bad_requests", 0)) - int(best.get("bad_requests", 0))
    return TraineeDrill(
        trainee=trainee, ended_at=ended_at, scenario=str(scorecard.get("scenario", "")),
        detect_gap_s=gap("time_to_detect_s"), mitigate_gap_s=gap("time_to_mitigate_s"),
        excess_bad_requests=damage, healthy=scorecard.get("fault_onset_s") is None,
    )  # fmt: skip


def _by_trainee(records: Sequence[TraineeDrill]) -> dict[str, list[TraineeDrill]]:
    found: dict[str, list[TraineeDrill]] = {}
    for record in sorted(records, key=lambda r: r.ended_at):
        found.setdefault(record.trainee, []).append(record)
    return found


def _plot_gaps(
    ax: Axes,
    records: Sequence[TraineeDrill],
    value: Callable[[TraineeDrill], float | None],
    label: str,
    names: Mapping[str, str],
) -> None:
    """One line per trainee; misses as ✕ on the top edge, zero as the best response."""
    known = [v for r in records if (v := value(r)) is not None]
    top = max([*known, 1.0]) * 1.15
    for n, (trainee, drills) in enumerate(_by_trainee(records).items()):
        colour = COLOURS[n % len(COLOURS)]
        when = np.array([d.ended_at.replace(tzinfo=None) for d in drills], dtype="datetime64[s]")
        values = [value(d) for d in drills]
        shown = np.array([np.nan if v is None else v for v in values], dtype=float)
        ax.plot(when, shown, "o-", color=colour, lw=1.4, ms=5, label=names.get(trainee, trainee))
        missed = [w for w, v in zip(when, values, strict=True) if v is None]  # UTC
        for moment in missed:
            ax.plot(np.array([moment]), [top], "x", color=colour, ms=9, mew=2, clip_on=False)
            ax.annotate("missed", (moment, top), xytext=(7, -4), textcoords="offset points",
                        fontsize=8, color=colour)  # fmt: skip
    ax.axhline(0, color="black", lw=1, ls="--")
    ax.annotate(BEST, (0, 0), xycoords=("axes fraction", "data"), xytext=(4, 3),
                textcoords="offset points", fontsize=8)  # fmt: skip
    ax.set_ylim(top=top * 1.05)
    ax.set_ylabel(label)
    ax.grid(True, alpha=0.3)


def plot_detect_gaps(ax: Axes, records: Sequence[TraineeDrill], names: Mapping[str, str]) -> None:
    """Seconds later than the best response to detect (✕: never detected)."""
    faulty = [r for r in records if not r.healthy]
    _plot_gaps(ax, faulty, lambda r: r.detect_gap_s, "detect: s after\nthe best response", names)


def plot_mitigate_gaps(ax: Axes, records: Sequence[TraineeDrill], names: Mapping[str, str]) -> None:
    """Seconds later than the best response until users were safe (✕: never)."""
    faulty = [r for r in records if not r.healthy]
    label = "mitigate: s after\nthe best response"
    _plot_gaps(ax, faulty, lambda r: r.mitigate_gap_s, label, names)


def plot_excess_damage(ax: Axes, records: Sequence[TraineeDrill], names: Mapping[str, str]) -> None:
    """Bad requests beyond the best response's on the same seed (symmetric log: one missed
    drill's thousands do not flatten everyone else's hundreds)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    _plot_gaps(
        ax,
        records,
        lambda r: float(r.excess_bad_requests),
        "bad requests beyond\nthe best response\n(symmetric log)",
        names,
    )
    ax.set_yscale("symlog", linthresh=1000)
    values = [r.excess_bad_requests for r in records] or [0]
    ticks = [0.0] + [10.0**k for k in range(3, len(str(max(max(values), 1))) + 1)]
    ticks += [-t for t in ticks[1:] if -t >= min(values) * 10]
    ax.yaxis.set_major_locator(FixedLocator(sorted(ticks)))
    ax.yaxis.set_major_formatter(FuncFormatter(_compact))
    ax.set_ylim(bottom=min(min(values) * 1.5, -50))


def _compact(value: float, _position: float) -> str:
    size = abs(value)
    if size >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    return f"{value / 1000:g}k" if size >= 1000 else f"{value:g}"


def trainer_figure(
    records: Sequence[TraineeDrill], names: Mapping[str, str] | None = None
) -> Figure:
    """The three panels over time, one line per trainee, titled with the drill count."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    names = names or {}
    figure = Figure(figsize=(9, 8), layout="constrained")
    axes = figure.subplots(3, 1, sharex=True)
    plot_detect_gaps(axes[0], records, names)
    plot_mitigate_gaps(axes[1], records, names)
    plot_excess_damage(axes[2], records, names)
    axes[2].set_xlabel("drill ended (UTC)")
    trainees = len({r.trainee for r in records})
    figure.suptitle(
        f"Drills over time: {len(records)} drills by {trainees} trainees\n"
        "each drill against the best response on its seed (0, dashed); lower is better"
    )
    handles, labels = axes[2].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6) or 1)
    return figure
