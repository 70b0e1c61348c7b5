"""Issue 16's measurements, replayed on the bot over in-memory fakes whose Slack applies the
edge and refuses (AssertionError) anything Slack would refuse: each gives a message Slack
accepts, a decision that is acted on, and a card that agrees with the store."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.blocks.card import card_text
from bot.blocks.home import home_view
from bot.commands import Caller
from bot.deploys import Refused
from bot.edge import outgoing
from bot.edge.text import top_text
from bot.grammar.commands import FreezeService, RollbackService, Start, Status
from bot.listeners.events import thread_command
from bot.shell.limits import refusal
from rollout import events as ev
from tests.fakes import RecordingSlack, bot_stack
from tests.unit.test_bot_deploys import CONFIG, through_checklist_and_staging

SERVICE = "s" * 60
VERSION = "1." + "9" * 135
EVIL = "<!channel> urgent & <https://evil.example/login|log in here>"
KILLS = [f"flag-{i:02d}-" + "k" * 20 for i in range(30)]
KILL_CONFIG = (CONFIG % {"canary": 0.2, "mode": "act"}).replace(
    '[[services]]\nname = "api"\n',
    '[[services]]\nname = "api"\nrollback_safe = false\nkill_switches = '
    + json.dumps(KILLS)
    + "\n",
)


def stack():
    return bot_stack(CONFIG % {"canary": 0.001, "mode": "act"})


def card_shows(s, state) -> str:
    """The card's text as Slack last got it (posted, then updated)."""
    card = s.slack.of("chat.postMessage")[0]
    updates = [c for c in s.slack.of("chat.update") if c.ts == card.ts]
    return (updates[-1] if updates else card).text


def test_a_60_character_service_and_137_character_version_start_and_can_be_rolled_back() -> None:
    s = stack()
    state = s.deploys.start(Start(SERVICE, VERSION), "UALICE")
    assert s.repo.get(state.id).status == "running"  # never left in "created"
    card = s.slack.of("chat.postMessage")[0]
    header = card.blocks[0]["text"]["text"]
    assert len(header) == 150 and header.endswith("…")
    assert VERSION in card.text  # the fallback text keeps it whole
    assert SERVICE in s.commands.run(Status(None), Caller("UALICE", "C1"))
    s.deploys.apply(state.id, ev.Rollback("UALICE", reason="cancel"))
    assert s.repo.get(state.id).status == "rolled_back"
    assert card_shows(s, state) == top_text(card_text(s.repo.get(state.id), s.config))


def test_a_3001_character_hold_reason_shows_cut_on_the_card_the_thread_and_the_home() -> None:
    s = stack()
    states = [s.deploys.start(Start(f"svc{i:02d}", "1.0"), "UALICE") for i in range(22)]
    held = states[0]
    reason = "smoke output: " + "E" * 2987
    assert len(reason) == 3001
    s.deploys.apply(held.id, ev.Hold("UALICE", reason))
    pointer = f"`/deploy status {held.id}`"
    assert "held" in card_shows(s, held)  # the card agrees with the store
    card = [c for c in s.slack.of("chat.update") if c.ts == s.slack.of("chat.postMessage")[0].ts]
    notes = card[-1].blocks[3]["elements"][0]["text"]
    assert notes.endswith(f"… (cut: see {pointer})")
    post = s.thread_posts()[-1]
    assert post.blocks[0]["text"]["text"].endswith(f"… (cut: see {pointer})")
    view = home_view(s.repo.active(), [], None, s.config, s.clock.now())
    s.slack.publish_home("UALICE", view)  # RecordingSlack fails the test if Slack would refuse
    published = s.slack.of("views.publish")[-1].blocks["blocks"]
    in_flight = [b for b in published if "svc" in b.get("text", {}).get("text", "")]
    assert len(in_flight) == 22 and in_flight[0]["text"]["text"].endswith("`/deploy status`)")
    assert reason in s.commands.run(Status(held.id), Caller("UALICE", "C1"))  # the full text


def test_30_kill_switches_and_a_failing_judge_are_acted_on_and_offered_in_two_blocks() -> None:
    s = bot_stack(KILL_CONFIG)
    state = s.deploys.start(Start("api", "1.0"), "UALICE")
    through_checklist_and_staging(s, state.id)
    s.clock.advance(seconds=3)
    s.worker.run_once()
    after = s.repo.get(state.id)
    assert after.status != "running"  # the verdict and its action were saved
    assert any(e.kind == "judge_verdict" for e in s.repo.events(state.id))
    offer = next(p for p in s.thread_posts() if "not rollback-safe" in p.text)
    rows = [b["elements"] for b in offer.blocks if b["type"] == "actions"]
    assert [len(r) for r in rows] == [25, 5]
    assert [e["action_id"] for r in rows for e in r] == [f"kill_switch:{f}" for f in KILLS]
    assert after.status.replace("_", " ") in card_shows(s, after)


