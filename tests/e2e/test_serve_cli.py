"""`commander serve` refuses to start without what it needs, in one line, with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.botserver import base_env, commander
from tests.e2e.teamconfig import team_config


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "commander.toml"
    config.write_text(team_config())
    return base_env("http://127.0.0.1:9/api/", f"sqlite:///{tmp_path / 'c.db'}", config, "s3cret")


@pytest.mark.parametrize("missing", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])
def test_a_missing_slack_credential_is_named_and_exits_2(env: dict[str, str], missing: str) -> None:
    del env[missing]
    result = commander("serve", "--port", "0", env=env)
    assert result.returncode == 2
    assert missing in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_socket_mode_without_an_app_token_is_named_and_exits_2(env: dict[str, str]) -> None:
    result = commander("serve", "--socket", env=env)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_help_documents_the_environment(env: dict[str, str]) -> None:
    result = commander("serve", "--help", env=env)
    assert result.returncode == 0
    for name in ("SLACK_API_URL", "DATABASE_URL", "COMMANDER_CONFIG", "COMMANDER_POST_INTERVAL"):
        assert name in result.stdout
