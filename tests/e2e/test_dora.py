"""Delivery figures from a real audit trail: deploys driven through Slack, then
`/deploy dora` in Slack and `commander dora --json` on the same database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.botserver import BotServer, commander
from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import team_config, traffic
from tests.slackfake import FakeSlack

QUICK = [traffic("100%", 100, bake="1s", gate="auto")]


def released(chat: Chat, version: str, *flags: str) -> None:
    chat.command(" ".join([f"start api {version}", *flags]))
    chat.card_shows(chat.root_card("api", version), "completed", timeout=20)


def history(launch: Launch, fake_slack: FakeSlack) -> tuple[Chat, BotServer]:
    """api: 1.0.0 released with a commit time 10 minutes old, 1.1.0 released then rolled back."""
    bot = launch(team_config(plan=QUICK, stabilization="1s"))
    chat = Chat(fake_slack, bot)
    committed = (datetime.now(UTC) - timedelta(minutes=10)).isoformat(timespec="seconds")
    released(chat, "1.0.0", f"--commit-time {committed}")
    released(chat, "1.1.0")
    chat.reply_to(chat.command("rollback api"), "Rolling api back from 1.1.0 to 1.0.0")
    return chat, bot


def test_dora_in_slack_counts_deploys_failures_and_lead_time_and_says_no_deploys(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle
) -> None:
    chat, _ = history(launch, fake_slack)
    api = store.repo.latest_for("api")
    assert api is not None
    store.wait(api.id, lambda d: d.status == "rolled_back")

    reply = chat.reply_to(chat.command("dora api"), "Delivery figures")
    assert "deployment frequency: 2 in 30 days" in reply
    assert "change lead time: 10m median of 1" in reply
    assert "change fail rate: 50% (1 of 2)" in reply
    assert "failed deployment recovery time:" in reply and "median of 1" in reply
    assert "deployment rework rate: 0% (0 of 2)" in reply

    ledger = chat.reply_to(chat.command("dora ledger"), "ledger")
    assert ledger.count("no deploys") == 5


def test_commander_dora_json_reads_the_same_audit_trail(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, tmp_path: Path
) -> None:
    _, bot = history(launch, fake_slack)
    api = store.repo.latest_for("api")
    assert api is not None
    store.wait(api.id, lambda d: d.status == "rolled_back")

    out = commander("dora", "--json", "--since", "7d", env=bot.env)
    assert out.returncode == 0, out.stderr
    rows = {row["service"]: row for row in json.loads(out.stdout)}
    assert rows["api"]["deployments"] == 2
    assert rows["api"]["change_fail_rate"] == 0.5
    assert 9 * 60 < rows["api"]["change_lead_time_s"] < 11 * 60
    assert rows["ledger"]["deployments"] == 0 and rows["ledger"]["change_fail_rate"] is None
    assert rows[None]["deployments"] == 2  # all services together

    table = commander("dora", "--service", "api", env=bot.env)
    assert table.returncode == 0 and "50% (1 of 2)" in table.stdout
    bad = commander("dora", "--since", "soon", env=bot.env)
    assert bad.returncode == 2 and "--since" in bad.stderr and "Traceback" not in bad.stderr
