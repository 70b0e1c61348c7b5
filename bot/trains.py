"""Release trains in Slack: `/deploy start api 3.1.0 web 2.4.0` runs the services in
depends_on order in one thread; every worker pass asks rollout.trains.step what comes next.

Each message the pass posts is claimed once (claim_delivery), so replicas say it once.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackClientError

from bot.blocks.card import card
from bot.blocks.kit import actions, button, section
from bot.deploys import Deploys, Refused
from bot.grammar.commands import Start, StartTrain
from bot.slack_client import SlackPoster
from bot.train_links import train_line
from rollout import events as ev
from rollout import trains
from rollout.errors import CommanderError
from rollout.ports import Conflict
from rollout.records import ROOT, Message, TrainRecord
from rollout.state import DeployState

log = logging.getLogger("commander.trains")
# A settled train is watched this long, so a late rollback of a back end still offers to roll
# back the front ends released after it.
WATCH = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STALE_CLAIM = timedelta(minutes=1)  # a start takes well under this; older claims died
ROLLBACK_FRONT = "train_rollback"


class Trains:
    """Starts trains, moves them on each pass, and rolls back front ends on request."""

    def __init__(self, deploys: Deploys, slack: SlackPoster) -> None:
        self.deploys = deploys
        self.config = deploys.config
        self.repo = deploys.repo
        self.clock = deploys.clock
        self.slack = slack

    def start(self, cmd: StartTrain, user: str) -> str:
        """Record the train, open its thread and start the cars that depend on no other."""
        versions = dict(cmd.cars)
        order = trains.run_order(list(versions), self.config)
        cars = [(s, versions[s]) for s in order]
        self._check_first_cars(cars, cmd.force, user)  # a refused train posts nothing
        train_id = f"train-{uuid.uuid4().hex[:8]}"
        now = self.clock.now()
        self.repo.add_train(
            train_id,
            cars,
            created_by=user,
            now=now,
            commit_time=cmd.commit_time,
            force_reason=cmd.force,
        )
        line = " → ".join(f"{s} {v}" for s, v in cars)
        text = (
            f":steam_locomotive: Release train by @{user}: {line}. Each service starts when "
            "the services it depends on have completed."
        )
        try:
            channel, ts = self.slack.post(self.config.team.deploy_channel, text)
        except (SlackClientError, OSError) as exc:
            self.repo.close_train(train_id, now)
            why = type(exc).__name__
            raise Refused(
                f"Slack did not take the train's first message ({why}); try again."
            ) from None
        self.repo.set_train_thread(train_id, channel, ts)
        train = self.repo.train(train_id)
        problems = self._move(train, starting=True)
        if problems:
            self.repo.close_train(train_id, self.clock.now())
            raise Refused("\n".join(problems))
        self.repo.open_train(train_id)  # from now on the worker's passes move it on
        return f"Started release train {line} in {self.config.team.deploy_channel}."

    def _check_first_cars(self, cars: list[tuple[str, str]], force: str | None, user: str) -> None:
        """Refused, with every reason, when a car that would start at once may not start."""
        first = trains.step([trains.Car(s, v, None) for s, v in cars], self.config).start
        problems = []
        for position in first:
            service, version = cars[position]
            try:
                self.deploys.check_start(Start(service, version, force=force), user)
            except Refused as exc:
                problems.append(str(exc))
        if problems:
            raise Refused("\n".join(problems))

    def advance(self) -> None:
        """One pass over every open train."""
        for train in self.repo.open_trains():
            try:
                self._move(train)
            except (CommanderError, Conflict) as exc:
                log.warning("train %s: %s", train.id, exc)

    def roll_back_front(self, deploy_id: str, user: str) -> str | None:
        """The "Roll back <front end>" button: roll that deploy back; a refusal's text."""
        folded = self.deploys.apply(
            deploy_id, ev.Rollback(user, reason=f"its back end was rolled back (@{user})")
        )
        return f":no_entry: {folded.refusals[0].reason}" if folded.refusals else None

    def _move(self, train: TrainRecord, starting: bool = False) -> list[str]:
        """Carry out one step; the refusals of cars that could not start."""
        cars = [
            trains.Car(c.service, c.version, self.repo.get(c.deploy_id) if c.deploy_id else None)
            for c in train.cars
        ]
        step = trains.step(cars, self.config)
        problems = [p for pos in step.start if (p := self._start_car(train, pos, cars, starting))]
        self._refresh_cards(train)
        for pos in step.failed:
            self._say_held(train, cars, pos, step)
        for offer in step.offers:
            self._offer(train, cars, offer)
        last = _latest(cars)
        if step.done and last:
            self._say(train, "end:done", last, "Release train complete.")
        if step.stopped and last:
            self._say(
                train, "end:stopped", last, "Release train stopped: a service failed for good."
            )
        settled = all(c.deploy is None or c.deploy.finished for c in cars)
        if step.stopped or (settled and self.clock.now() - train.created_at > WATCH):
            self.repo.close_train(train.id, self.clock.now())
        return problems

    def _start_car(
        self, train: TrainRecord, pos: int, cars: list[trains.Car], starting: bool
    ) -> str | None:
        car = cars[pos]
        token = uuid.uuid4().hex
        if not self.repo.claim_car(train.id, pos, token, self.clock.now(), STALE_CLAIM):
            return None  # another pass or replica is starting it
        cmd = Start(
            car.service,
            car.version,
            commit_time=train.commit_time,
            train=train.id,
            force=train.force_reason,
        )
        try:
            state = self.deploys.start(cmd, train.created_by)
        except (CommanderError, Conflict) as exc:
            self.repo.release_car(train.id, pos, token)
            last = _latest(cars)
            if not starting and last:
                self._say(train, f"refused:{pos}:{exc}", last, f":warning: {exc}")
            return str(exc)
        self.repo.set_car_deploy(train.id, pos, state.id)
        if not starting:  # told after the back end's last message, before this card if it can
            members = [c.service for c in cars]
            done = trains.dependencies(car.service, members, self.config)
            after = f" now that {', '.join(sorted(done))} completed" if done else ""
            back = _latest([c for c in cars if c.service in done]) or state
            self._say(train, f"start:{pos}", back, f"{car.service} {car.version} starts{after}.")
        return None

    def _say_held(
        self, train: TrainRecord, cars: list[trains.Car], pos: int, step: trains.TrainStep
    ) -> None:
        deploy = cars[pos].deploy
        assert deploy is not None
        waiting = [f"{cars[i].service} {cars[i].version}" for i, _ in step.waiting]
        if not waiting:
            return  # nothing left to hold; a rollback's offer speaks for itself
        rest = f"; {', '.join(waiting)} will not start"
        status = deploy.status.replace("_", " ")
        text = (
            f":double_vertical_bar: {deploy.service} {deploy.version} is {status}: "
            f"the rest of the train holds{rest}."
        )
        self._say(train, f"held:{deploy.id}:{deploy.status}:{deploy.stage_index}", deploy, text)

    def _offer(self, train: TrainRecord, cars: list[trains.Car], offer: trains.Offer) -> None:
        back = cars[offer.back_end].deploy
        fronts = [cars[i].deploy for i in offer.front_ends]
        assert back is not None
        key = f"offer:{back.id}:" + ",".join(f.id for f in fronts if f)
        names = ", ".join(f"{f.service} {f.version}" for f in fronts if f)
        text = (
            f":rewind: {back.service} {back.version} was rolled back. {names} went out after it "
            "and may depend on it: roll back too?"
        )
        buttons = [
            button(
                f"Roll back {f.service} {f.version}",
                f"{ROLLBACK_FRONT}:{f.service}",
                json.dumps({"deploy": f.id, "stage": f.stage_index, "train": train.id}),
                "danger",
            )
            for f in fronts
            if f
        ]
        self._say(train, key, back, text, [section(text), actions(buttons)])

    def _refresh_cards(self, train: TrainRecord) -> None:
        """Redraw every car's card once per new card, so each links to all the others."""
        started = [c.deploy_id for c in train.cars if c.deploy_id]
        shown = [d for d in started if self.repo.thread_of(d) is not None]
        if len(shown) < 2:
            return
        for deploy_id in shown:
            state = self.repo.get(deploy_id)
            text, blocks = card(state, self.config, train_line(self.repo, state))
            update = Message("update", text, blocks, target=ROOT)
            self._queue(train, f"cards:{len(shown)}:{deploy_id}", state, update)

    def _say(
        self,
        train: TrainRecord,
        key: str,
        deploy: DeployState,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
    ) -> None:
        """Post once in the train's thread, through `deploy`'s outbox (so after its messages)."""
        self._queue(train, key, deploy, Message("post", text, blocks or [], in_thread=True))

    def _queue(self, train: TrainRecord, key: str, deploy: DeployState, message: Message) -> None:
        if self.repo.queue_message(f"{train.id}:{key}", deploy.id, message, self.clock.now()):
            self.deploys.wake()


def _latest(cars: list[trains.Car]) -> DeployState | None:
    """The most recently started car's deploy."""
    started = [c.deploy for c in cars if c.deploy is not None]
    return max(
        started, key=lambda d: d.started_at or datetime.min.replace(tzinfo=UTC), default=None
    )
