"""Kill switches: `/deploy kill|unkill` and the thread's "Turn off" button flip a flag in a
flagd file; an OpenFeature client (flagd provider, FILE mode) sees every flip."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from rollout.records import InboxRecord
from tests.e2e.chat import Chat
from tests.e2e.conftest import Launch
from tests.e2e.flags import default_variant, openfeature_client, wait_for_value, write_flags
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import (
    ADMIN,
    BAD_CANARY,
    COMMANDER,
    GOOD_METRICS,
    STRANGER,
    team_config,
    traffic,
)
from tests.servers import wait_until
from tests.slackfake import FakeSlack

FLAG = "new-checkout"
RECOMMEND = [{"kind": "sequential", "mode": "recommend", "alpha": 0.01, "min_requests": 200}]


def checkout_config(flags: Path, metrics: dict, judges: list[dict] | None = None) -> str:
    """checkout is not rollback-safe and has two kill switches in the flagd file."""
    checkout = {
        "name": "checkout",
        "rollback_safe": False,
        "kill_switches": [FLAG, "one-click-pay"],
        "metrics": metrics,
    }
    config = team_config(
        plan=[traffic("canary", 10, bake="10m"), traffic("100%", 100)],
        extra_services=[checkout],
        judges=judges,
    )
    return config + f'\n[flagd]\npath = "{flags}"\noff_variant = "off"\non_variant = "on"\n'


def test_kill_and_unkill_flip_the_flag_that_openfeature_reads_and_are_audited(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, tmp_path: Path
) -> None:
    flags = write_flags(tmp_path / "flags.json", FLAG, "one-click-pay")
    chat = Chat(fake_slack, launch(checkout_config(flags, GOOD_METRICS)))
    chat.command("start checkout 4.0.0")
    root = chat.root_card("checkout", "4.0.0")
    deploy_id = chat.button(root, "rollback").value["deploy"]

    with openfeature_client(flags) as client:
        wait_for_value(client, FLAG, True)
        reply = chat.reply_to(chat.command(f'kill {FLAG} --reason "checkout 5xx"'), "turned")
        assert FLAG in reply and "off" in reply
        wait_for_value(client, FLAG, False)
        assert default_variant(flags, FLAG) == "off"
        assert default_variant(flags, "one-click-pay") == "on"  # only the named flag moved
        chat.in_thread(root, f"<@{COMMANDER}> turned {FLAG} off", "checkout 5xx")

        chat.reply_to(chat.command(f"unkill {FLAG}"), "back on")
        wait_for_value(client, FLAG, True)

    history = store.repo.flag_history(FLAG)
    assert [(by, enabled) for _, by, enabled, _ in history] == [
        (COMMANDER, False),
        (COMMANDER, True),
    ]
    assert history[0][3] == "checkout 5xx"
    kinds = [e.kind for e in store.events(deploy_id) if "kill_switch" in e.kind]
    assert kinds == ["kill_switch", "unkill_switch"]
    assert not list(tmp_path.glob(".flags.json.*"))  # the temp files were renamed into place


def test_only_the_commander_or_an_admin_may_flip_a_kill_switch(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, tmp_path: Path
) -> None:
    flags = write_flags(tmp_path / "flags.json", FLAG, "one-click-pay")
    chat = Chat(fake_slack, launch(checkout_config(flags, GOOD_METRICS)))
    chat.command("start checkout 4.0.0")
    chat.root_card("checkout", "4.0.0")

    refusal = chat.reply_to(chat.command(f"kill {FLAG}", STRANGER), "only")
    assert f"<@{COMMANDER}>" in refusal and "admin" in refusal
    assert default_variant(flags, FLAG) == "on"
    assert store.repo.flag_history(FLAG) == []

    chat.reply_to(chat.command(f"kill {FLAG}", ADMIN), "turned", "off")
    # The flip is stored at once; the reconcile loop writes the file on its next pass.
    wait_until(lambda: default_variant(flags, FLAG) == "off", 10, "the flag file turned off")
    assert chat.reply_to(chat.command("kill no-such-flag"), "not a kill switch")


def test_a_failed_judge_on_a_release_that_is_not_rollback_safe_offers_turn_off_buttons(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, tmp_path: Path
) -> None:
    flags = write_flags(tmp_path / "flags.json", FLAG, "one-click-pay")
    chat = Chat(fake_slack, launch(checkout_config(flags, BAD_CANARY, RECOMMEND)))
    chat.command("start checkout 4.1.0")
    root = chat.root_card("checkout", "4.1.0")

    chat.in_thread(root, "not rollback-safe", "kill switch", timeout=30)
    turn_off = chat.button(root, f"kill_switch:{FLAG}")
    assert turn_off.element["text"]["text"] == f"Turn off {FLAG}"
    assert chat.button(root, "kill_switch:one-click-pay").value["flag"] == "one-click-pay"

    with openfeature_client(flags) as client:
        wait_for_value(client, FLAG, True)
        before = time.time()
        chat.click(turn_off, STRANGER)
        chat.told(STRANGER, "only", since=before)
        assert default_variant(flags, FLAG) == "on"

        chat.click(turn_off, COMMANDER)
        wait_for_value(client, FLAG, False)
    chat.in_thread(root, f"turned {FLAG} off")
    assert store.repo.flag_history(FLAG)[-1][1:3] == (COMMANDER, False)


def test_a_kill_acked_then_killed_with_sigkill_is_carried_out_after_restart(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, tmp_path: Path
) -> None:
    flags = write_flags(tmp_path / "flags.json", FLAG, "one-click-pay")
    bot = launch(checkout_config(flags, GOOD_METRICS))
    chat = Chat(fake_slack, bot)
    chat.command("start checkout 4.0.0")
    deploy_id = chat.button(chat.root_card("checkout", "4.0.0"), "rollback").value["deploy"]

    sent = chat.command(f'kill {FLAG} --reason "checkout 5xx"')
    assert sent.response.status_code == 200  # acked
    bot.kill()  # SIGKILL right after the ack, before (or while) the command runs
    bot.start()

    chat.reply_to(sent, "turned", FLAG, timeout=30)  # on its response_url
    wait_until(lambda: default_variant(flags, FLAG) == "off", 30, "the flag file turned off")
    kinds = [e.kind for e in store.events(deploy_id) if "kill_switch" in e.kind]
    assert kinds == ["kill_switch"]  # carried out once
    assert len([t for t in chat.replies(sent) if "turned" in t.lower()]) == 1


def test_a_command_stored_but_not_carried_out_before_a_crash_runs_on_restart(
    launch: Launch, fake_slack: FakeSlack, store: StoreOracle, tmp_path: Path
) -> None:
    flags = write_flags(tmp_path / "flags.json", FLAG, "one-click-pay")
    bot = launch(checkout_config(flags, GOOD_METRICS))
    chat = Chat(fake_slack, bot)
    chat.command("start checkout 4.0.0")
    deploy_id = chat.button(chat.root_card("checkout", "4.0.0"), "rollback").value["deploy"]
    bot.kill()
    url = fake_slack.response_url()  # what the listener stores before its ack, then the crash
    stored = InboxRecord("trigger-1", COMMANDER, "CDEPLOYS", f"kill {FLAG}", url, datetime.now(UTC))
    assert store.repo.add_command(stored) is not None
    bot.start()

    wait_until(lambda: default_variant(flags, FLAG) == "off", 30, "the flag file turned off")
    path = urlparse(url).path
    wait_until(
        lambda: [c for c in fake_slack.calls() if c.method == "response_url" and c.path == path],
        30,
        "the reply on the stored response_url",
    )
    kinds = [e.kind for e in store.events(deploy_id) if "kill_switch" in e.kind]
    assert kinds == ["kill_switch"]
