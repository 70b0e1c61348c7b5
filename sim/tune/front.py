"""Pareto fronts: who dominates whom, where the current policy sits, and which point to pick."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.tune.objectives import Scores

PICKS = ("damage", "balanced", "fast")


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """True when a is no worse than b in every objective and better in one (minimising)."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(
        x < y for x, y in zip(a, b, strict=True)
    )


def non_dominated(points: Sequence[Sequence[float]]) -> list[int]:
    """Indices of the points no other point dominates (duplicates are all kept)."""
    return [
        i
        for i, p in enumerate(points)
        if not any(dominates(q, p) for j, q in enumerate(points) if j != i)
    ]


@dataclass(frozen=True)
class Point:
    """A policy on the front: its trial number, and its scores on training and test seeds."""

    trial: int
    train: Scores
    test: Scores | None = None


def front_of(points: Sequence[Point]) -> list[Point]:
    """The feasible points that are non-dominated on training seeds, by release time."""
    feasible = [p for p in points if p.train.feasible]
    keep = non_dominated([p.train.values for p in feasible])
    return sorted((feasible[i] for i in keep), key=lambda p: (p.train.release_s, p.trial))


def dominated_by(scores: Scores, front: Sequence[Point], test: bool = False) -> list[int]:
    """Trial numbers of the front's points that dominate these scores."""
    out = []
    for point in front:
        other = point.test if test else point.train
        if other is not None and dominates(other.values, scores.values):
            out.append(point.trial)
    return out


def pick(front: Sequence[Point], how: str) -> Point:
    """damage: least damage; fast: quickest release; balanced: nearest the ideal point.

    Only points whose [expect] also hold on the test seeds are picked by name, when there
    are any: a point that met them on training seeds only was lucky. Balanced takes the
    point least worse than the front's best in every objective together (Euclidean norm),
    on test seeds when the front has them.
    """
    if not front:
        raise ValueError("the front is empty: no trial met every scenario's [expect]")
    if how.isdigit():
        chosen = [p for p in front if p.trial == int(how)]
        if not chosen:
            trials = ", ".join(str(p.trial) for p in front)
            raise ValueError(f"trial {how} is not on the front (front: {trials})")
        return chosen[0]
    if how not in PICKS:
        raise ValueError(f"expected damage, balanced, fast or a trial number, got {how!r}")
    front = [p for p in front if p.test is None or p.test.feasible] or list(front)
    values = np.array([(p.test or p.train).values for p in front], dtype=float)
    if how == "damage":
        return front[int(np.lexsort((values[:, 2], values[:, 0]))[0])]
    if how == "fast":
        return front[int(np.lexsort((values[:, 0], values[:, 2]))[0])]
    best = values.min(axis=0)
    # how much worse than the front's best: damage and release time as a share of the best,
    # false alarms (already per release) as they are
    scale = np.array([max(best[0], 1.0), 1.0, max(best[2], 1.0)])
    return front[int(np.argmin(np.linalg.norm((values - best) / scale, axis=1)))]
