"""Every message builder, fed adversarial input, gives what Slack accepts once it passes the
edge: no broken limit, every person a real mention, every user's `<`, `>` and `&` escaped."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.blocks import killswitch, thread
from bot.blocks.card import card
from bot.blocks.home import home_view
from bot.blocks.modal import reason_modal
from bot.blocks.replies import evidence_text, help_text, history_text, status_text, who_text
from bot.drills.blocks import labelled, scorecard_message
from bot.edge import outgoing
from bot.edge.words import notify_line
from bot.shell.limits import mrkdwn_texts, refusal
from rollout import events as ev
from rollout.config import ChecklistStage, Plan, Service, TeamConfig, TrafficStage
from rollout.decisions import Decision
from rollout.records import EventRecord, ReleaseRecord
from rollout.rotation import Shift
from rollout.state import DeployState, Exposure
from sim.scorecard import Figures, Scorecard

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
HOSTILE = ["<!channel>", "<!here>", "<!everyone>", "&", "&amp;", "<", ">", "*bold*", "_i_",
           "~s~", "`c`", "<https://evil.example/login|log in here>", "<@U0EVIL1>", "@U0EVIL2",
           "<#C123|general>", ":boom:", "é", "👩‍👩‍👧", "\u200b", "\ue000", "\n", "|"]  # fmt: skip
PLAIN_MENTION = re.compile(r"(?<![<\w@])@[UW][A-Z0-9]{2,}\b")
ITEMS = tuple(f"item {k} {HOSTILE[k % len(HOSTILE)]} " + "x" * (k * 9) for k in range(40))
FLAGS = tuple(f"flag-{k:02d}-" + "f" * 40 for k in range(30))


def hostile_text(max_repeat: int = 400) -> st.SearchStrategy[str]:
    """Text made of Slack's control characters, markup, unicode and length."""
    piece = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
    return st.builds(
        lambda parts, n: "".join(parts) * n, st.lists(piece, max_size=8), st.integers(0, max_repeat)
    )


names = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,59}", fullmatch=True)
versions = st.from_regex(r"[0-9][0-9A-Za-z.+_-]{0,136}", fullmatch=True)


def config_for(service: str) -> TeamConfig:
    """A plan with a 40-item checklist, and the service not rollback-safe with 30 kill switches."""
    stages = (
        ChecklistStage(name="branch " + "b" * 60, items=ITEMS),
        TrafficStage(name="canary", percent=2, bake=timedelta(minutes=10)),
    )
    owner = Service(name=service, rollback_safe=False, kill_switches=FLAGS)
    return TeamConfig(plan=Plan(stages=stages), services=(owner,))


@st.composite
def deploys(draw: st.DrawFn) -> tuple[DeployState, TeamConfig]:
    service = draw(names)
    state = DeployState(
        id=f"{service}-0123456789",
        service=service,
        version=draw(versions),
        previous_version=draw(st.none() | versions),
        commander="UALICE",
        status=draw(st.sampled_from(["running", "held", "stabilizing", "rolled_back"])),
        phase="baking",
        stage_index=draw(st.sampled_from([0, 1])),
        exposure=Exposure(100, 2),
        hold_reason=draw(hostile_text()),
        forced_reason=draw(st.none() | hostile_text()),
        checklist_done=frozenset(draw(st.sets(st.integers(0, 39), max_size=40))),
        drill=draw(st.booleans()),
    )
    return state, config_for(service)


def accepted(method: str, text: str, blocks: Any) -> None:
    """Slack would take it, and every person in it is a real mention."""
    params = {"text": text, "blocks": blocks} if method != "views.publish" else {"view": blocks}
    assert refusal(method, params) is None, refusal(method, params)
    texts = [text, *mrkdwn_texts(blocks["blocks"] if method == "views.publish" else blocks or [])]
    for shown in texts:
        assert not PLAIN_MENTION.search(shown), shown  # a person left as plain "@U…"
        assert "<!" not in shown and "<https://evil" not in shown


def send(text: str, blocks: Any) -> None:
    fitted_text, fitted = outgoing.message(text, blocks, "`/deploy status x`")
    accepted("chat.postMessage", fitted_text, fitted)


def verdict(reason: str) -> ev.Audit:
    return ev.Audit("policy", "judge_verdict", "running", "held", 1, reason, {"outcome": "fail"})


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BUILDERS: list[Callable[[DeployState, TeamConfig, str], tuple[str, Any]]] = [
    lambda s, c, t: card(s, c, t),
    lambda s, c, t: thread.stage_message(s, c, [t, t]),
    lambda s, c, t: thread.ask_message(s, c, [t], t),
    lambda s, c, t: thread.held_message(s, [t]),
    lambda s, c, t: thread.stabilizing_message(s, [t]),
    lambda s, c, t: thread.lines_message(s, [t] * 3, why=True),
    lambda s, c, t: killswitch.offer(s, [verdict(t)], c) or ("", []),
    lambda s, c, t: (status_text([s] * 60, c, NOW, None), None),
    lambda s, c, t: (
        evidence_text(
            s, [EventRecord(NOW, "policy", "judge_verdict", "running", "held", s.stage_index, t)], c
        ),
        None,
    ),
    lambda s, c, t: (notify_line(ev.Notify("held", {"reason": t}, mention="UBOB")), None),
]


@settings(SETTINGS, max_examples=200)  # ten builders: about twenty examples each
@given(deploys(), hostile_text(), st.sampled_from(range(len(BUILDERS))))
def test_every_thread_and_card_builder_gives_what_slack_accepts(
    deployed: tuple[DeployState, TeamConfig], text: str, which: int
) -> None:
    state, config = deployed
    send(*BUILDERS[which](state, config, text))


@SETTINGS
@given(st.lists(deploys(), min_size=1, max_size=40), hostile_text())
def test_the_app_home_is_accepted_with_many_deploys_and_hostile_reasons(
    many: list[tuple[DeployState, TeamConfig]], text: str
) -> None:
    states = [s for s, _ in many]
    recent = [ReleaseRecord(s.service, s.version, NOW, "rolled_back", False, "UBOB", s.id)
              for s in states]  # fmt: skip
    shift = Shift("UALICE", NOW, NOW + timedelta(hours=8), "roster")
    view = outgoing.view(home_view(states, recent, shift, many[0][1], NOW))
    accepted("views.publish", "", view)


@SETTINGS
@given(deploys(), hostile_text())
def test_replies_modals_and_drill_posts_are_accepted(
    deployed: tuple[DeployState, TeamConfig], text: str
) -> None:
    state, config = deployed
    record = ReleaseRecord(state.service, state.version, NOW, "completed", False, "UBOB", state.id)
    shift = Shift("UALICE", NOW, NOW + timedelta(hours=8), "override")
    for reply in (
        help_text(),
        history_text(state.service, [record] * 10, config.team.tz),
        who_text(shift, shift, config.team.tz),
        f":no_entry: {text}",
    ):
        shown = outgoing.reply(reply)
        accepted("chat.postEphemeral", shown, None)
    modal = outgoing.view(reason_modal("hold", state, "C1", "1.2"))
    assert refusal("views.open", {"view": modal}) is None
    figures = Figures(text, text, 1.0, None, 10**9)
    decisions = tuple(Decision(at_s=k, kind="hold", user="UBOB", reason=text) for k in range(40))
    score = Scorecard(text, 7, 3.0, figures, (figures,) * 4, decisions, text)
    for message in labelled([scorecard_message(score, "UALICE", state.id)], "#drills"):
        send(message.text, message.blocks)
