"""The command deployer runs real processes: argv lists, COMMANDER_* variables, a timeout, the
stderr tail on failure, and secret values never shown."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.command import CommandDeployer
from adapters.context import acting_for
from rollout.errors import ConfigError, WorldError
from rollout.state import DeployState

PY = sys.executable
DUMP_ENV = """import json, os, sys
seen = {k: v for k, v in os.environ.items() if k.startswith("COMMANDER_")}
open(sys.argv[1], "w").write(json.dumps(seen))
"""


def deploy_state() -> DeployState:
    return DeployState(
        id="api-7", service="api", version="2.0", previous_version="1.9", commander="U1",
        started_at=datetime(2026, 1, 6, 18, 0, tzinfo=UTC),
    )  # fmt: skip


def script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "step.py"
    path.write_text(body)
    return [PY, str(path)]


def test_each_action_sees_the_deploy_in_its_environment(tmp_path: Path) -> None:
    out = tmp_path / "env.json"
    argv = [*script(tmp_path, DUMP_ENV), str(out)]
    deployer = CommandDeployer({"set_traffic": argv, "deploy": argv})
    with acting_for(deploy_state(), revision=4):
        deployer.set_traffic("api", "2.0", 5.0, 10.0, 2.5)
    env = json.loads(out.read_text())
    assert env == {
        "COMMANDER_ACTION": "set_traffic",
        "COMMANDER_SERVICE": "api",
        "COMMANDER_VERSION": "2.0",
        "COMMANDER_PREVIOUS_VERSION": "1.9",
        "COMMANDER_ENVIRONMENT": "production",
        "COMMANDER_DEPLOY_ID": "api-7",
        "COMMANDER_INTERNAL_PERCENT": "5",
        "COMMANDER_EXTERNAL_PERCENT": "10",
        "COMMANDER_MIRROR_PERCENT": "2.5",
    }
    deployer.deploy("api", "staging", "2.0")
    env = json.loads(out.read_text())
    assert env["COMMANDER_ACTION"] == "deploy" and env["COMMANDER_ENVIRONMENT"] == "staging"


def test_argv_is_never_a_shell_string(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    argv = [PY, "-c", "import sys; print(sys.argv[1])", f"x; touch {marker}"]
    CommandDeployer({"deploy": argv}).deploy("api", "staging", "2.0")
    assert not marker.exists()
    with pytest.raises(ConfigError, match=r"deployer.settings.deploy: input should be a valid"):
        CommandDeployer({"deploy": "deploy.sh --now"})


def test_a_failure_shows_the_last_lines_of_stderr_with_secrets_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOY_TOKEN", "s3cr3t-t0ken")
    lines = "\n".join(f"import sys; print('line {i}', file=sys.stderr)" for i in range(10))
    argv = script(tmp_path, lines + "\nimport os, sys\n"
                  "print('auth failed for', os.environ['DEPLOY_TOKEN'], file=sys.stderr)\n"
                  "sys.exit(3)\n")  # fmt: skip
    deployer = CommandDeployer({"rollback": argv, "secrets": ["DEPLOY_TOKEN"]})
    with pytest.raises(WorldError) as failed:
        deployer.rollback("api", "2.0", "1.9")
    assert failed.value.action == "rollback"
    detail = failed.value.detail
    assert detail.startswith(f"{PY} exited 3: line 6\nline 7\nline 8\nline 9\n")
    assert detail.endswith("auth failed for [redacted]") and "s3cr3t" not in str(failed.value)


def test_a_hung_command_is_killed_at_the_timeout(tmp_path: Path) -> None:
    argv = script(tmp_path, "import time\ntime.sleep(60)\n")
    deployer = CommandDeployer({"deploy": argv, "timeout": "0.5s"})
    with pytest.raises(WorldError, match=r"deploy failed: .* timed out after 0.5 s"):
        deployer.deploy("api", "staging", "2.0")


def test_the_smoke_test_passes_on_exit_zero_and_fails_with_its_output(tmp_path: Path) -> None:
    ok = script(tmp_path, "print('checking'); print('12 of 12 checks passed')")
    assert CommandDeployer({"smoke_test": ok}).smoke_test("api", "staging", "smoke").detail == (
        "12 of 12 checks passed"
    )
    bad = [PY, "-c", "import sys; sys.exit('checkout returned 502')"]
    result = CommandDeployer({"smoke_test": bad}).smoke_test("api", "staging", "smoke")
    assert not result.passed and result.detail.endswith("exited 1: checkout returned 502")


def test_a_missing_program_is_a_world_error() -> None:
    deployer = CommandDeployer({"deploy": ["/nonexistent/deploy-tool", "--now"]})
    with pytest.raises(WorldError, match="cannot run /nonexistent/deploy-tool: No such file"):
        deployer.deploy("api", "staging", "2.0")


DUMP_ALL = """import json, os, sys
open(sys.argv[1], "w").write(json.dumps(dict(os.environ)))
"""


def test_a_script_gets_what_it_needs_and_never_the_bots_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-the-bot")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing")
    monkeypatch.setenv("PAYMENTS_TOKEN", "another-services-secret")
    monkeypatch.setenv("API_DEPLOY_TOKEN", "ours")
    out = tmp_path / "env.json"
    argv = [*script(tmp_path, DUMP_ALL), str(out)]
    settings = {"smoke_test": argv, "deploy": argv, "env": {"REGION": "eu"},
                "secrets": ["API_DEPLOY_TOKEN"]}  # fmt: skip
    deployer = CommandDeployer(settings)
    with acting_for(deploy_state(), revision=4):
        assert deployer.smoke_test("api", "staging", "smoke").passed
    env = json.loads(out.read_text())
    assert env.pop("PATH") and env.pop("HOME")
    env.pop("PWD", None)  # some Pythons set it for the child
    env.pop("LC_CTYPE", None)  # Python's UTF-8 mode may add it
    assert env == {
        "REGION": "eu", "API_DEPLOY_TOKEN": "ours",
        "COMMANDER_ACTION": "smoke_test", "COMMANDER_SERVICE": "api",
        "COMMANDER_VERSION": "2.0", "COMMANDER_PREVIOUS_VERSION": "1.9",
        "COMMANDER_ENVIRONMENT": "staging", "COMMANDER_SMOKE_TEST": "smoke",
        "COMMANDER_DEPLOY_ID": "api-7", "COMMANDER_INTERNAL_PERCENT": "0",
        "COMMANDER_EXTERNAL_PERCENT": "0", "COMMANDER_MIRROR_PERCENT": "0",
    }  # fmt: skip
