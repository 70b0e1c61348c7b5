"""The Rich table of a tune: the front on train and test seeds, and the current policy on it."""

from __future__ import annotations

from rich.table import Table

from sim.report import fmt_count, fmt_seconds
from sim.tune.front import Point, pick
from sim.tune.objectives import Scores
from sim.tune.result import TuneResult


def front_table(result: TuneResult) -> Table:
    """One row per front point and one for the current policy; train → test per objective."""
    train, test = len(result.train_seeds), len(result.test_seeds)
    table = Table(
        title=f"Pareto front after {result.trials} trials "
        f"(train: {train} seeds per scenario, test: {test} unseen seeds)"
    )
    for header in ("trial", "pick", "damage", "false alarms", "release time", "test \\[expect]"):
        table.add_column(
            header, justify="left" if header in ("pick", "test \\[expect]") else "right"
        )
    picks = _picks(result)
    for point in result.front:
        table.add_row(*_row(point, ", ".join(picks.get(point.trial, []))))
    table.add_row(*_row(result.current, ""), style="bold")
    return table


def placement(result: TuneResult) -> str:
    """Where the current policy sits: dominated (by which points) or on the front."""
    train, test = result.beaten_by, result.beaten_on_test_by
    if not train:
        return "The current policy is not dominated by any front point on training seeds."
    on_test = f"; on test seeds by {_trials(test)}" if test else "; on test seeds by none of them"
    return f"The current policy is dominated on training seeds by {_trials(train)}{on_test}."


def _trials(numbers: list[int]) -> str:
    return ", ".join(f"#{n}" for n in numbers)


def _picks(result: TuneResult) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if result.front:
        for how in ("damage", "balanced", "fast"):
            out.setdefault(pick(result.front, how).trial, []).append(how)
    return out


def _row(point: Point, picked: str) -> tuple[str, ...]:
    test = point.test
    label = "current" if point.trial < 0 else f"#{point.trial}"
    return (
        label,
        picked,
        _pair(point.train, test, lambda s: fmt_count(round(s.damage))),
        _pair(point.train, test, lambda s: f"{s.false_alarms:.0%}"),
        _pair(point.train, test, lambda s: fmt_seconds(s.release_s)),
        _expect(test),
    )


def _pair(train: Scores, test: Scores | None, fmt: object) -> str:
    assert callable(fmt)
    return f"{fmt(train)} → {fmt(test)}" if test is not None else str(fmt(train))


def _expect(test: Scores | None) -> str:
    """Whether every [expect] held on test seeds; else how many missed, and the first two."""
    if test is None:
        return "n/a"
    if test.feasible:
        return "[green]all hold[/]"
    missed = test.violations
    more = f", +{len(missed) - 2} more" if len(missed) > 2 else ""
    return f"[red]{len(missed)} missed: {', '.join(missed[:2])}{more}[/]"
