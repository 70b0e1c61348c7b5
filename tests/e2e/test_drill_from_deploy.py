"""A real deploy replayed as a drill: deploys judged through a real Prometheus (a bad canary,
a healthy release) store what their judges saw; `commander drill from-deploy` fits a scenario
that, replayed with the team's policy, reaches the same verdict at the same stage; and
`/deploy drill start --from-deploy` runs it for a trainee."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.e2e.botserver import BotServer, commander
from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.prometheus_fixtures import NEW, OLD
from tests.e2e.teamconfig import COMMANDER, ROLL_BACK_ON_ERRORS, team_config, traffic
from tests.e2e.test_drills import TRAINEE, TRAINER, drill_root, ended
from tests.exporter import Exporter, Rates
from tests.servers import Server, wait_until
from tests.slackfake import FakeSlack


def deploy_through_prometheus(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, url: str, canary_bake: str
) -> tuple[Chat, str]:
    """Start api NEW with every stage judged from Prometheus; the bot and the deploy's id."""
    metrics = {"kind": "prometheus", "settings": {"url": url, "window": "2s", "empty_grace": "8s"}}
    plan = [traffic("canary", 10, bake=canary_bake, gate="auto"),
            traffic("100%", 100, bake="3s", gate="auto")]  # fmt: skip
    config = team_config(plan=plan, api_metrics=metrics, judges=ROLL_BACK_ON_ERRORS)
    config += f'\n[drills]\ntrainers = ["{TRAINER}"]\nspeed = 120\n'
    chat = Chat(fake_slack, launch(config))
    store.repo.add_release(
        "api", OLD, deployed_at=datetime.now(UTC), outcome="completed",
        rollback_safe=True, deploy_id=None, commander=COMMANDER,
    )  # fmt: skip
    chat.command(f"start api {NEW}")
    root = chat.root_card("api", NEW)
    return chat, chat.button(root, "rollback").value["deploy"]


def from_deploy(bot: BotServer, deploy_id: str, out: Path) -> tuple[dict, list[str]]:
    """Run `commander drill from-deploy`; the scenario written and the lines it printed."""
    done = commander("drill", "from-deploy", deploy_id, "--out", str(out), env=bot.env,
                     timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return tomllib.loads(out.read_text()), done.stdout.splitlines()


def scraped_seconds(url: str) -> float:
    """How many seconds of the old version's requests Prometheus holds."""
    query = f'count_over_time(http_requests_total{{version="{OLD}"}}[1m])'
    answer = httpx.get(f"{url}/api/v1/query", params={"query": query}, timeout=5).json()
    values = [float(r["value"][1]) for r in answer["data"]["result"]]
    return max(values, default=0.0)  # scrapes, one a second


def verdict_lines(printed: list[str]) -> tuple[str, str]:
    real = next(line for line in printed if "real deploy:" in line).split(":", 1)[1].strip()
    replayed = next(line for line in printed if "replayed" in line).split(":", 1)[1].strip()
    return real, replayed


def test_a_bad_canary_replays_to_the_same_verdict_and_runs_as_a_drill(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, exporter: Exporter,
    prometheus: Server, tmp_path: Path,
) -> None:  # fmt: skip
    exporter.set(NEW, Rates(error_rate=0.2))
    chat, deploy_id = deploy_through_prometheus(launch, fake_slack, store, prometheus.url, "5m")
    store.wait(deploy_id, lambda s: s.status == "rolled_back", 60, "the bad canary rolled back")
    assert store.repo.looks(deploy_id), "the judges' looks were stored"
    scenario, printed = from_deploy(chat.bot, deploy_id, tmp_path / "bad.toml")
    (fault,) = scenario["faults"]
    assert fault["kind"] == "error_rate" and 0.12 <= fault["rate"] <= 0.28, fault
    assert 0.0 <= scenario["fleet"]["baseline_error_rate"] <= 0.03
    assert [s["name"] for s in scenario["release"]["stages"]] == ["canary", "100%"]
    real, replayed = verdict_lines(printed)
    assert real == replayed == "rolled back, sequential failed in stage canary", printed
    # the trainee drills it in Slack
    sent = chat.command(f"drill start --from-deploy {deploy_id} --commander <@{TRAINEE}>",
                        TRAINER)  # fmt: skip
    reply = chat.reply_to(sent, "DRILL", "started", f"deploy-{deploy_id}")
    drill_id = reply.split("DRILL ", 1)[1].split(" ", 1)[0]
    root = drill_root(chat, drill_id, store)
    store.wait(drill_id, lambda s: s.status == "held", 60, "the drill holding on the canary")
    chat.say(root, "rollback", TRAINEE)
    assert ended(store, drill_id, timeout=60).end_reason == "rolled_back"


def test_a_healthy_release_replays_to_a_promotion_with_no_failing_judge(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, exporter: Exporter,
    prometheus: Server, tmp_path: Path,
) -> None:  # fmt: skip
    exporter.set(NEW, Rates())
    # At 100% the judges compare with the windows before the deploy: let Prometheus have them.
    wait_until(lambda: scraped_seconds(prometheus.url) >= 12, 60, "Prometheus history")
    chat, deploy_id = deploy_through_prometheus(launch, fake_slack, store, prometheus.url, "8s")
    wait_until(
        lambda: store.deploy(deploy_id).status in ("promoted", "completed", "rolled_back", "held"),
        90, "the healthy release to finish",
    )  # fmt: skip
    status = store.deploy(deploy_id).status
    assert status not in ("rolled_back", "held"), store.deploy(deploy_id).hold_reason
    scenario, printed = from_deploy(chat.bot, deploy_id, tmp_path / "good.toml")
    assert scenario["faults"] == []
    real, replayed = verdict_lines(printed)
    assert "no judge failed" in real and real == replayed, printed
