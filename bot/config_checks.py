"""The one config validation: what `commander config check`, `serve`, `shell` and `sim` run.

Parsing (rollout.parsing) checks each key's type and range; this module checks what only the
whole file can say: adapters that can be built with their settings, references between
services, Slack ids, positive durations and plans that reach their audience. Each problem
names its key path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from adapters.deployers import build_deployer
from adapters.etcd_deployer import EtcdSettings, audience_problems
from adapters.flagd import kill_switch_problems
from adapters.metrics import build_metrics
from adapters.settings import validate_settings, where
from bot.settings import config_path, read_config
from rollout.config import Plan, TeamConfig, TrafficStage
from rollout.errors import ConfigError

USER_ID = re.compile(r"[UW][A-Z0-9]+")
USERGROUP_ID = re.compile(r"S[A-Z0-9]+")
ID_WORDS = 'Slack user ids such as "U0ALICE01" or user group ids such as "S0DEPLOY1"'


def load_config(path: Path | None = None, *, every: bool = False) -> TeamConfig:
    """Read the team config and run every check on it; problems are one ConfigError.

    The error names the first problem (`every`: each problem, one per line)."""
    config = read_config(path)
    check_config(config, str(config_path(path)), every=every)
    return config


def check_config(config: TeamConfig, source: str, *, every: bool = False) -> None:
    """Raise a ConfigError naming the key path of the first (or every) problem."""
    problems = [f"{source}: {problem}" for problem in config_problems(config, source)]
    if problems and every:
        raise ConfigError("\n".join(problems))
    if problems:
        more = f" (and {len(problems) - 1} more: commander config check)" if problems[1:] else ""
        raise ConfigError(f"{problems[0]}{more}")


def config_problems(config: TeamConfig, source: str) -> Iterator[str]:
    """Every problem, as "key.path: what is wrong"."""
    yield from _unique_services(config)
    yield from _dependencies(config)
    yield from _slack_ids(config)
    yield from _durations(config)
    yield from _plans(config)
    yield from _adapters(config, source)
    yield from _flags(config)


def _unique_services(config: TeamConfig) -> Iterator[str]:
    seen: set[str] = set()
    for index, service in enumerate(config.services):
        if service.name in seen:
            yield f'services[{index}].name: "{service.name}" is declared twice'
        seen.add(service.name)


def _dependencies(config: TeamConfig) -> Iterator[str]:
    depends = {s.name: s.depends_on for s in config.services}
    for index, service in enumerate(config.services):
        if service.name in service.depends_on:
            position = service.depends_on.index(service.name)
            yield f"services[{index}].depends_on[{position}]: {service.name} depends on itself"
            continue
        cycle = _cycle_from(service.name, depends)
        if cycle:
            yield f"services[{index}].depends_on: a cycle: {' → '.join(cycle)}"


def _cycle_from(start: str, depends: dict[str, tuple[str, ...]]) -> list[str]:
    """The path start → … → start through depends_on, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        name, path = stack.pop()
        for needed in depends.get(name, ()):
            if needed == start:
                return [*path, start]
            if needed not in visited:
                visited.add(needed)
                stack.append((needed, [*path, needed]))
    return []


def _slack_ids(config: TeamConfig) -> Iterator[str]:
    lists = {"team.admins": config.team.admins, "rotation.roster": config.rotation.roster}
    for key, ids in lists.items():
        for index, given in enumerate(ids):
            if not (USER_ID.fullmatch(given) or USERGROUP_ID.fullmatch(given)):
                yield f'{key}[{index}]: expected {ID_WORDS}, got "{given}"'
    for index, override in enumerate(config.rotation.overrides):
        if not USER_ID.fullmatch(override.user):
            got = override.user
            yield f'rotation.overrides[{index}].user: expected a Slack user id, got "{got}"'
    group = config.rotation.usergroup
    if group is not None and not USERGROUP_ID.fullmatch(group):
        yield f'rotation.usergroup: expected a user group id such as "S0DEPLOY1", got "{group}"'


def _durations(config: TeamConfig) -> Iterator[str]:
    if config.policy.evaluate_every <= timedelta(0):
        yield 'policy.evaluate_every: expected a positive duration such as "5s", got 0s'
    for index, judge in enumerate(config.policy.judges):
        interval = getattr(judge, "interval", None)
        if isinstance(interval, timedelta) and interval <= timedelta(0):
            yield f'policy.judges[{index}].interval: expected a positive duration such as "60s"'


def _plans(config: TeamConfig) -> Iterator[str]:
    plans: dict[str, Plan] = {"plan": config.plan}
    plans.update({f"plans.{name}": plan for name, plan in config.plans.items()})
    for key, plan in plans.items():
        traffic = [(i, s) for i, s in enumerate(plan.stages) if isinstance(s, TrafficStage)]
        if not traffic:
            continue
        index, last = traffic[-1]
        if last.percent < 100 or last.audience == "internal":
            yield (
                f"{key}.stages[{index}]: the last traffic stage must send 100% of all users "
                f"(or external) to the new version, got {last.percent:g}% of {last.audience}; "
                "a release that ends short of 100% never reaches its audience"
            )


def _adapters(config: TeamConfig, source: str) -> Iterator[str]:
    """Build each service's deployer and metrics source, which validates their settings."""
    plans = {"default": config.plan, **config.plans}
    for service in config.services:
        deployer = service.deployer
        if deployer.kind == "command" and not deployer.settings:
            yield (
                f"services.{service.name}.deployer.settings: a command deployer needs at least "
                "one command (deploy, set_traffic, smoke_test or rollback)"
            )
            continue
        at = where(service.name, "deployer", source)
        try:
            build_deployer(deployer, at)
            build_metrics(service.metrics, where(service.name, "metrics", source))
        except ConfigError as exc:
            yield str(exc).removeprefix(f"{source}: ")
            continue
        if deployer.kind == "etcd":  # a pull fleet must have the pools its plans split into
            fleet = validate_settings(EtcdSettings, deployer.settings, at)
            key = f"services.{service.name}.deployer"
            yield from (f"{key}: {problem}" for problem in audience_problems(fleet, plans))


def _flags(config: TeamConfig) -> Iterator[str]:
    """Each service's kill switches, checked against the flagd file: each flag exists, with
    the variants a flip needs."""
    yield from kill_switch_problems(config)
