"""The composition root of the running bot: wires the store, Slack, adapters and services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from slack_sdk import WebClient

from bot.adapters.deployers import build_deployer
from bot.adapters.flagd import FlagdKillSwitches
from bot.adapters.metrics import build_metrics
from bot.adapters.roster import UsergroupRoster
from bot.adapters.world import ServiceWorld
from bot.commands import Commands
from bot.deploys import Deploys
from bot.effects import Effects
from bot.killswitches import KillSwitchControl, ThreadPeople
from bot.settings import Settings, load_team_config
from bot.slack_client import SlackPoster, make_web_client
from bot.team import Team
from bot.trains import Trains
from bot.worker import Worker
from rollout.config import TeamConfig

log = logging.getLogger("commander.services")


class WallClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """Timezone-aware UTC now."""
        return datetime.now(UTC)


class EffectsQueue:
    """One thread that carries out transitions in order, off the request path."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commander-effects")

    def __call__(self, job: Callable[[], None]) -> None:
        self._pool.submit(job).add_done_callback(_log_failure)

    def shutdown(self) -> None:
        """Finish queued work and stop."""
        self._pool.shutdown(wait=True)


def _log_failure(future: Future) -> None:
    error = future.exception()
    if error is not None:
        log.error("carrying out a transition failed", exc_info=error)


@dataclass
class Services:
    """Everything the listeners and the worker call."""

    config: TeamConfig
    repo: object
    client: WebClient
    slack: SlackPoster
    deploys: Deploys
    team: Team
    commands: Commands
    worker: Worker
    kills: KillSwitchControl
    trains: Trains


def build_services(settings: Settings, repo, client: WebClient | None = None) -> Services:
    """Wire the bot's services around a repository (store.repository.Repository in production)."""
    config = load_team_config(settings.config_path)
    client = client or make_web_client(settings)
    slack = SlackPoster(client, settings.post_interval)
    deployer_for = cache(lambda service: build_deployer(config.service(service).deployer))
    metrics_for = cache(lambda service: build_metrics(config.service(service).metrics))
    clock = WallClock()
    effects = Effects(config, repo, slack, deployer_for)
    usergroup = config.rotation.usergroup
    roster = UsergroupRoster(client, usergroup) if usergroup else None
    deploys = Deploys(config, repo, clock, effects, EffectsQueue(), roster)
    team = Team(deploys, repo, clock, slack)
    worker = Worker(deploys, team, metrics_for, settings.tick)
    world = ServiceWorld(deployer_for, metrics_for, FlagdKillSwitches(config.flagd))
    kills = KillSwitchControl(config, repo, clock, world, ThreadPeople(repo, slack, config, clock))
    trains = Trains(deploys, slack)
    worker.also.append(trains.advance)
    commands = Commands(deploys, team, kills, trains)
    return Services(config, repo, client, slack, deploys, team, commands, worker, kills, trains)
