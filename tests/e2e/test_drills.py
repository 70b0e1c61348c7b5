"""Drills end to end: `commander serve` against the loopback fake Slack, signed requests.

A trainer starts a drill, injects a fault, the trainee rolls back in the thread; the bot posts
the scorecard and uploads the chart; `commander drill replay` and `sim run --decisions` give the
same figures; kill -9 mid-drill changes nothing; drills run side by side and never block a
real deploy; non-trainers, non-commanders and bad input get one clear line each.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.botserver import BotServer, commander
from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import ADMIN, COMMANDER, STRANGER, team_config
from tests.servers import wait_until
from tests.slackclient import app_home_opened
from tests.slackfake import FakeSlack

TRAINER = "U0TRAIN01"  # not a team admin: an admin in drills only
TRAINEE = STRANGER
# name = "api": a drill of the same service as a real deploy, which it must never block.
SCENARIO = """\
name = "api"
description = "A small canary whose new version fails; the drill waits for the trainee"
duration = "1h"

[fleet]
hosts = 10
rps = 500

[release]
stages = [
  { kind = "traffic", name = "canary", percent = 10, bake = "5m" },
  { kind = "traffic", name = "100%", percent = 100, bake = "5m" },
]

[[faults]]
kind = "error_rate"
rate = 0.05
"""


def drills_config() -> str:
    """The e2e team config with drills run by the admin, slowed to nothing but fast enough."""
    return team_config() + f'\n[drills]\ntrainers = ["{TRAINER}"]\nspeed = 60\n'


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "api.toml").write_text(SCENARIO)
    return folder


@pytest.fixture
def drill_bot(launch: Launch, scenarios: Path) -> BotServer:
    return launch(drills_config(), COMMANDER_SCENARIOS=str(scenarios))


@pytest.fixture
def drill_chat(fake_slack: FakeSlack, drill_bot: BotServer) -> Chat:
    return Chat(fake_slack, drill_bot)


def start_drill(chat: Chat, flags: str = "", seed: int = 5) -> str:
    """Start a drill of `api` commanded by the trainee; its id."""
    sent = chat.command(
        f"drill start api --seed {seed} --speed 300 --commander <@{TRAINEE}> {flags}", TRAINER
    )
    reply = chat.reply_to(sent, "DRILL", "started")
    return reply.split("DRILL ", 1)[1].split(" ", 1)[0]


def drill_root(chat: Chat, drill_id: str, store: StoreOracle, timeout: float = 20) -> object:
    """The drill's root card: a post in the drill channel saying DRILL."""
    thread = wait_until(lambda: store.repo.thread_of(drill_id), timeout, "the drill's thread")
    return chat.fake.log.wait_for_call(
        "chat.postMessage",
        lambda c: c.response.get("ts") == thread[1] and "DRILL" in c.text,
        timeout,
        "the drill's root card",
    )


def ended(store: StoreOracle, drill_id: str, timeout: float = 40):  # type: ignore[no-untyped-def]
    return wait_until(
        lambda: (d := store.repo.get_drill(drill_id)).status == "ended" and d, timeout, "the end"
    )


