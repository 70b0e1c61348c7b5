"""Where a train's cards go and how each links to the others (read from the store)."""

from __future__ import annotations

from typing import Protocol

from bot.edge.text import link
from rollout.records import TrainRecord
from rollout.state import DeployState


class TrainReader(Protocol):
    """What the links read: a train, and where each car's card is."""

    def train(self, train_id: str) -> TrainRecord: ...

    def thread_of(self, deploy_id: str) -> tuple[str, str, str] | None: ...


def train_thread(repo: TrainReader, state: DeployState) -> tuple[str, str] | None:
    """The (channel, ts) of the train thread a deploy's card goes in, if it rides a train."""
    train_id = dict(state.meta).get("train")
    if not train_id:
        return None
    train = repo.train(train_id)
    if train.channel is None or train.thread_ts is None:
        return None
    return train.channel, train.thread_ts


def train_line(repo: TrainReader, state: DeployState) -> str | None:
    """e.g. "Train: db-proxy 1.0 (linked) → *api 3.1.0* → web 2.4.0 (waiting)"; links to cards."""
    train_id = dict(state.meta).get("train")
    if not train_id:
        return None
    train = repo.train(train_id)
    parts = []
    for car in train.cars:
        name = f"{car.service} {car.version}"
        located = repo.thread_of(car.deploy_id) if car.deploy_id else None
        if car.deploy_id == state.id:
            parts.append(f"*{name}* (this card)")
        elif located is not None:
            parts.append(link(permalink(located[0], located[1], located[2]), name))
        else:
            parts.append(f"{name} (waiting)")
    return ":steam_locomotive: Train: " + " → ".join(parts)


def permalink(channel: str, ts: str, thread_ts: str) -> str:
    """A Slack message link, e.g. https://slack.com/archives/C1/p1700000000000100."""
    url = f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return url if ts == thread_ts else f"{url}?thread_ts={thread_ts}&cid={channel}"
