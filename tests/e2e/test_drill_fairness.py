"""The fair clock end to end: `commander serve` against the loopback fake Slack.

A scripted trainee answers each question (the canary's gate, then the judge's hold) as soon as
Slack shows it. At speed 10 and at speed 120 alike, the trainee's detect and mitigate land within
max(15 s, 10%) of the best response: the simulated clock waits for Slack to show a question and
counts the answer at one simulated second per wall second, so the bot's latency costs nothing.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.e2e.chat import Button, Chat, buttons
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import STRANGER, team_config
from tests.e2e.test_drills import TRAINER, cli, drill_root, ended
from tests.slackfake import Call, FakeSlack

TRAINEE = STRANGER
# The canary is clean and waits for the commander; at half the fault shows and the acting
# judges (capped at recommend in an advise drill) hold and ask.
SCENARIO = """\
name = "api"
description = "A clean canary with a gate; at half the new version fails and the judge holds"
duration = "1h"

[fleet]
hosts = 10
rps = 500

[release]
stages = [
  { kind = "traffic", name = "canary", percent = 10, bake = "2m", gate = "commander" },
  { kind = "traffic", name = "half", percent = 50, bake = "5m" },
]

[[faults]]
kind = "error_rate"
rate = 0.2
from_percent = 30
"""
JUDGES = [{"kind": "sequential", "mode": "act"}, {"kind": "threshold", "mode": "act"}]
ANSWERS = {"confirm": "confirm", "resume": "rollback"}  # a question's button -> the answer


@pytest.fixture
def fair_chat(launch: Launch, fake_slack: FakeSlack, tmp_path: Path) -> Chat:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "api.toml").write_text(SCENARIO)
    config = team_config(judges=JUDGES) + f'\n[drills]\ntrainers = ["{TRAINER}"]\n'
    return Chat(fake_slack, launch(config, COMMANDER_SCENARIOS=str(folder)))


def scripted_trainee(chat: Chat, root: Call, store: StoreOracle, drill_id: str) -> list[str]:
    """Answer every question in the thread the moment it shows; the answers given."""
    given: list[str] = []
    seen: set[str] = set()
    deadline = time.monotonic() + 120
    while store.repo.get_drill(drill_id).status != "ended":
        assert time.monotonic() < deadline, f"the drill never ended; answered {given}"
        for call in chat.thread(root):
            ts = str(call.response.get("ts"))
            by_id = {b["action_id"]: b for b in buttons(call)}
            asked = next((q for q in ANSWERS if q in by_id), None)
            if asked == "confirm" and "Confirm to go on" not in call.text:
                asked = None  # a stage's post: its Confirm is for later, not a question
            if ts in seen or asked is None:
                continue
            seen.add(ts)
            element = by_id[ANSWERS[asked]]
            button = Button(call.response["channel"], ts, root.response["ts"], call, element)
            assert chat.click(button, TRAINEE).status_code == 200
            given.append(ANSWERS[asked])
        time.sleep(0.05)
    return given


@pytest.mark.parametrize("speed", [10, 120])
def test_a_trainee_who_answers_at_once_scores_near_the_best_response_at_any_speed(
    fair_chat: Chat, store: StoreOracle, fake_slack: FakeSlack, speed: int
) -> None:
    sent = fair_chat.command(
        f"drill start api --seed 5 --speed {speed} --commander <@{TRAINEE}>", TRAINER
    )
    reply = fair_chat.reply_to(sent, "DRILL", "started")
    drill_id = reply.split("DRILL ", 1)[1].split(" ", 1)[0]
    root = drill_root(fair_chat, drill_id, store)
    assert scripted_trainee(fair_chat, root, store, drill_id) == ["confirm", "rollback"]
    drill = ended(store, drill_id)
    assert drill.end_reason == "rolled_back"
    card = drill.scorecard
    assert card is not None
    best = next(p for p in card["peers"] if p["who"] == "best response")
    for figure in ("time_to_detect_s", "time_to_mitigate_s"):
        mine, theirs = card["trainee"][figure], best[figure]
        assert mine is not None and theirs is not None, (figure, card)
        assert abs(mine - theirs) <= max(15.0, 0.1 * theirs), (figure, mine, theirs)
    # each question's reaction: in wall seconds from Slack showing it, and in simulated seconds
    assert [(r["question"], r["answer"]) for r in drill.reactions] == [
        ("confirm", "confirm"),
        ("hold", "rollback"),
    ]
    shown = json.dumps(fair_chat.in_thread(root, "DRILL scorecard", timeout=20).blocks)
    assert "Your reactions" in shown and "s wall" in shown
    # the chart when the drill held, then the run's chart at the end
    uploads = [
        c
        for c in fake_slack.calls("files.completeUploadExternal")
        if c.params.get("thread_ts") == root.response["ts"]
    ]
    assert len(uploads) >= 2 or fake_slack.log.wait_for_call(
        "files.completeUploadExternal",
        lambda c: c.params.get("thread_ts") == root.response["ts"] and c not in uploads,
        20,
        "the second chart",
    )
    # a drill is data: its stored decisions replay to the posted scorecard
    assert json.loads(cli(fair_chat.bot, "drill", "replay", drill_id, "--json")) == card
    replayed = cli(fair_chat.bot, "drill", "replay", drill_id)
    assert "Reactions" in replayed and "hold asked at" in replayed and "s wall" in replayed
