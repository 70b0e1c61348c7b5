"""Channel pacing: calls to one channel start at least `interval` apart, and a hung call never
holds up the next deploy's post to the same channel."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.slack_client import Pacer, SlackPoster
from tests.servers import wait_until


class HangingClient:
    """A WebClient whose chat.postMessage hangs for texts that say "hang", until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.posted: list[str] = []

    def chat_postMessage(self, **kwargs: Any) -> dict[str, str]:  # noqa: N802 (slack_sdk's name)
        if "hang" in kwargs["text"]:
            self.release.wait(30)
        self.posted.append(kwargs["text"])
        return {"channel": kwargs["channel"], "ts": f"1.{len(self.posted)}"}


def test_a_hung_post_never_holds_up_another_post_to_the_same_channel() -> None:
    client = HangingClient()
    poster = SlackPoster(client, interval=0.01)  # type: ignore[arg-type]
    hung = threading.Thread(target=poster.post, args=("#deploys", "hang: deploy A"), daemon=True)
    hung.start()
    wait_until(lambda: poster.pacer._next.get("#deploys") is not None, 5, "deploy A's slot")
    try:
        poster.post("#deploys", "deploy B's question")
        assert client.posted == ["deploy B's question"]  # A is still hanging
    finally:
        client.release.set()
        hung.join(5)
    assert client.posted == ["deploy B's question", "hang: deploy A"]


def test_calls_to_one_channel_wait_their_slot_and_other_channels_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("bot.slack_client.time.sleep", slept.append)
    pacer = Pacer(interval=60)
    pacer.wait("#deploys")
    pacer.wait("#other")
    assert slept == []  # first calls on each channel go at once
    pacer.wait("#deploys")
    assert len(slept) == 1 and 59 < slept[0] <= 60