def cli(bot: BotServer, *args: str) -> str:
    done = commander(*args, env=bot.env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_drill_from_start_to_scorecard_replays_to_the_same_figures(
    drill_chat: Chat, drill_bot: BotServer, store: StoreOracle, fake_slack: FakeSlack,
    scenarios: Path, tmp_path: Path,
) -> None:  # fmt: skip
    drill_id = start_drill(drill_chat)
    root = drill_root(drill_chat, drill_id, store)
    assert str(root.params.get("channel")) != ""
    sent = drill_chat.command("drill inject latency add_ms=900", TRAINER)
    drill_chat.reply_to(sent, "latency", "injected")
    store.wait(drill_id, lambda s: s.status == "running" and s.stage_index >= 0, 20)
    drill_chat.say(root, "rollback", TRAINEE)
    drill = ended(store, drill_id)
    assert drill.end_reason == "rolled_back"
    assert [d["kind"] for d in drill.decisions] == ["rollback"]
    assert [i["kind"] for i in drill.injections] == ["latency"]
    card = drill_chat.in_thread(root, "DRILL scorecard", timeout=20)
    shown = json.dumps(card.blocks)
    for peer in ("team policy", "best response", "argo", "flagger"):
        assert peer in shown
    assert drill.scorecard is not None and drill.scorecard["verdict"] in shown
    upload = fake_slack.log.wait_for_call(
        "files.completeUploadExternal",
        lambda c: c.params.get("thread_ts") == root.response["ts"],
        20,
        "the chart uploaded to the drill thread",
    )
    assert upload is not None
    assert all("DRILL" in c.text for c in drill_chat.thread(root))
    # replay equality: the store's data recomputes the posted scorecard ...
    replayed = cli(drill_bot, "drill", "replay", drill_id, "--json")
    assert json.loads(replayed) == drill.scorecard
    # ... and `sim run --decisions` gives the trainee's figures
    decisions, injections = tmp_path / "d.json", tmp_path / "i.json"
    cli(drill_bot, "drill", "export", drill_id, "--out", str(decisions),
        "--injections", str(injections))  # fmt: skip
    run = cli(
        drill_bot, "sim", "run", str(scenarios / "api.toml"), "--seed", "5", "--decisions",
        str(decisions), "--injections", str(injections), "--config",
        drill_bot.env["COMMANDER_CONFIG"], "--json",
    )  # fmt: skip
    figures = {k: v for k, v in json.loads(run)["trainee"].items() if k != "who"}
    assert figures == {k: v for k, v in drill.scorecard["trainee"].items() if k != "who"}
    history = drill_chat.command(f"drill history <@{TRAINEE}>", COMMANDER)
    drill_chat.reply_to(history, drill_id, "rolled back")
    # isolation: no release row, nothing in /deploy history
    assert store.repo.history("api") == []


def test_kill_9_mid_drill_then_restart_ends_with_the_scorecard_of_its_decisions(
    drill_chat: Chat, drill_bot: BotServer, store: StoreOracle
) -> None:
    drill_id = start_drill(drill_chat, seed=11)
    root = drill_root(drill_chat, drill_id, store)
    drill_chat.command("drill inject error_rate rate=0.3", TRAINER)
    store.wait(drill_id, lambda s: s.phase == "awaiting_confirm", 30, "the canary's gate")
    drill_chat.say(root, "go", TRAINEE)
    wait_until(lambda: store.repo.get_drill(drill_id).decisions, 20, "the confirm applied")
    # Slack has no idempotent post: one in flight at the kill is sent again after the restart
    # (at least once). Kill once what was saved is sent, so a second copy is a real re-post.
    wait_until(lambda: not store.repo.pending_messages(drill_id), 20, "the stage-2 post sent")
    drill_bot.kill()  # kill -9, mid-drill
    before = store.repo.get_drill(drill_id)
    assert before.status == "running" and before.injections and before.decisions
    posts = len(drill_chat.thread(root))
    drill_bot.restart()
    applied = wait_until(
        lambda: (d := store.repo.get_drill(drill_id)).applied_s > before.applied_s and d,
        20, "the drill advancing after the restart",
    )  # fmt: skip
    assert (applied.decisions, applied.injections) == (before.decisions, before.injections)
    drill_chat.say(root, "rollback", TRAINEE)
    drill = ended(store, drill_id)
    assert drill.end_reason == "rolled_back"
    assert [d["kind"] for d in drill.decisions] == ["confirm", "rollback"]
    # an uninterrupted drill with the same data scores the same: the pure replay of its data
    replayed = cli(drill_bot, "drill", "replay", drill_id, "--json")
    assert json.loads(replayed) == drill.scorecard
    # the restart re-posted nothing it had saved: one start, one stage-2 post
    assert len([e for e in store.events(drill_id) if e.kind == "start"]) == 1
    drill_chat.in_thread(root, "DRILL scorecard", timeout=20)  # the restarted bot posts on
    stage_two = [c for c in drill_chat.thread(root) if "Stage 2/2" in c.text]
    assert len(stage_two) == 1 and len(drill_chat.thread(root)) > posts


def test_two_drills_run_at_once_and_never_block_a_real_deploy_of_the_same_service(
    drill_chat: Chat, store: StoreOracle
) -> None:
    first, second = start_drill(drill_chat, seed=1), start_drill(drill_chat, seed=2)
    assert first != second
    drill_root(drill_chat, first, store)
    drill_root(drill_chat, second, store)
    sent = drill_chat.command("start api 1.4.2", COMMANDER)
    drill_chat.reply_to(sent, "Started api 1.4.2")
    wait_until(lambda: "would " in drill_chat.bot.output(), 20, "the real deploy's deployer")
    wait_until(lambda: store.repo.get(first).exposure.external > 0, 30, "the drill's canary")
    # the reconcile loop acts on the real deploy only: the drill's world is the simulator
    acted = [line for line in drill_chat.bot.output().splitlines() if "would " in line]
    assert acted and not [line for line in acted if " v2" in line or first in line], acted
    status = drill_chat.command("status", COMMANDER)
    assert "drill" not in drill_chat.reply_to(status, "api").lower()
    drill_chat.command("drill end", TRAINER)  # ends the trainer's most recent: the second
    assert ended(store, second).end_reason == "ended by the trainer"
    assert store.repo.get_drill(first).status == "running"
    assert store.repo.get_drill(first).applied_s > 0


def test_non_trainers_and_non_commanders_are_refused(drill_chat: Chat, store: StoreOracle) -> None:
    for text in ("drill start api", "drill inject error_rate rate=0.1", "drill end"):
        sent = drill_chat.command(text, COMMANDER)
        drill_chat.reply_to(sent, "Only a trainer")
    drill_id = start_drill(drill_chat)
    root = drill_root(drill_chat, drill_id, store)
    store.wait(drill_id, lambda s: s.status == "running", 20)
    since = time.time()
    drill_chat.say(root, "rollback", COMMANDER)
    drill_chat.ephemeral_to(COMMANDER, "only", since=since)
    assert store.repo.drill_inputs(drill_id, after=0) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("drill start nowhere", ("No scenario", "Available: api")),
        ("drill start api --speed fast", ("--speed", "expected a number")),
        ("drill start api --policy lazy", ("--policy",)),
        ("drill start api --seed", ("--seed needs a value",)),
        ("drill start api --colour red", ("does not take --colour",)),
        ("drill inject error_rate rate=2", ("rate",)),
        ("drill inject error_rate colour=red", ("colour",)),
        ("drill inject earthquake", ("earthquake", "kinds")),
        ("drill frobnicate", ("unknown drill command",)),
        ("drill start api --commander bob", ("bob",)),
        ("drill pause now", ("takes no arguments",)),
    ],
)
def test_every_bad_input_gets_a_line_that_names_it(
    drill_chat: Chat, store: StoreOracle, text: str, words: tuple[str, ...]
) -> None:
    if text.startswith("drill inject"):
        start_drill(drill_chat)
    sent = drill_chat.command(text, TRAINER)
    drill_chat.reply_to(sent, *words)


