"""How a drill reads in Slack: every post labelled DRILL, the scorecard, the chart upload."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

from bot.blocks import Blocks
from rollout.records import ROOT, Message
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


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes}:{seconds:02d}"


def figures_line(f: Figures) -> str:
    """One responder's figures on one line."""
    return (
        f"*{f.who}*: {f.outcome.replace('_', ' ')} · detect {_seconds(f.time_to_detect_s)}"
        f" · mitigate {_seconds(f.time_to_mitigate_s)} · {f.bad_requests:,} bad requests"
    )


def scorecard_message(card: Scorecard, trainee: str, drill_id: str) -> Message:
    """The scorecard post: the trainee's figures, the four peers, the verdict, every decision."""
    decisions = [
        f"`{_seconds(d.at_s)}` {d.kind.replace('_', ' ')} by @{d.user}"
        + (f" (stage {d.stage})" if d.stage is not None else "")
        for d in card.decisions
    ] or ["No decisions."]
    onset = f" · fault at {_seconds(card.fault_onset_s)}" if card.fault_onset_s is not None else ""
    peers = "\n".join(figures_line(p) for p in card.peers)
    trainee_line = figures_line(dataclasses.replace(card.trainee, who=f"@{trainee}"))
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "DRILL scorecard"}},
        _context(f"{drill_id} · {card.scenario} · seed {card.seed}{onset}"),
        _section(f"*Trainee*\n{trainee_line}"),
        _section(f"*On the same seed*\n{peers}"),
        _section(f"*Verdict*: {card.verdict}"),
        _section("*Decisions* (simulated time)\n" + "\n".join(decisions)),
    ]
    return Message("post", f"DRILL scorecard: {card.verdict}", blocks, in_thread=True)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def scorecard_text(card: dict[str, Any]) -> str:
    """A stored scorecard (JSON) in one line: the trainee's figures and the verdict."""
    trainee = card.get("trainee") or {}
    return (
        f"{str(trainee.get('outcome', '?')).replace('_', ' ')}, detect "
        f"{_seconds(trainee.get('time_to_detect_s'))}, mitigate "
        f"{_seconds(trainee.get('time_to_mitigate_s'))}, "
        f"{trainee.get('bad_requests', 0):,} bad requests: {card.get('verdict', '')}"
    )
