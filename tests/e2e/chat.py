"""A person's side of Slack in e2e tests: type /deploy, click buttons, reply in threads, and
read what the bot posted, all through signed requests and the fake's record."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from tests.e2e.botserver import BotServer
from tests.e2e.teamconfig import COMMANDER, DEPLOY_CHANNEL
from tests.slackclient import block_actions, message_event, slash_command, view_submission
from tests.slackfake import Call, FakeSlack, channel_id

DEPLOYS = channel_id(DEPLOY_CHANNEL)
ASKS_WHY = ("hold", "rollback")  # buttons that open the reason modal


@dataclass(frozen=True)
class Sent:
    """A slash command as sent: the HTTP answer and where any later reply will go."""

    response: httpx.Response
    response_url: str
    user: str
    at: float


@dataclass(frozen=True)
class Button:
    """A button the bot rendered, on a message in a deploy's thread."""

    channel: str
    ts: str  # the message the button sits on
    thread_ts: str
    message: Call  # the post or update that rendered it
    element: dict[str, Any]

    @property
    def value(self) -> dict[str, Any]:
        """The button's JSON value: {"deploy": id, "stage": i, "item": k?}."""
        raw = self.element.get("value") or "{}"
        return json.loads(raw) if raw.startswith("{") else {"raw": raw}


def buttons(call: Call) -> list[dict[str, Any]]:
    """Every button element in a message's blocks (action_id and value included)."""
    found = []
    for block in call.blocks:
        elements = block.get("elements", []) + (
            [block["accessory"]] if "accessory" in block else []
        )
        found += [
            {**e, "block_id": block.get("block_id", "")}
            for e in elements
            if isinstance(e, dict) and e.get("type") == "button"
        ]
    return found