def test_the_app_home_shows_drills_in_progress_and_each_trainees_scores(
    drill_chat: Chat, store: StoreOracle, fake_slack: FakeSlack
) -> None:
    done = start_drill(drill_chat, seed=3)
    drill_chat.command("drill end", TRAINER)
    ended(store, done)
    live = start_drill(drill_chat, seed=4)
    drill_root(drill_chat, live, store)

    assert drill_chat.bot.slack.send(app_home_opened(TRAINEE)).status_code == 200

    home = fake_slack.log.wait_for_call(
        "views.publish", lambda c: c.params.get("user_id") == TRAINEE, what="the Home tab"
    )
    view = json.dumps(home.params.get("view"))
    assert "Drills in progress" in view and live in view
    assert "Recent scores" in view and f"<@{TRAINEE}>" in view
    assert store.repo.get_drill(done).scorecard["verdict"][:30] in view


def test_pause_freezes_drill_time_hint_posts_evidence_and_a_freeze_never_blocks_a_drill(
    drill_chat: Chat, store: StoreOracle
) -> None:
    frozen = drill_chat.command('freeze all --until 2h --reason "holiday"', ADMIN)
    drill_chat.reply_to(frozen, "holiday")
    drill_id = start_drill(drill_chat)  # a freeze stops real deploys, never drills
    root = drill_root(drill_chat, drill_id, store)
    wait_until(lambda: store.repo.get_drill(drill_id).applied_s > 0, 20, "the drill advancing")
    drill_chat.reply_to(drill_chat.command("drill pause", TRAINER), "paused")
    paused = wait_until(
        lambda: (d := store.repo.get_drill(drill_id)).status == "paused" and d, 10, "the pause"
    )
    frozen_at = paused.now_s(paused.paused_at)
    assert paused.now_s(paused.paused_at + timedelta(hours=1)) == frozen_at  # drill time stops
    assert store.repo.get_drill(drill_id).applied_s <= frozen_at + 1e-6
    drill_chat.reply_to(drill_chat.command("drill resume", TRAINER), "resumed")
    wait_until(
        lambda: store.repo.get_drill(drill_id).applied_s > paused.applied_s, 20, "it going on"
    )
    drill_chat.reply_to(drill_chat.command("drill hint", TRAINER), "hint")
    drill_chat.in_thread(root, "DRILL hint", timeout=20)


