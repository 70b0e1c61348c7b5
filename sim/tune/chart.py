"""The Pareto chart: the front and the current policy on the same axes, on test seeds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sim.tune.front import Point, pick
from sim.tune.objectives import Scores
from sim.tune.result import TuneResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FRONT, CURRENT, TRAIN, MISSED = "#1f77b4", "#d62728", "#9e9e9e", "#ff7f0e"
Axis = Callable[[Scores], float]


def release_min(scores: Scores) -> float:
    """Release time in minutes."""
    return scores.release_s / 60


def false_alarm_pct(scores: Scores) -> float:
    """False alarms per healthy release, as a percentage."""
    return scores.false_alarms * 100


def plot_front(
    ax: Axes, front: Sequence[Point], current: Point, x: Axis, labels: dict[int, str]
) -> None:
    """Damage against one objective: test seeds filled, training seeds hollow and grey.

    A front point whose [expect] fails on the test seeds is an orange cross. `labels` names
    the points to annotate.
    """
    for point in front:
        test = point.test or point.train
        ax.plot([x(point.train), x(test)], [point.train.damage, test.damage], color=TRAIN, lw=0.6)
        ax.scatter(x(point.train), point.train.damage, s=18, facecolors="none", edgecolors=TRAIN)
        held = test.feasible
        ax.scatter(
            x(test), test.damage, s=36 if held else 48, marker="o" if held else "X",
            color=FRONT if held else MISSED, zorder=3,
        )  # fmt: skip
        if point.trial in labels:
            ax.annotate(
                labels[point.trial], (x(test), test.damage), xytext=(4, 4),
                textcoords="offset points", fontsize=8,
            )  # fmt: skip
    test = current.test or current.train
    ax.plot([x(current.train), x(test)], [current.train.damage, test.damage], color=CURRENT, lw=0.6)
    ax.scatter(
        x(current.train), current.train.damage, s=40, marker="*", facecolors="none",
        edgecolors=CURRENT,
    )  # fmt: skip
    ax.scatter(x(test), test.damage, s=110, marker="*", color=CURRENT, zorder=4)
    ax.annotate(
        "current", (x(test), test.damage), xytext=(5, -11), textcoords="offset points",
        fontsize=8, color=CURRENT,
    )  # fmt: skip
    ax.grid(True, alpha=0.3)


def front_figure(result: TuneResult) -> Figure:
    """Two panels sharing the damage axis: against release time, and against false alarms."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    figure = Figure(figsize=(11, 4.8), layout="constrained")
    left, right = figure.subplots(1, 2, sharey=True)
    chosen: dict[int, list[str]] = {}
    if result.front:
        for how in ("damage", "balanced", "fast"):
            chosen.setdefault(pick(result.front, how).trial, []).append(how)
    every = {p.trial: f"#{p.trial} " + ", ".join(chosen.get(p.trial, [])) for p in result.front}
    plot_front(left, result.front, result.current, release_min, every)
    picked = {trial: f"#{trial} " + ", ".join(hows) for trial, hows in chosen.items()}
    plot_front(right, result.front, result.current, false_alarm_pct, picked)
    alarms = [false_alarm_pct(p.test or p.train) for p in (*result.front, result.current)]
    right.set_xlim(-1, max(10.0, 1.15 * max(alarms)))
    left.set_xlabel("healthy release time to finish the plan (min)")
    right.set_xlabel("false alarms per healthy release (%)")
    left.set_ylabel("damage: excess bad requests per faulty run")
    handles = [
        Line2D([], [], marker="o", ls="", color=FRONT, label="front, test seeds"),
        Line2D([], [], marker="X", ls="", color=MISSED, label="misses an [expect] on test seeds"),
        Line2D(
            [], [], marker="o", ls="", mfc="none", color=TRAIN, label="same point, training seeds"
        ),
        Line2D(
            [],
            [],
            marker="*",
            ls="",
            ms=11,
            color=CURRENT,
            label="current policy (test; hollow: train)",
        ),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8)
    figure.suptitle(
        f"Pareto front after {result.trials} trials: lower is better on every axis "
        f"({len(result.test_seeds)} unseen test seeds per scenario)",
        fontsize=10,
    )
    return figure