def test_a_freeze_reason_comes_back_escaped() -> None:
    s = stack()
    until = s.clock.now() + timedelta(hours=2)
    reply = s.commands.run(FreezeService("api", until, EVIL), Caller("UADMIN", "C1"))
    shown = outgoing.reply(reply)
    assert "&lt;!channel&gt; urgent &amp; &lt;https://evil.example/login|log in here&gt;" in shown
    assert refusal("chat.postEphemeral", {"text": shown}) is None
    with pytest.raises(Refused) as refused:  # the freeze's reason is quoted, escaped on the way
        s.deploys.start(Start("api", "1.0"), "UALICE")
    s.slack.ephemeral("C1", "UALICE", str(refused.value))
    assert "&lt;!channel&gt;" in s.slack.of("chat.postEphemeral")[-1].text


def test_a_typed_hold_reason_holds_with_it() -> None:
    assert thread_command("hold smoke test flaky") == ("hold", "smoke test flaky")
    assert thread_command("<@U0BOT0001> rollback: errors up") == ("rollback", "errors up")
    assert thread_command("confirm looks good to me") == ("confirm", "looks good to me")
    assert thread_command("Go!") == ("go", "")
    assert thread_command("holdings are fine") is None
    s = stack()
    state = s.deploys.start(Start("api", "1.0"), "UALICE")
    word, reason = thread_command(f"hold {EVIL}") or ("", "")
    s.deploys.apply(state.id, ev.Hold("UALICE", reason))
    assert s.repo.get(state.id).hold_reason == EVIL
    assert "&lt;!channel&gt;" in s.thread_posts()[-1].text


def test_a_confirm_note_is_audited_and_said_in_the_thread() -> None:
    s = stack()
    state = s.deploys.start(Start("api", "1.0"), "UALICE")
    s.deploys.apply(state.id, ev.ChecklistItemDone("UALICE", 0))
    s.deploys.apply(state.id, ev.ChecklistItemDone("UALICE", 1))
    s.deploys.apply(state.id, ev.Confirm("UALICE", stage=0, note="branch cut by release eng"))
    assert any("branch cut by release eng" in e.reason for e in s.repo.events(state.id))
    said = "<@UALICE> confirmed *branch*: branch cut by release eng"
    assert [p for p in s.thread_posts() if said in p.text]


def test_a_builder_that_raises_never_blocks_the_transition_and_is_said_once(monkeypatch) -> None:
    s = stack()
    state = s.deploys.start(Start("api", "1.0"), "UALICE")

    def broken(*args, **kwargs):
        raise KeyError("a wording bug")

    monkeypatch.setattr("bot.blocks.thread.held_message", broken)
    s.deploys.apply(state.id, ev.Hold("UALICE", "checking"))
    assert s.repo.get(state.id).status == "held"
    said = [p for p in s.thread_posts() if "could not word" in p.text]
    assert len(said) == 1 and f"/deploy status {state.id}" in said[0].text
    assert "held" in card_shows(s, state)


class RefusingSlack(RecordingSlack):
    """Slack that refuses the next posts with `errors` (ok: false, as SlackApiError)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__()
        self.errors = errors

    def post(self, channel, text, blocks=None, thread_ts=None, pointer=""):
        if self.errors:
            status, error = self.errors.pop(0)
            body = {"ok": False, "error": error}
            response = SlackResponse(
                client=None, http_verb="POST", api_url="https://slack.test/api/chat.postMessage",
                req_args={}, data=body, headers={}, status_code=status,
            )  # fmt: skip
            raise SlackApiError(error, response)
        return super().post(channel, text, blocks, thread_ts, pointer)


def test_a_card_slack_refuses_for_its_layout_is_said_in_plain_words_once() -> None:
    s = stack()
    refusing = RefusingSlack([(200, "invalid_blocks")])
    s.worker.outbox.slack = s.slack = refusing
    state = s.deploys.start(Start("api", "1.0"), "UALICE")
    card, first = refusing.of("chat.postMessage")[:2]
    assert "Slack refused this message's layout: invalid_blocks" in card.text
    assert f"/deploy status {state.id}" in card.text
    assert first.thread_ts == card.ts  # the thread goes on under the plain card


def test_a_deploy_whose_card_cannot_be_posted_shows_in_status_and_can_be_cancelled() -> None:
    s = stack()
    s.repo.add_release(
        "api", "0.9", deployed_at=s.clock.now(), outcome="completed", rollback_safe=True,
        deploy_id=None, commander="UALICE",
    )  # fmt: skip
    refusing = RefusingSlack([(503, "service_unavailable")] * 50)
    s.worker.outbox.slack = s.slack = refusing
    state = s.deploys.start(Start("api", "1.0"), "UALICE")
    assert refusing.of("chat.postMessage") == []  # Slack is down: nothing shown yet
    assert state.id.split("-")[0] in s.commands.run(Status(None), Caller("UBOB", "C1"))
    s.commands.run(RollbackService("api"), Caller("UALICE", "C1"))
    assert s.repo.get(state.id).status == "rolled_back"
    assert s.deploys.start(Start("api", "1.1"), "UALICE").status == "running"  # not blocked