def test_a_drill_that_holds_posts_its_chart_and_the_trainer_may_act_as_admin(
    launch: Launch, scenarios: Path, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    judges = [{"kind": "sequential", "mode": "act", "alpha": 0.01, "min_requests": 200}]
    config = team_config(judges=judges) + f'\n[drills]\ntrainers = ["{TRAINER}"]\n'
    chat = Chat(fake_slack, launch(config, COMMANDER_SCENARIOS=str(scenarios)))
    drill_id = start_drill(chat)  # advise: the acting judge only recommends, so the drill holds
    root = drill_root(chat, drill_id, store)
    store.wait(drill_id, lambda s: s.status == "held", 30, "the drill holding")
    fake_slack.log.wait_for_call(
        "files.completeUploadExternal",
        lambda c: c.params.get("thread_ts") == root.response["ts"],
        20,
        "the chart posted when the drill holds",
    )
    chat.say(root, "rollback", TRAINER)  # a trainer counts as an admin in a drill
    drill = ended(store, drill_id)
    assert drill.end_reason == "rolled_back"
    assert [(d["kind"], d["user"]) for d in drill.decisions] == [("rollback", TRAINER)]


def test_buttons_in_a_drill_thread_are_checked_by_the_core_and_recorded_at_drill_time(
    drill_chat: Chat, store: StoreOracle
) -> None:
    drill_id = start_drill(drill_chat)
    root = drill_root(drill_chat, drill_id, store)
    store.wait(drill_id, lambda s: s.phase == "awaiting_confirm", 30, "the canary's gate")
    confirm = drill_chat.button(root, "confirm", stage=0)
    since = time.time()
    assert drill_chat.click(confirm, COMMANDER).status_code == 200
    drill_chat.ephemeral_to(COMMANDER, "only", since=since)  # not the drill's commander
    assert drill_chat.click(confirm, TRAINEE).status_code == 200
    drill = wait_until(
        lambda: (d := store.repo.get_drill(drill_id)).decisions and d, 20, "the confirm applied"
    )
    assert [(d["kind"], d["user"], d["stage"]) for d in drill.decisions] == [
        ("confirm", TRAINEE, 0)
    ]
    assert drill.decisions[0]["at_s"] > 0
    store.wait(drill_id, lambda s: s.stage_index == 1, 20, "the drill in its next stage")
