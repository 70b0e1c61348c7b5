"""The search space: which settings of a team config a trial may change, and within what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

from rollout.config import (
    Judge,
    LatencyJudge,
    NewErrorJudge,
    OneSampleJudge,
    SequentialJudge,
    TeamConfig,
    TrafficStage,
    ZScoreJudge,
)
from rollout.errors import CommanderError

Params = dict[str, Any]
BAKE_STEP_S = 30
ADDED = "one_sample"  # the label of the one_sample judge a trial may add


class Suggester(Protocol):
    """The part of an Optuna trial the space uses (so tests may pass a stand-in)."""

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float:
        """A float in [low, high]."""

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """An int in [low, high]."""

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        """One of the choices."""


def tuned_stages(config: TeamConfig) -> list[str]:
    """The default plan's traffic stages whose bakes are searched."""
    traffic = [s.name for s in config.plan.stages if isinstance(s, TrafficStage)]
    chosen = list(config.tune.stages) or traffic
    unknown = [name for name in chosen if name not in traffic]
    if unknown:
        raise CommanderError(
            f"tune.stages: no traffic stage named {', '.join(unknown)} in the default plan "
            f"(traffic stages: {', '.join(traffic)})"
        )
    return chosen


def suggest(trial: Suggester, config: TeamConfig) -> Params:
    """Ask the trial for every searched setting, in a fixed order."""
    bounds, params = config.tune, {}
    for judge in config.policy.judges:
        params.update(_judge_params(trial, judge, config))
    if bounds.try_one_sample and not _has_one_sample(config):
        params[f"{ADDED}.mode"] = trial.suggest_categorical(f"{ADDED}.mode", ["off", "act"])
        params.update(_judge_params(trial, OneSampleJudge(name=ADDED), config))
    low, high = (int(d.total_seconds()) for d in bounds.evaluate_every)
    params["evaluate_every_s"] = trial.suggest_int("evaluate_every_s", low, high)
    params.update(_bakes(trial, config))
    if bounds.stabilization is not None:
        low, high = (int(d.total_seconds()) for d in bounds.stabilization)
        params["stabilization_s"] = trial.suggest_int("stabilization_s", low, high, step=60)
    return params


def _judge_params(trial: Suggester, judge: Judge, config: TeamConfig) -> Params:
    bounds, key = config.tune, judge.label
    if isinstance(judge, SequentialJudge | OneSampleJudge):
        out = {
            f"{key}.alpha": trial.suggest_float(f"{key}.alpha", *bounds.alpha, log=True),
            f"{key}.min_requests": trial.suggest_int(
                f"{key}.min_requests", *bounds.min_requests, log=True
            ),
        }
        if isinstance(judge, OneSampleJudge):
            out[f"{key}.quantile"] = trial.suggest_float(f"{key}.quantile", *bounds.quantile)
        return out
    if isinstance(judge, ZScoreJudge):
        return {
            f"{key}.threshold": trial.suggest_float(f"{key}.threshold", *bounds.zscore_threshold)
        }
    if isinstance(judge, LatencyJudge):
        name = f"{key}.max_increase_pct"
        return {name: trial.suggest_float(name, *bounds.latency_increase_pct)}
    if isinstance(judge, NewErrorJudge):
        name = f"{key}.min_count"
        return {name: trial.suggest_int(name, *bounds.new_error_min_count, log=True)}
    return {}  # health, threshold and mann_whitney judges keep their settings


def _bakes(trial: Suggester, config: TeamConfig) -> Params:
    low, high = (int(d.total_seconds()) for d in config.tune.bake)
    low = -(-low // BAKE_STEP_S) * BAKE_STEP_S
    high = max(low, high // BAKE_STEP_S * BAKE_STEP_S)
    return {
        f"bake.{name}": trial.suggest_int(f"bake.{name}", low, high, step=BAKE_STEP_S)
        for name in tuned_stages(config)
    }


def _has_one_sample(config: TeamConfig) -> bool:
    return any(isinstance(j, OneSampleJudge) for j in config.policy.judges)


def apply(config: TeamConfig, params: Params) -> TeamConfig:
    """The config with a trial's settings; settings the params do not name are kept."""
    judges = [_tuned_judge(j, params) for j in config.policy.judges]
    if params.get(f"{ADDED}.mode") == "act":
        judges.append(_tuned_judge(OneSampleJudge(name=ADDED), params))
    policy = config.policy.model_copy(
        update={
            "judges": tuple(judges),
            "evaluate_every": timedelta(
                seconds=params.get("evaluate_every_s", config.policy.evaluate_every.total_seconds())
            ),
        }
    )
    stages = tuple(
        s.model_copy(update={"bake": timedelta(seconds=params[f"bake.{s.name}"])})
        if isinstance(s, TrafficStage) and f"bake.{s.name}" in params
        else s
        for s in config.plan.stages
    )
    team = config.team
    if "stabilization_s" in params:
        minor = timedelta(seconds=params["stabilization_s"])
        team = team.model_copy(
            update={"stabilization": team.stabilization.model_copy(update={"minor": minor})}
        )
    plan = config.plan.model_copy(update={"stages": stages})
    return config.model_copy(update={"policy": policy, "plan": plan, "team": team})


def _tuned_judge(judge: Judge, params: Params) -> Judge:
    prefix = f"{judge.label}."
    update = {k[len(prefix) :]: rounded(v) for k, v in params.items() if k.startswith(prefix)}
    update.pop("mode", None)
    return judge.model_copy(update=update) if update else judge


def rounded(value: Any) -> Any:
    """Floats to 3 significant digits: what is measured is exactly what a config file holds."""
    return float(f"{value:.3g}") if isinstance(value, float) else value


def validated(config: TeamConfig) -> TeamConfig:
    """Re-validate a config built by model_copy (which skips validation)."""
    return TeamConfig.model_validate(config.model_dump())