def as_seen(text: str) -> str:
    """Text as a person reads it in Slack: the edge's escapes shown as the characters."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def contains_all(text: str, words: tuple[str, ...]) -> bool:
    """Case-insensitive: every word appears in text."""
    lowered = text.lower()
    return all(w.lower() in lowered for w in words)


class Chat:
    """Drive one bot as Slack users would, and read the fake's record of what it did."""

    def __init__(self, fake: FakeSlack, bot: BotServer) -> None:
        self.fake = fake
        self.bot = bot

    # --- sending ------------------------------------------------------------------------

    def command(
        self, text: str, user: str = COMMANDER, *, bot: BotServer | None = None, **send: Any
    ) -> Sent:
        """Type `/deploy <text>` in the deploy channel; the ack must come back 200."""
        url = self.fake.response_url()
        request = slash_command(text, user, channel=DEPLOYS, response_url=url)
        response = (bot or self.bot).slack.send(request, **send)
        return Sent(response, url, user, time.time())

    def click(
        self,
        button: Button,
        user: str = COMMANDER,
        *,
        action_ts: str | None = None,
        bot: BotServer | None = None,
        reason: str | None = "",
        **send: Any,
    ) -> httpx.Response:
        """Click a button as `user`. Hold and Roll back open a modal, which is then submitted
        with `reason` (unless it is None, or the bot refused the click instead)."""
        message = {
            "ts": button.ts,
            "thread_ts": button.thread_ts,
            "text": button.message.params.get("text"),
            "blocks": button.message.blocks,
        }
        request = block_actions(
            button.element,
            user,
            channel=button.channel,
            message=message,
            response_url=self.fake.response_url(),
            action_ts=action_ts,
        )
        since = time.time()
        response = (bot or self.bot).slack.send(request, **send)
        if reason is not None and button.element.get("action_id") in ASKS_WHY:
            trigger = json.loads(parse_qs(request[0])["payload"][0])["trigger_id"]
            self.submit_modal(trigger, user, reason, since, bot or self.bot)
        return response

    def submit_modal(
        self, trigger: str, user: str, reason: str, since: float, bot: BotServer
    ) -> httpx.Response | None:
        """Submit the modal the bot opened for `trigger`; None when it answered with an
        ephemeral refusal instead, or opened nothing within the trigger's 3 seconds (a
        duplicate click)."""

        def answered() -> bool:
            refused = [c for c in self.fake.calls("chat.postEphemeral") if c.at >= since]
            return trigger in self.fake.workspace.modals or bool(refused)

        deadline = time.monotonic() + 3
        while not answered() and time.monotonic() < deadline:
            time.sleep(0.02)
        modal = self.fake.workspace.modals.get(trigger)
        if modal is None:
            return None
        return bot.slack.send(view_submission(modal, user, {"reason": reason}))

    def say(
        self,
        root: Call,
        text: str,
        user: str = COMMANDER,
        *,
        event_id: str | None = None,
        **send: Any,
    ) -> httpx.Response:
        """Type a reply in the deploy's thread."""
        request = message_event(
            text,
            user,
            channel=root.response["channel"],
            thread_ts=root.response["ts"],
            event_id=event_id,
        )
        return self.bot.slack.send(request, **send)

    # --- reading ------------------------------------------------------------------------

    def replies(self, sent: Sent, calls: list[Call] | None = None) -> list[str]:
        """Every text that answered a command: HTTP body, its response_url, ephemerals."""
        calls = self.fake.calls() if calls is None else calls
        url_path = urlparse(sent.response_url).path
        return [
            as_seen(_body_text(sent.response)),
            *(as_seen(c.text) for c in calls if c.method == "response_url" and c.path == url_path),
            *(
                as_seen(c.text)
                for c in calls
                if c.method == "chat.postEphemeral"
                and c.params.get("user") == sent.user
                and c.at >= sent.at - 1
            ),
        ]

    def reply_to(self, sent: Sent, *words: str, timeout: float = 10) -> str:
        """The reply to a command that contains every word (case-insensitive)."""

        def answered(calls: list[Call]) -> str | None:
            return next((t for t in self.replies(sent, calls) if contains_all(t, words)), None)

        try:
            return self.fake.log.wait_for(answered, timeout, f"a reply containing {words}")
        except AssertionError:
            raise AssertionError(
                f"no reply containing {words}; replies: {[t for t in self.replies(sent) if t]}"
            ) from None

    def ephemeral_to(self, user: str, *words: str, since: float = 0, timeout: float = 10) -> Call:
        """The first chat.postEphemeral to `user` (since a time) whose text has every word."""
        return self.fake.log.wait_for_call(
            "chat.postEphemeral",
            lambda c: (
                c.params.get("user") == user and c.at >= since and contains_all(c.text, words)
            ),
            timeout,
            f"an ephemeral to {user} containing {words}",
        )

    def told(self, user: str, *words: str, since: float = 0, timeout: float = 10) -> Call:
        """Wait for a message only `user` sees (ephemeral, or a response_url reply) with words."""
        return self.fake.log.wait_for_call_any(
            ("chat.postEphemeral", "response_url"),
            lambda c: (
                c.at >= since
                and (c.method == "response_url" or c.params.get("user") == user)
                and contains_all(c.text, words)
            ),
            timeout,
            f"a message to {user} containing {words}",
        )

    def root_card(self, service: str, version: str, timeout: float = 15) -> Call:
        """The deploy's summary card: a top-level post in the deploy channel."""
        return self.fake.log.wait_for_call(
            "chat.postMessage",
            lambda c: (
                _in_deploys(c)
                and not c.params.get("thread_ts")
                and f"{service} {version}" in c.text
            ),
            timeout,
            f"the root card for {service} {version}",
        )

    def thread(self, root: Call) -> list[Call]:
        """Posts in the deploy's thread so far."""
        return [
            c
            for c in self.fake.calls("chat.postMessage")
            if c.params.get("thread_ts") == root.response["ts"]
        ]

    def in_thread(self, root: Call, *words: str, timeout: float = 15) -> Call:
        """Wait for a thread post containing every word."""
        return self.fake.log.wait_for_call(
            "chat.postMessage",
            lambda c: (
                c.params.get("thread_ts") == root.response["ts"] and contains_all(c.text, words)
            ),
            timeout,
            f"a thread post containing {words}",
        )

    def card_shows(self, root: Call, *words: str, timeout: float = 15) -> Call:
        """Wait for a chat.update of the root card whose text has every word."""
        return self.fake.log.wait_for_call(
            "chat.update",
            lambda c: c.params.get("ts") == root.response["ts"] and contains_all(c.text, words),
            timeout,
            f"the card updated to show {words}",
        )

    def checklist_shows(
        self, root: Call, ticked: list[int], open_: list[int], timeout: float = 15
    ) -> Call:
        """Wait for the checklist message in the thread, updated in place (chat.update), to
        show `ticked` items with ✓ and no button, and `open_` items with their Tick button."""
        root_ts = root.response["ts"]

        def shown(calls: list[Call]) -> Call | None:
            in_thread = {
                c.response.get("ts")
                for c in calls
                if c.method == "chat.postMessage" and c.params.get("thread_ts") == root_ts
            }
            for call in reversed(calls):
                if call.method == "chat.update" and call.params.get("ts") in in_thread:
                    items = checklist_items(call)
                    if all(items.get(k) == "ticked" for k in ticked) and all(
                        items.get(k) == "open" for k in open_
                    ):
                        return call
            return None

        return self.fake.log.wait_for(shown, timeout, f"the checklist with {ticked} ticked")

    def button(
        self,
        root: Call,
        action_id: str,
        *,
        stage: int | None = None,
        item: int | None = None,
        timeout: float = 15,
    ) -> Button:
        """Wait for the newest thread button with this action_id (and stage/item, if given)."""
        root_ts = root.response["ts"]

        def newest(calls: list[Call]) -> Button | None:
            in_thread = {
                c.response.get("ts")
                for c in calls
                if c.method == "chat.postMessage" and c.params.get("thread_ts") == root_ts
            }
            for call in reversed(calls):
                ts = call.response.get("ts")
                if call.method not in ("chat.postMessage", "chat.update") or ts not in in_thread:
                    continue
                for element in buttons(call):
                    b = Button(call.response["channel"], ts, root_ts, call, element)
                    if element.get("action_id") == action_id and _matches(b.value, stage, item):
                        return b
            return None

        return self.fake.log.wait_for(newest, timeout, f"a {action_id} button (stage {stage})")


def checklist_items(call: Call) -> dict[int, str]:
    """Checklist items a message shows: item -> "ticked" (✓, no button) or "open" (Tick)."""
    items = {}
    for block in call.blocks:
        block_id = str(block.get("block_id", ""))
        if block_id.startswith("checklist-item-"):
            text = str((block.get("text") or {}).get("text", ""))
            ticked = text.startswith("✓") and "accessory" not in block
            items[int(block_id.rsplit("-", 1)[1])] = "ticked" if ticked else "open"
    return items


def _matches(value: dict[str, Any], stage: int | None, item: int | None) -> bool:
    return (stage is None or value.get("stage") == stage) and (
        item is None or value.get("item") == item
    )


def _in_deploys(call: Call) -> bool:
    return channel_id(str(call.params.get("channel", ""))) == DEPLOYS


def _body_text(response: httpx.Response) -> str:
    if not response.content:
        return ""
    try:
        body = response.json()
    except ValueError:
        return response.text
    return Call("http", body if isinstance(body, dict) else {}, {}, 0).text
