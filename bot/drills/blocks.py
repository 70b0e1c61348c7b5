"""How a drill reads in Slack: every post labelled DRILL, the scorecard, the chart upload."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

from bot.blocks import Blocks
from rollout.records import ROOT, Message
from sim.report import fmt_seconds
from sim.scorecard import Figures, Scorecard

LABEL = ":rotating_light: *DRILL* · simulated: nothing touches production"


def labelled(messages: list[Message], channel: str) -> list[Message]:
    """The messages as a drill sends them: DRILL on every post, the card in the drill channel."""
    found = []
    for message in messages:
        if message.kind == "upload":
            found.append(message)
            continue
        blocks: Blocks = [_label_block(), *message.blocks] if message.blocks else []
        if message.blocks and message.blocks[0] == _label_block():  # an update of a labelled post
            blocks = list(message.blocks)
        text = message.text if message.text.startswith("DRILL") else f"DRILL · {message.text}"
        where = channel if message.ref == ROOT and message.kind == "post" else message.channel
        found.append(dataclasses.replace(message, text=text, blocks=blocks, channel=where))
    return found


def _label_block() -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": LABEL}]}


def upload(png: bytes, filename: str, title: str) -> Message:
    """An outbox row that uploads a file to the drill's thread (files_upload_v2)."""
    content = base64.b64encode(png).decode("ascii")
    block = {"filename": filename, "content_b64": content}
    return Message("upload", f"DRILL · {title}", [block], in_thread=True)


def figures_line(f: Figures, healthy: bool = False) -> str:
    """One responder's figures on one line: time to ship a healthy release, else detect and
    mitigate; damage is bad requests beyond the baseline rate."""
    detect, mitigate = fmt_seconds(f.time_to_detect_s), fmt_seconds(f.time_to_mitigate_s)
    times = (
        f"ship {fmt_seconds(f.time_to_ship_s)}"
        if healthy
        else f"detect {detect} · mitigate {mitigate}"
    )
    return (
        f"*{f.who}*: {f.outcome.replace('_', ' ')} · {times} · "
        f"{f.damage:,} bad requests beyond baseline"
    )


def reaction_lines(reactions: list[dict[str, Any]]) -> list[str]:
    """Each answered question: wall seconds from Slack showing it to the answer, and the
    simulated seconds the fair clock counted for it."""
    return [
        f"{r['question']} asked at {fmt_seconds(r['asked_s'])}: "
        f"{str(r['answer']).replace('_', ' ')}"
        f" after {r['wall_s']:.1f} s wall ({r['answered_s'] - r['asked_s']:.1f} s simulated)"
        for r in reactions
    ]


def scorecard_message(
    card: Scorecard, trainee: str, drill_id: str, reactions: list[dict[str, Any]] | None = None
) -> Message:
    """The scorecard post: the trainee's figures, the four peers, the verdict, every decision,
    and the trainee's reaction times in wall seconds."""
    decisions = [
        f"`{fmt_seconds(d.at_s)}` {d.kind.replace('_', ' ')} by @{d.user}"
        + (f" (stage {d.stage})" if d.stage is not None else "")
        for d in card.decisions
    ] or ["No decisions."]
    onset = (
        f" · fault at {fmt_seconds(card.fault_onset_s)}" if card.fault_onset_s is not None else ""
    )
    peers = "\n".join(figures_line(p, card.healthy) for p in card.peers)
    me = dataclasses.replace(card.trainee, who=f"@{trainee}")
    trainee_line = figures_line(me, card.healthy)
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "DRILL scorecard"}},
        _context(f"{drill_id} · {card.scenario} · seed {card.seed}{onset}"),
        _section(f"*Trainee*\n{trainee_line}"),
        _section(f"*On the same seed*\n{peers}"),
        _section(f"*Verdict*: {card.verdict}"),
        _section("*Decisions* (simulated time)\n" + "\n".join(decisions)),
    ]
    if reactions:
        lines = "\n".join(reaction_lines(reactions))
        blocks.append(_section(f"*Your reactions* (from the question showing in Slack)\n{lines}"))
    return Message("post", f"DRILL scorecard: {card.verdict}", blocks, in_thread=True)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def scorecard_text(card: dict[str, Any]) -> str:
    """A stored scorecard (JSON) in one line: the trainee's figures and the verdict."""
    trainee = card.get("trainee") or {}
    if card.get("healthy"):
        times = f"ship {fmt_seconds(trainee.get('time_to_ship_s'))}"
    else:
        times = (
            f"detect {fmt_seconds(trainee.get('time_to_detect_s'))}, "
            f"mitigate {fmt_seconds(trainee.get('time_to_mitigate_s'))}"
        )
    if "damage" in trainee:
        damage = f"{trainee['damage']:,} bad requests beyond baseline"
    else:  # scored before damage was kept
        damage = f"{trainee.get('bad_requests', 0):,} bad requests"
    outcome = str(trainee.get("outcome", "?")).replace("_", " ")
    return f"{outcome}, {times}, {damage}: {card.get('verdict', '')}"
