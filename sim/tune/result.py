"""A finished tune: the front and the current policy, re-measured on unseen test seeds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import optuna

from sim.tune.front import Point, dominated_by, front_of
from sim.tune.objectives import Scores, scores
from sim.tune.space import Params, apply
from sim.tune.study import Search, full_points, measure

CURRENT = -1  # the trial number the current policy is shown with


@dataclass(frozen=True)
class TuneResult:
    """The front (train and test scores), the current policy's scores, and who beats it."""

    front: tuple[Point, ...]
    current: Point
    params: dict[int, Params]
    train_seeds: tuple[int, ...]
    test_seeds: tuple[int, ...]
    trials: int

    @property
    def beaten_by(self) -> list[int]:
        """Front points that dominate the current policy on training seeds."""
        return dominated_by(self.current.train, self.front)

    @property
    def beaten_on_test_by(self) -> list[int]:
        """Front points that dominate the current policy on test seeds."""
        assert self.current.test is not None
        return dominated_by(self.current.test, self.front, test=True)

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly record of the whole result."""
        return {
            "trials": self.trials,
            "train_seeds": list(self.train_seeds),
            "test_seeds": list(self.test_seeds),
            "current": _point_json(self.current, {}),
            "current_dominated_by": self.beaten_by,
            "current_dominated_on_test_by": self.beaten_on_test_by,
            "front": [_point_json(p, self.params[p.trial]) for p in self.front],
        }


def _point_json(point: Point, params: Params) -> dict[str, Any]:
    test = point.test.to_json() if point.test is not None else None
    return {"trial": point.trial, "params": params, "train": point.train.to_json(), "test": test}


def finish(search: Search, study: optuna.Study, test_seeds: tuple[int, ...]) -> TuneResult:
    """Place the current policy, and re-measure it and the front on the test seeds."""
    if set(test_seeds) & set(search.train_seeds):
        raise ValueError("test seeds must be disjoint from training seeds")
    front = front_of(full_points(study))
    params = {p.trial: dict(study.trials[p.trial].params) for p in front}
    configs = [search.config, *(apply(search.config, params[p.trial]) for p in front)]
    tested = [scores(search.library, runs) for runs in measure(search, configs, test_seeds)]
    trained = scores(search.library, measure(search, [search.config], search.train_seeds)[0])
    return TuneResult(
        front=tuple(replace(p, test=t) for p, t in zip(front, tested[1:], strict=True)),
        current=Point(CURRENT, trained, tested[0]),
        params=params,
        train_seeds=search.train_seeds,
        test_seeds=test_seeds,
        trials=len(study.trials),
    )


def current_scores(result: TuneResult) -> tuple[Scores, Scores]:
    """The current policy's (train, test) scores."""
    assert result.current.test is not None
    return result.current.train, result.current.test
