"""The composition root of the running bot: wires the store, Slack, adapters and services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from slack_sdk import WebClient

from adapters.deployers import build_deployer
from adapters.flagd import FlagdKillSwitches
from adapters.metrics import build_metrics
from adapters.settings import where
from bot.commands import Commands
from bot.config_checks import load_config
from bot.deploys import Deploys
from bot.drills.report import DrillReports
from bot.drills.runner import DrillRunner
from bot.drills.schedule import DrillSchedules
from bot.drills.service import DrillService
from bot.inbox import Inbox
from bot.killswitches import KillSwitchControl
from bot.outbox import Outbox
from bot.policy import PolicyReports
from bot.reconcile import Reconciler
from bot.roster import UsergroupRoster
from bot.settings import Settings
from bot.slack_client import SlackPoster, make_web_client
from bot.spool import Spool
from bot.team import Team
from bot.trains import Trains
from bot.worker import Worker
from bot.world import ServiceWorld
from rollout.config import TeamConfig
from rollout.ports import Repository
from store.observations import ObservationStore

log = logging.getLogger("commander.services")


class WallClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """Timezone-aware UTC now."""
        return datetime.now(UTC)


@dataclass
class Services:
    """Everything the listeners and the worker call."""

    config: TeamConfig
    repo: Repository
    client: WebClient
    slack: SlackPoster
    deploys: Deploys
    team: Team
    commands: Commands
    worker: Worker
    kills: KillSwitchControl
    trains: Trains
    drills: DrillService
    drill_reports: DrillReports
    inbox: Inbox


def build_services(
    settings: Settings, repo: Repository, client: WebClient | None = None
) -> Services:
    """Wire the bot's services around a repository (store.repository.Repository in production)."""
    config = load_config(settings.config_path)
    client = client or make_web_client(settings)
    slack = SlackPoster(client, settings.post_interval)
    source = settings.config_path.name
    deployer_for = cache(
        lambda s: build_deployer(config.service(s).deployer, where(s, "deployer", source))
    )
    metrics_for = cache(
        lambda s: build_metrics(config.service(s).metrics, where(s, "metrics", source))
    )
    for service in config.services:  # bad adapter settings stop the bot at start, in one line
        deployer_for(service.name), metrics_for(service.name)
    flags = FlagdKillSwitches(config.flagd)
    world = ServiceWorld(deployer_for, metrics_for, flags)
    clock = WallClock()
    usergroup = config.rotation.usergroup
    roster = UsergroupRoster(client, usergroup) if usergroup else None
    deploys = Deploys(config, repo, clock, roster)
    if isinstance(repo, ObservationStore):  # the real store keeps what judges saw
        deploys.record_look = repo.add_look
    team = Team(deploys, repo, clock, slack)
    # The outbox handles 429s and 5xx itself, so its client never sleeps in a retry handler.
    sender = SlackPoster(make_web_client(settings, retries=False), settings.post_interval)
    outbox = Outbox(repo, sender, config)
    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="commander-world")
    reconciler = Reconciler(deploys, world, lambda job: _submit(pool, job))
    drills = DrillService(config, repo, settings.scenarios_dir, _members(client), clock)
    runner = DrillRunner(drills)
    outbox.config_for = runner.config_for
    judges = ThreadPoolExecutor(max_workers=8, thread_name_prefix="commander-judge")
    posts = ThreadPoolExecutor(max_workers=8, thread_name_prefix="commander-slack")
    worker = Worker(deploys, team, reconciler, outbox, world, settings.tick, drills=runner,
                    run=lambda job: _submit(judges, job),
                    send=lambda job: _submit(posts, job))  # fmt: skip
    deploys.wake = worker.wake
    kills = KillSwitchControl(config, repo, clock, wake=worker.wake, problem=flags.problem)
    trains = Trains(deploys, slack)
    worker.also.append(trains.advance)
    commands = Commands(deploys, team, kills, trains)
    commands.drills = drills
    commands.drill_reports = reports = DrillReports(drills, slack)
    commands.drill_schedules = schedules = DrillSchedules(drills)
    commands.policy = PolicyReports(repo, slack, config.team.tz)
    worker.also.append(lambda: _start_scheduled(schedules, clock.now()))
    spool = Spool(settings.inbox_dir, clock)
    inbox = Inbox(repo, commands.answer, clock, spool)  # type: ignore[arg-type]
    worker.also.append(inbox.catch_up)  # commands a crash left behind
    return Services(
        config, repo, client, slack, deploys, team, commands, worker, kills, trains, drills,
        reports, inbox,
    )  # fmt: skip


def _start_scheduled(schedules: DrillSchedules, now: datetime) -> None:
    """Each pass: start the surprise drills that are due."""
    schedules.run_due(now)


def _members(client: WebClient) -> Callable[[str], tuple[str, ...]]:
    """A user group's members (trainers may be a group), asked afresh every 5 minutes."""
    rosters: dict[str, UsergroupRoster] = {}

    def members(group: str) -> tuple[str, ...]:
        roster = rosters.setdefault(group, UsergroupRoster(client, group))
        return roster()

    return members


def _submit(pool: ThreadPoolExecutor, job: Callable[[], None]) -> None:
    """Run a reconcile job off the worker thread, so a slow deployer delays only its deploy."""
    pool.submit(job)
