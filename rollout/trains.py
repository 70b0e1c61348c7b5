"""Release trains: several services released in `depends_on` order, back end before front end.

Pure: the train's cars and their deploys' states in, what to do next out. The bot runs `step`
on every worker pass and carries the answer out (start cars, say the train holds, offer to roll
back front ends).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rollout.config import TeamConfig
from rollout.errors import CommanderError
from rollout.state import DeployState

FAILED = frozenset({"held", "rolled_back", "aborted"})
GONE = frozenset({"rolled_back", "aborted"})


@dataclass(frozen=True)
class Car:
    """One service of a train, and its deploy once started."""

    service: str
    version: str
    deploy: DeployState | None = None


@dataclass(frozen=True)
class Offer:
    """A back end was rolled back: offer to roll back the front ends released after it."""

    back_end: int
    front_ends: tuple[int, ...]


@dataclass(frozen=True)
class TrainStep:
    """What the train does next."""

    start: tuple[int, ...] = ()  # cars whose dependencies have all completed
    waiting: tuple[tuple[int, tuple[int, ...]], ...] = ()  # (car, the cars it waits for)
    failed: tuple[int, ...] = ()  # cars held, rolled back or aborted: the rest holds
    offers: tuple[Offer, ...] = ()
    done: bool = False  # every car completed
    stopped: bool = False  # a car failed for good, nothing runs and no front end is left to offer


def run_order(services: Sequence[str], config: TeamConfig) -> list[str]:
    """The services in dependency order (dependencies first), else in the order given."""
    members = list(services)
    deps = {s: dependencies(s, members, config) for s in members}
    ordered: list[str] = []
    while len(ordered) < len(members):
        ready = [s for s in members if s not in ordered and deps[s] <= set(ordered)]
        if not ready:
            stuck = ", ".join(s for s in members if s not in ordered)
            raise CommanderError(f"the depends_on of {stuck} form a cycle: no order runs them")
        ordered.append(ready[0])
    return ordered


def dependencies(service: str, members: Sequence[str], config: TeamConfig) -> set[str]:
    """The train members `service` depends on, directly or through services not in the train."""
    seen: set[str] = set()
    todo = list(config.service(service).depends_on)
    while todo:
        name = todo.pop()
        if name not in seen and name != service:
            seen.add(name)
            todo.extend(config.service(name).depends_on)
    return seen & set(members)


def step(cars: Sequence[Car], config: TeamConfig) -> TrainStep:
    """What to do now, given every car's deploy (None: not started)."""
    members = [c.service for c in cars]
    deps = {
        i: _positions(dependencies(c.service, members, config), cars) for i, c in enumerate(cars)
    }
    failed = tuple(i for i, c in enumerate(cars) if c.deploy and c.deploy.status in FAILED)
    offers = tuple(_offers(cars, deps))
    done = all(c.deploy is not None and c.deploy.status == "completed" for c in cars)
    waiting = tuple(
        (i, tuple(d for d in deps[i] if not _completed(cars[d])))
        for i, c in enumerate(cars)
        if c.deploy is None
    )
    if failed:
        running = any(c.deploy and not c.deploy.finished for c in cars)
        final = any(_status(cars[i]) in GONE for i in failed)
        return TrainStep((), waiting, failed, offers, False, final and not running and not offers)
    start = tuple(i for i, blockers in waiting if not blockers)
    return TrainStep(start, tuple(w for w in waiting if w[1]), (), offers, done, False)


def _completed(car: Car) -> bool:
    return car.deploy is not None and car.deploy.status == "completed"


def _positions(services: set[str], cars: Sequence[Car]) -> tuple[int, ...]:
    return tuple(i for i, c in enumerate(cars) if c.service in services)


def _offers(cars: Sequence[Car], deps: dict[int, tuple[int, ...]]) -> list[Offer]:
    offers = []
    for b, back in enumerate(cars):
        if back.deploy is None or back.deploy.status != "rolled_back":
            continue
        fronts = tuple(
            i
            for i, c in enumerate(cars)
            if b in deps[i] and c.deploy is not None and c.deploy.status not in GONE
        )
        if fronts:
            offers.append(Offer(b, fronts))
    return offers


def _status(car: Car) -> str | None:
    """The status of the deploy a car became, if it started."""
    return car.deploy.status if car.deploy is not None else None
