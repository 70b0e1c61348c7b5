"""A stored real deploy and its looks, as the scenario that replays it (sim/from_deploy.py)."""

from __future__ import annotations

from typing import Any

from rollout.config import TeamConfig
from rollout.errors import CommanderError
from sim.from_deploy import RealDeploy, SeenLook, fit_scenario
from sim.scenario import Scenario

PREFIX = "deploy-"  # a drill of a real deploy names its scenario deploy-<id>


def real_deploy(repo: Any, deploy_id: str, config: TeamConfig) -> tuple[RealDeploy, list[SeenLook]]:
    """The deploy (never a drill) and what its judges saw; a clear error if there is none."""
    state = repo.get(deploy_id)  # NotFound names the id
    if state.drill:
        raise CommanderError(f"{deploy_id} is a drill, not a real deploy.")
    try:
        stages = config.plan_named(state.plan_name).stages
    except KeyError:
        raise CommanderError(f"{deploy_id} ran plan {state.plan_name}, which is gone.") from None
    looks = [SeenLook(r.at, r.stage, r.figures, r.verdicts) for r in repo.looks(deploy_id)]
    if not looks:
        raise CommanderError(f"{deploy_id}: no looks of its judges are stored; nothing to fit.")
    deploy = RealDeploy(
        state.id, state.service, state.version, state.previous_version, state.status, stages
    )
    return deploy, looks


def fitted(repo: Any, deploy_id: str, config: TeamConfig) -> dict[str, Any]:
    """The fitted scenario as TOML-ready data."""
    return fit_scenario(*real_deploy(repo, deploy_id, config))


def fitted_scenario(repo: Any, deploy_id: str, config: TeamConfig) -> Scenario:
    """The fitted scenario, checked as any scenario file is."""
    from sim.from_deploy import to_toml
    from sim.scenario import parse_scenario

    return parse_scenario(to_toml(fitted(repo, deploy_id, config)), f"deploy {deploy_id}")
