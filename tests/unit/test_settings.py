"""The one settings loader: environment then ./.env, every missing variable in one line,
secrets that never print, and COMMANDER_CONFIG honoured by every command."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.settings import config_is_named, config_path, database_url, load_settings
from cli.main import build_cli
from rollout.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
TOKEN, SECRET, APP = "xoxb-very-secret-1", "signing-secret-2", "xapp-secret-3"
NAMES = (
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
    "DATABASE_URL", "COMMANDER_CONFIG", "COMMANDER_POST_INTERVAL", "COMMANDER_TICK",
    "COMMANDER_INBOX",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No settings in the environment, and an empty working directory (no .env)."""
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)


class TestMissing:
    def test_every_missing_variable_in_one_line(self) -> None:
        with pytest.raises(ConfigError) as error:
            load_settings()
        assert str(error.value) == (
            "missing environment variables: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET "
            "(see commander serve --help)"
        )

    def test_socket_mode_also_needs_the_app_token(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
        with pytest.raises(ConfigError, match=r"variables: SLACK_BOT_TOKEN, SLACK_APP_TOKEN \("):
            load_settings(socket=True)

    def test_a_blank_variable_counts_as_missing(self, monkeypatch: pytest.MonkeyPatch) -> None:
        slack_env(monkeypatch)
        monkeypatch.setenv("SLACK_BOT_TOKEN", "   ")
        with pytest.raises(ConfigError, match=r"variables: SLACK_BOT_TOKEN \("):
            load_settings()

    def test_serve_reports_them_in_one_line_with_exit_code_2(self, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in NAMES}
        env["PYTHONPATH"] = str(ROOT)
        result = subprocess.run(
            [sys.executable, "-m", "cli", "serve", "--port", "0"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 2
        assert result.stderr.strip() == (
            "error: missing environment variables: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET "
            "(see commander serve --help)"
        )


class TestValues:
    def test_defaults_and_cleaned_values(self, monkeypatch: pytest.MonkeyPatch) -> None:
        slack_env(monkeypatch)
        monkeypatch.setenv("SLACK_BOT_TOKEN", f"  {TOKEN}\n")
        monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
        monkeypatch.setenv("COMMANDER_TICK", "0.5")
        settings = load_settings()
        assert settings.bot_token.get_secret_value() == TOKEN
        assert settings.signing_secret.get_secret_value() == SECRET
        assert settings.app_token is None
        assert settings.api_url == "http://127.0.0.1:9/api/"
        assert (settings.tick, settings.post_interval) == (0.5, 1.0)
        assert settings.database_url == "sqlite:///commander.db"
        assert settings.config_path == Path("commander.toml")

    @pytest.mark.parametrize("raw", ["0", "-1", "61", "soon"])
    def test_a_tick_that_would_busy_loop_or_sleep_for_ever_is_refused(
        self, monkeypatch: pytest.MonkeyPatch, raw: str
    ) -> None:
        slack_env(monkeypatch)
        monkeypatch.setenv("COMMANDER_TICK", raw)
        with pytest.raises(ConfigError) as error:
            load_settings()
        assert str(error.value) == (
            f'COMMANDER_TICK: expected a number of seconds above 0 and at most 60, got "{raw}"'
        )

    def test_the_spool_sits_next_to_a_sqlite_file(self, monkeypatch: pytest.MonkeyPatch) -> None:
        slack_env(monkeypatch)
        monkeypatch.setenv("DATABASE_URL", "sqlite:////var/lib/commander/c.db")
        assert load_settings().inbox_dir == Path("/var/lib/commander/c.db.inbox")
        monkeypatch.setenv("DATABASE_URL", "postgresql://db/commander")
        assert load_settings().inbox_dir == Path("commander-inbox")

    @pytest.mark.parametrize("raw", ["soon", "-1"])
    def test_a_bad_number_of_seconds_is_named(
        self, monkeypatch: pytest.MonkeyPatch, raw: str
    ) -> None:
        slack_env(monkeypatch)
        monkeypatch.setenv("COMMANDER_POST_INTERVAL", raw)
        with pytest.raises(ConfigError) as error:
            load_settings()
        assert str(error.value) == (
            f"COMMANDER_POST_INTERVAL: expected a number of seconds >= 0 and at most 60, "
            f'got "{raw}"'
        )


class TestDotEnv:
    def test_a_dotenv_file_in_the_working_directory_is_loaded(self, tmp_path: Path) -> None:
        (tmp_path / ".env").write_text(
            f"SLACK_BOT_TOKEN={TOKEN}\nSLACK_SIGNING_SECRET='{SECRET}'\n"
            "DATABASE_URL=sqlite:///from-dotenv.db\nCOMMANDER_CONFIG=team/web.toml\n"
            "UNRELATED=ignored\n"
        )
        settings = load_settings()
        assert settings.bot_token.get_secret_value() == TOKEN
        assert settings.signing_secret.get_secret_value() == SECRET
        assert database_url() == "sqlite:///from-dotenv.db"
        assert config_path() == Path("team/web.toml")

    def test_the_environment_wins_over_dotenv(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        (tmp_path / ".env").write_text("COMMANDER_CONFIG=from-dotenv.toml\n")
        monkeypatch.setenv("COMMANDER_CONFIG", "from-env.toml")
        assert config_path() == Path("from-env.toml")

    def test_gitignore_keeps_dotenv_out_of_the_repository(self) -> None:
        ignored = (ROOT / ".gitignore").read_text().splitlines()
        assert ".env" in ignored


class TestSecrets:
    def test_tokens_never_show_in_repr_str_dump_or_logs(
        self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        slack_env(monkeypatch)
        monkeypatch.setenv("SLACK_APP_TOKEN", APP)
        settings = load_settings(socket=True)
        with caplog.at_level(logging.INFO):
            logging.getLogger("commander.test").info("settings: %s / %r", settings, settings)
        shown = [repr(settings), str(settings), settings.model_dump_json(), caplog.text]
        for text in shown:
            for secret in (TOKEN, SECRET, APP):
                assert secret not in text
        assert "**********" in repr(settings)


class TestConfigPath:
    def test_an_explicit_path_wins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COMMANDER_CONFIG", "env.toml")
        assert config_path(Path("given.toml")) == Path("given.toml")
        assert config_is_named(None) and config_is_named(Path("given.toml"))

    def test_without_commander_config_the_default_is_not_named(self) -> None:
        assert config_path() == Path("commander.toml")
        assert not config_is_named(None)

    def test_config_check_reads_commander_config(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        team = tmp_path / "teams" / "web.toml"
        team.parent.mkdir()
        team.write_text((ROOT / "commander.toml").read_text())
        monkeypatch.setenv("COMMANDER_CONFIG", str(team))
        result = CliRunner().invoke(build_cli(), ["config", "check"], terminal_width=200)
        assert result.exit_code == 0, result.output
        # Rich wraps at its own width, even inside a long path: compare without white space.
        assert f"{team}isvalid" in "".join(result.output.split())

    def test_sim_run_reads_commander_config(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("COMMANDER_CONFIG", str(tmp_path / "missing.toml"))
        result = CliRunner().invoke(
            build_cli(), ["sim", "run", str(ROOT / "scenarios" / "healthy-release.toml"), "--json"]
        )
        assert isinstance(result.exception, ConfigError)
        assert "missing.toml" in str(result.exception)

    def test_sim_run_uses_the_config_commander_config_names(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        team = tmp_path / "team.toml"
        team.write_text("[team]\nname = 'web'\n[[plan.stages]]\nkind = 'nonsense'\n")
        monkeypatch.setenv("COMMANDER_CONFIG", str(team))
        result = CliRunner().invoke(
            build_cli(), ["sim", "run", str(ROOT / "scenarios" / "healthy-release.toml")]
        )
        assert isinstance(result.exception, ConfigError)
        assert str(team) in str(result.exception)

    def test_db_commands_read_database_url_from_dotenv(self, tmp_path: Path) -> None:
        (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'dotenv.db'}\n")
        result = CliRunner().invoke(build_cli(), ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "dotenv.db" in result.output
        result = CliRunner().invoke(build_cli(), ["db", "current"])  # reads what upgrade made
        assert result.exit_code == 0 and "dotenv.db" in result.output, result.output
