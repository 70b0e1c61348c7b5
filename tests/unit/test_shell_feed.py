"""The shell's feed: Slack mrkdwn in a terminal, numbered buttons, cards re-rendered on update."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console

from bot.blocks.card import card
from bot.blocks.modal import reason_modal
from bot.blocks.thread import held_message
from bot.edge import outgoing
from bot.shell.calllog import Call, CallLog
from bot.shell.feed import Feed
from bot.shell.render import mrkdwn, title
from rollout.config import TeamConfig
from rollout.state import DeployState

CONFIG = TeamConfig()
STATE = DeployState("api-1", "api", "2.4.0", "2.3.9", "U0ALICE01", status="running")


def post(method: str, params: dict[str, Any], response: dict[str, Any] | None = None) -> Call:
    return Call(method, params, {}, time.time(), 200, "", {"ok": True, **(response or {})})


def feed_with(*calls: Call) -> tuple[Feed, Console]:
    console = Console(record=True, width=100, color_system=None)
    log = CallLog()
    for call in calls:
        log.append(call)
    return Feed(console, log, {"CDEPLOYS": "#deploys"}), console


def the_card(state: DeployState) -> Call:
    text, blocks = card(state, CONFIG)
    return post(
        "chat.update", {"channel": "CDEPLOYS", "ts": "1.000001", "text": text, "blocks": blocks}
    )


def posted_card() -> Call:
    text, blocks = card(STATE, CONFIG)
    params = {"channel": "#deploys", "text": text, "blocks": blocks}
    return post("chat.postMessage", params, {"channel": "CDEPLOYS", "ts": "1.000001"})


def test_mrkdwn_becomes_styled_text_with_mentions_and_emoji() -> None:
    text = mrkdwn("*api* ~2.3.9~ `smoke` <@U0ALICE01> :white_check_mark: [not markup]")
    assert text.plain == "api 2.3.9 smoke @U0ALICE01 ✅ [not markup]"
    styles = {text.plain[s.start : s.end]: str(s.style) for s in text.spans}
    assert styles["api"] == "bold" and styles["2.3.9"] == "strike" and styles["smoke"] == "cyan"


def test_a_card_opens_a_thread_and_only_its_latest_update_is_shown() -> None:
    feed, console = feed_with(
        posted_card(),
        the_card(STATE.evolve(stage_index=1)),
        the_card(STATE.evolve(stage_index=2, status="held", hold_reason="judges disagree")),
    )
    feed.flush()
    shown = console.export_text()
    assert "#deploys · thread 1 ─" in shown and "#deploys · thread 1 · updated" in shown
    assert shown.count("updated") == 1 and "judges disagree" in shown
    assert feed.current is not None and feed.current.name == "api 2.4.0"


def test_an_update_that_changes_nothing_is_not_shown_again() -> None:
    feed, console = feed_with(posted_card(), the_card(STATE))
    feed.flush()
    assert "updated" not in console.export_text()


def test_buttons_are_numbered_in_order_and_remember_their_message() -> None:
    text, blocks = held_message(STATE.evolve(status="held"), ["Held: by hand"])
    reply = post(
        "chat.postMessage",
        {"channel": "CDEPLOYS", "thread_ts": "1.000001", "text": text, "blocks": blocks},
        {"channel": "CDEPLOYS", "ts": "1.000002"},
    )
    feed, console = feed_with(posted_card(), reply)
    feed.flush()
    assert "[1] Resume  [2] Roll back" in console.export_text()
    assert [b.element["action_id"] for b in feed.buttons.values()] == ["resume", "rollback"]
    assert (feed.buttons[1].ts, feed.buttons[1].thread_ts) == ("1.000002", "1.000001")


def test_an_ephemeral_is_labelled_with_who_sees_it() -> None:
    feed, console = feed_with(
        post("chat.postEphemeral", {"channel": "CDEPLOYS", "user": "U0BOB0002", "text": "no"})
    )
    feed.flush()
    assert "only visible to @U0BOB0002" in console.export_text()


def test_whoever_is_typing_reads_their_own_ephemerals_as_you() -> None:
    feed, console = feed_with(
        post("chat.postEphemeral", {"channel": "CDEPLOYS", "user": "U0BOB0002", "text": "no"})
    )
    feed.viewer = "U0BOB0002"
    feed.flush()
    assert "only visible to you (@U0BOB0002)" in console.export_text()


def test_an_updated_thread_reply_is_shown_again_with_fresh_button_numbers() -> None:
    text, blocks = held_message(STATE.evolve(status="held"), ["Held: by hand"])
    params = {"channel": "CDEPLOYS", "thread_ts": "1.000001", "text": text, "blocks": blocks}
    where = {"channel": "CDEPLOYS", "ts": "1.000002"}
    edited = {**params, **where, "text": "resumed", "blocks": []}
    feed, console = feed_with(
        posted_card(),
        post("chat.postMessage", params, where),
        post("chat.update", edited, where),
    )
    feed.flush()
    shown = console.export_text()
    assert "↳ in thread 1 · api 2.4.0 · updated" in shown and "resumed" in shown


def test_the_app_home_view_is_shown_for_its_user() -> None:
    view = {
        "type": "home",
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Deploy Commander"}}],
    }
    feed, console = feed_with(post("views.publish", {"user_id": "U0ALICE01", "view": view}))
    feed.flush()
    assert "App Home of @U0ALICE01" in console.export_text()


def test_thread_labels_are_plain_words_and_escapes_show_as_characters() -> None:
    text, blocks = outgoing.message(":steam_locomotive: Release train by @U0ADMIN01: api 1.0", [])
    assert title([], text) == "🚂 Release train by @U0ADMIN01: api 1.0"
    shown = mrkdwn(outgoing.reply("held: <!channel> & <https://evil.example|x>")).plain
    assert shown == "held: <!channel> & <https://evil.example|x>"


def test_a_modal_is_shown_with_how_to_submit_it() -> None:
    view = outgoing.view(reason_modal("hold", STATE, "CDEPLOYS", "1.000001"))
    feed, console = feed_with(post("views.open", {"view": view}, {"view": view}))
    feed.flush()
    shown = console.export_text()
    assert "modal · Hold" in shown and "submit <reason>" in shown and "api 2.4.0" in shown
    assert feed.modal is not None and feed.modal["callback_id"] == "reason:hold"
