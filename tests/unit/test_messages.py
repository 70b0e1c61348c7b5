"""Words at the edge: the core says codes plus fields; plain text and Slack word them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.edge.text import for_mrkdwn
from bot.edge.words import message, notify_line
from rollout import events as ev
from rollout import messages
from rollout.machine import Transition, decide
from tests.unit.machine_helpers import COMMANDER, CONFIG, at_stage, new_deploy, step

SLACK_MARKUP = re.compile(r"<@|\*\w|:[a-z_]+:")
NOW = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)


def test_plain_text_marks_people_with_an_at_and_names_without_bold() -> None:
    text = messages.plain("handed_off", {"from": "U1", "to": "U2", "where": "api 2.0"})
    assert text == "@U1 handed the deploy to @U2. api 2.0"


def test_slack_wording_marks_people_bolds_names_and_adds_emoji() -> None:
    assert message("resumed", {"user": "U1"}) == "Resumed by @U1"
    assert message("baking", {"stage": "canary", "exposure": "2%", "bake": "10 min"}).startswith(
        "*canary*: 2%"
    )
    assert message("live", {"version": "2.0"}) == "2.0 is live at 100% :tada:"
    note = ev.Notify("held", {"reason": "held by @UBOB"}, mention="UALICE", level="warning")
    assert notify_line(note) == ":warning: @UALICE Held: held by @UBOB"
    assert for_mrkdwn(notify_line(note)) == ":warning: <@UALICE> Held: held by <@UBOB>"


def test_the_edge_links_people_but_leaves_emails_alone_and_keeps_typed_mentions() -> None:
    assert for_mrkdwn("by @U12AB for ops@example.com, cc <@U9X>") == (
        "by <@U12AB> for ops@example.com, cc <@U9X>"
    )


def test_no_notify_or_audit_of_a_whole_deploy_carries_slack_markup() -> None:
    state, now = at_stage("canary", "baking")
    outcomes = [
        decide(state, ev.Hold(COMMANDER), now, CONFIG),
        decide(state, ev.Rollback(COMMANDER), now, CONFIG),
        decide(state, ev.Handoff(COMMANDER, "UOTHER"), now, CONFIG),
        decide(step(new_deploy(), ev.Start(COMMANDER)), ev.Abort(COMMANDER), now, CONFIG),
    ]
    texts = []
    for outcome in outcomes:
        assert isinstance(outcome, Transition)
        for action in outcome.actions:
            if isinstance(action, ev.Notify):
                texts.append(action.text)
            if isinstance(action, ev.Audit):
                texts.append(action.reason)
    assert texts and not [t for t in texts if SLACK_MARKUP.search(t)]


def test_rolling_back_a_first_release_says_no_earlier_version_exists() -> None:
    state, now = at_stage("canary", "baking")
    first = state.evolve(previous_version=None)
    outcome = decide(first, ev.Rollback(COMMANDER, reason="errors"), now, CONFIG)
    assert isinstance(outcome, Transition)
    note = next(a for a in outcome.actions if isinstance(a, ev.Notify))
    assert "nothing" not in note.text
    assert "no earlier version exists" in note.text
    assert f"no production traffic reaches {first.service}" in note.text
