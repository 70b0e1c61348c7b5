"""`commander db`: upgrade and current, with one-line errors for unusable URLs."""

from __future__ import annotations

import typer
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from cli import db as cli_db
from rollout.errors import CommanderError
from store.db import alembic_config


def db_cli() -> typer.Typer:
    cli = typer.Typer()
    cli.callback()(lambda: None)
    cli_db.register(cli)
    return cli


def run(*args: str):
    return CliRunner().invoke(db_cli(), list(args))


def test_upgrade_migrates_the_database_at_url_and_says_where_it_stands(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    before = run("db", "current", "--url", url)  # a read: it never creates the file
    assert "no database there yet; run `commander db upgrade`" in str(before.exception)
    assert not (tmp_path / "c.db").exists()

    result = run("db", "upgrade", "--url", url)

    assert result.exit_code == 0, result.output
    assert "is at revision" in result.output
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert run("db", "current", "--url", url).output.strip().endswith(f": {head}")


def test_upgrade_defaults_to_database_url(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert run("db", "upgrade").exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_a_malformed_url_is_a_user_error():
    result = run("db", "upgrade", "--url", "not a url")
    assert isinstance(result.exception, CommanderError)
    assert "not a database URL" in str(result.exception)


def test_an_unreachable_server_is_a_user_error_that_hides_the_password():
    url = "postgresql://me:secret@127.0.0.1:1/nowhere?connect_timeout=2"
    result = run("db", "current", "--url", url)
    assert isinstance(result.exception, CommanderError)
    assert "cannot reach" in str(result.exception)
    assert "secret" not in str(result.exception)
