"""The search: NSGA-II over the space, in batches told in trial order, seeds spent in two rungs.

Each batch is one NSGA-II generation. Every trial of a batch runs the library on the early
training seeds; the best third of the feasible ones (by non-domination rank) also runs the
remaining training seeds, and only those fully measured trials can reach the front. The
sampler is seeded per batch from (seed, batch), and trials are told in trial order, so the
same seed and trial count give the same front, also after an interrupted run resumes from
its SQLite study (trials asked but never told are measured again from their stored params).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import optuna
from optuna.trial import FrozenTrial, TrialState

from rollout.config import TeamConfig
from rollout.errors import CommanderError
from sim.results import RunResult
from sim.scenario import Scenario
from sim.sweep import Sweep, run_sweep
from sim.tune.front import Point, non_dominated
from sim.tune.objectives import OBJECTIVES, Scores, scores
from sim.tune.space import Params, apply, suggest

STUDY_NAME = "tune"
OnTrials = Callable[[int, Sequence[Point]], None]  # trials told so far, the full points so far
Runs = list[list[RunResult]]  # per scenario, the runs of one config


@dataclass(frozen=True)
class Search:
    """What to search and how: the library, the seeds, the budget and where to run."""

    config: TeamConfig
    library: tuple[Scenario, ...]
    trials: int
    train_seeds: tuple[int, ...]
    early: int  # how many of the training seeds every trial runs
    seed: int
    jobs: int = 1
    dask: str | None = None
    storage: str | None = None  # an SQLAlchemy URL such as sqlite:///tune.db; None: in memory


def measure(search: Search, configs: Sequence[TeamConfig], seeds: tuple[int, ...]) -> list[Runs]:
    """Run every config on every scenario and seed; per config, the runs per scenario."""
    if not configs or not seeds:
        return [[[] for _ in search.library] for _ in configs]
    sweep = Sweep(tuple(configs), search.library, seeds, keep_series=False)
    results = run_sweep(sweep, jobs=search.jobs, dask_address=search.dask)
    return [[results[(c, s)] for s in range(len(search.library))] for c in range(len(configs))]


def _sampler(search: Search, batch: int) -> optuna.samplers.NSGAIISampler:
    return optuna.samplers.NSGAIISampler(
        population_size=search.config.tune.population,
        seed=search.seed * 100_003 + batch,
    )


def open_study(search: Search) -> optuna.Study:
    """Create the study, or load it when the storage holds one made with the same settings.

    A storage Optuna cannot use raises its own (SQLAlchemy) error, which the CLI words."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=search.storage,
        study_name=STUDY_NAME,
        directions=["minimize"] * len(OBJECTIVES),
        sampler=_sampler(search, 0),
        load_if_exists=True,
    )
    settings = {"seed": search.seed, "train_seeds": list(search.train_seeds), "early": search.early}
    stored = study.user_attrs.get("settings")
    if stored is None:
        study.set_user_attr("settings", settings)
    elif stored != settings:
        raise CommanderError(
            f"the study was made with other settings ({json.dumps(stored)}); use another "
            f"--study file, or the same --seed and --runs"
        )
    return study


def run_search(search: Search, on_trials: OnTrials | None = None) -> optuna.Study:
    """Run trials until `search.trials` are told, and return the study."""
    study = open_study(search)
    report = on_trials or (lambda done, points: None)
    report(_told(study), full_points(study))
    while True:
        pending = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        told = _told(study)
        if not pending and told >= search.trials:
            return study
        if not pending:
            study.sampler = _sampler(search, told // search.config.tune.population)
            size = min(search.config.tune.population, search.trials - told)
            asked = [study.ask() for _ in range(size)]
            batch = [(t.number, suggest(t, search.config)) for t in asked]
        else:
            batch = [(t.number, dict(t.params)) for t in pending]
        _run_batch(search, study, batch)
        report(_told(study), full_points(study))


def _told(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def _run_batch(search: Search, study: optuna.Study, batch: list[tuple[int, Params]]) -> None:
    """Measure a batch in two rungs and tell Optuna every trial, in trial order."""
    configs = [apply(search.config, params) for _, params in batch]
    early, rest = search.train_seeds[: search.early], search.train_seeds[search.early :]
    runs = measure(search, configs, early)
    first = [scores(search.library, r) for r in runs]
    promoted = promote(first) if rest else []
    more_runs = measure(search, [configs[i] for i in promoted], rest)
    for index, more in zip(promoted, more_runs, strict=True):
        runs[index] = [a + b for a, b in zip(runs[index], more, strict=True)]
    trial_ids = {t.number: t._trial_id for t in study.get_trials(deepcopy=False)}
    for index, (number, _) in enumerate(batch):
        final = scores(search.library, runs[index]) if index in promoted else first[index]
        trial = optuna.trial.Trial(study, trial_ids[number])
        for key, value in final.to_json().items():
            trial.set_user_attr(key, value)
        trial.set_user_attr("full", index in promoted or not rest)
        trial.set_constraint("violations", float(len(final.violations)))  # ≤ 0: feasible
        study.tell(number, list(final.values))


def promote(first: Sequence[Scores]) -> list[int]:
    """The best third of the feasible trials by non-domination rank (ties: trial order)."""
    left = [i for i, s in enumerate(first) if s.feasible]
    quota, ranked = min(len(left), math.ceil(len(first) / 3)), list[int]()
    while left and len(ranked) < quota:
        layer = [left[i] for i in non_dominated([first[i].values for i in left])]
        ranked += layer
        left = [i for i in left if i not in layer]
    return sorted(ranked[:quota])


def full_points(study: optuna.Study) -> list[Point]:
    """Every told trial measured on all training seeds, with its scores."""
    out = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if trial.user_attrs.get("full"):
            out.append(Point(trial.number, stored_scores(trial)))
    return out


def stored_scores(trial: FrozenTrial) -> Scores:
    """A trial's scores as its user attributes keep them."""
    attrs = trial.user_attrs
    return Scores(
        damage=float(attrs["damage"]),
        false_alarms=float(attrs["false_alarms"]),
        release_s=float(attrs["release_s"]),
        violations=tuple(attrs["violations"]),
        seeds=int(attrs["seeds"]),
    )
