"""`commander config check` checks what the adapters need: each service's adapter settings, a
pull fleet's audience splits, and every kill switch against the real flagd file; `/deploy kill`
refuses a flag that cannot be flipped, and a write that keeps failing is said once."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.flagd import FlagdKillSwitches
from bot.deploys import Deploys, Refused
from bot.killswitches import KillSwitchControl
from bot.reconcile import Reconciler
from bot.world import ServiceWorld
from rollout.config import KillSwitchFile, Service, TeamConfig
from rollout.state import DeployState
from tests.fakes import FakeClock, InMemoryRepository

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
FLAGS = {
    "$schema": "https://flagd.dev/schema/v0/flags.json",
    "flags": {
        "new-checkout": {"state": "ENABLED", "variants": {"on": True, "off": False},
                         "defaultVariant": "on"},
        "one-way": {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "on"},
    },
}  # fmt: skip


def check(tmp_path: Path, toml: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "commander.toml"
    config.write_text(toml)
    argv = [sys.executable, "-m", "cli", "config", "check", str(config)]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)


def flag_file(tmp_path: Path) -> Path:
    path = tmp_path / "flags.json"
    path.write_text(json.dumps(FLAGS))
    return path


def test_config_check_names_each_flag_that_cannot_be_flipped(tmp_path: Path) -> None:
    flags = flag_file(tmp_path)
    result = check(tmp_path, f'[flagd]\npath = "{flags}"\n\n[[services]]\nname = "web"\n'
                   'kill_switches = ["new-checkout", "legacy-banner", "one-way"]\n')  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    config = tmp_path / "commander.toml"
    assert result.stderr.strip().splitlines() == [
        f"error: {config}: services.web.kill_switches: no flag legacy-banner in {flags}",
        f'{config}: services.web.kill_switches: flag one-way in {flags} has no "off" '
        "variant (variants: on)",
    ]


def test_config_check_refuses_a_split_the_pull_fleet_cannot_give(tmp_path: Path) -> None:
    fleet = ('[[services]]\nname = "api"\n[services.deployer]\nkind = "etcd"\n'
             '[services.deployer.settings]\nurl = "http://127.0.0.1:2379"\n')  # fmt: skip
    assert check(tmp_path, fleet).returncode == 0  # both pools: the built-in plan fits
    result = check(tmp_path, fleet + 'pools = ["external"]\n')
    assert result.returncode == 2
    assert result.stderr.startswith(
        f'error: {tmp_path / "commander.toml"}: services.api.deployer: plan "default" stage '
        "dogfood sends 100% of employees and 0% of customers, but the fleet has no internal pool"
    )
    bad = check(tmp_path, fleet + "min_hosts = 0\n")
    assert bad.returncode == 2 and "services.api.deployer.settings.min_hosts" in bad.stderr


def test_deploy_kill_refuses_a_flag_the_file_cannot_flip(tmp_path: Path) -> None:
    flags = FlagdKillSwitches(KillSwitchFile(path=str(flag_file(tmp_path))))
    config = TeamConfig(services=(Service(name="web", kill_switches=("legacy-banner", "one-way",
                                                                     "new-checkout")),),
                        team={"admins": ("UADMIN",)})  # type: ignore[arg-type]  # fmt: skip
    kills = KillSwitchControl(config, InMemoryRepository(), FakeClock(NOW), problem=flags.problem)
    with pytest.raises(Refused, match="Cannot turn legacy-banner off: no flag legacy-banner in"):
        kills.flip("legacy-banner", True, "UADMIN")
    with pytest.raises(Refused, match='Cannot turn one-way off: .* has no "off" variant'):
        kills.flip("one-way", True, "UADMIN")
    assert kills.flip("new-checkout", True, "UADMIN").startswith("Turned new-checkout (web) off")


def test_a_write_that_keeps_failing_is_said_in_the_thread_once(tmp_path: Path) -> None:
    path = flag_file(tmp_path)
    config = TeamConfig(services=(Service(name="web", kill_switches=("new-checkout",)),),
                        flagd=KillSwitchFile(path=str(path)))  # fmt: skip
    repo = InMemoryRepository()
    deploys = Deploys(config, repo, FakeClock(NOW))
    world = ServiceWorld(lambda _: None, lambda _: None, FlagdKillSwitches(config.flagd))  # type: ignore[arg-type,return-value]
    reconciler = Reconciler(deploys, world)
    repo.add(DeployState("web-1", "web", "2.0", "1.0", "U1"), NOW)
    repo.set_flag("new-checkout", False, by="U1", now=NOW)
    path.write_text('{"flags": {"new-checkout": ')  # someone saved half an edit
    for tick in range(40):  # ten seconds of passes
        reconciler.run_once(NOW + timedelta(seconds=tick * 0.25))
    path.write_text(json.dumps(FLAGS))  # fixed
    texts = [m.message.text for m in repo.messages("web-1")]
    said = [text for text in texts if "could not be turned off" in text]
    assert len(said) == 1 and "retrying with backoff" in said[0]
    reconciler.run_once(NOW + timedelta(seconds=30))
    assert json.loads(path.read_text())["flags"]["new-checkout"]["defaultVariant"] == "off"
