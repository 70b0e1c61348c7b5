"""Migrations: an empty database upgrades to head, matches the models, and steps down and up."""

from __future__ import annotations

import multiprocessing

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from store_fixtures import *  # noqa: F403
from store_fixtures import T0, deploy_state

from store.db import alembic_config, current, default_url, make_engine, upgrade
from store.repository import Repository


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_an_empty_database_upgrades_to_head_and_matches_the_models(blank_database_url):
    assert current(blank_database_url) is None
    upgrade(blank_database_url)
    assert current(blank_database_url) == head()
    command.check(alembic_config(blank_database_url))  # raises if models and schema differ


def test_the_latest_migration_downgrades_and_upgrades_again_with_data_kept(blank_database_url):
    upgrade(blank_database_url)
    engine = make_engine(blank_database_url)
    Repository(engine).add(deploy_state("kept"), T0)
    config = alembic_config(blank_database_url)

    command.downgrade(config, "-1")
    assert current(blank_database_url) != head()
    command.upgrade(config, "head")

    assert current(blank_database_url) == head()
    assert Repository(engine).get("kept").version == "2.0.0"
    command.check(config)
    engine.dispose()


def test_upgrade_works_from_any_working_directory(tmp_path, monkeypatch):
    """The migrations ship inside the package, so `serve` can upgrade wherever it starts."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    upgrade(default_url())
    assert (tmp_path / "commander.db").exists()
    assert current(default_url()) == head()


def test_default_url_reads_database_url_at_call_time(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert default_url() == "sqlite:///commander.db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/commander")
    assert default_url() == "postgresql://db.example/commander"


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.connect() as connection:
        pragma = lambda name: connection.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 1000
    engine.dispose()


def test_plain_postgresql_urls_are_routed_to_psycopg_3():
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/test")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_replicas_starting_together_can_both_upgrade(blank_database_url):
    """`serve` upgrades on start; on PostgreSQL an advisory lock serializes the replicas.

    Replicas are processes: Alembic's migration context is process-global, so threads would not
    model them.
    """
    if blank_database_url.startswith("sqlite"):
        pytest.skip("replicas share PostgreSQL; SQLite deployments run one bot process")
    with multiprocessing.get_context("spawn").Pool(3) as replicas:
        replicas.map(upgrade, [blank_database_url] * 3)
    assert current(blank_database_url) == head()
