"""Store fixtures: a fresh, migrated database per test on SQLite and (if configured) PostgreSQL.

Import with `from store_fixtures import *` in tests/integration/test_store*.py. PostgreSQL runs
need TEST_DATABASE_URL; each run creates its own `commander_test_<random>` database through the
server's `postgres` database, gives every test its own schema in it, and drops it all at the end.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from rollout.state import DeployState
from store.db import make_engine, temporary_database, upgrade
from store.repository import Repository

__all__ = [
    "BACKENDS",
    "blank_database_url",
    "database_url",
    "deploy_state",
    "engine",
    "fresh_schema",
    "postgres_database",
    "repo",
    "T0",
]

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
T0 = datetime(2026, 3, 2, 14, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_database(postgres_server_url: str) -> Iterator[str]:
    """A throwaway database on the PostgreSQL server (tests/postgres.py), dropped after."""
    with temporary_database(postgres_server_url, "commander_test") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def blank_database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """An empty database: a new SQLite file, or a new PostgreSQL schema on the search path."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'commander.db'}"
        return
    with fresh_schema(request.getfixturevalue("postgres_database")) as url:
        yield url


@contextmanager
def fresh_schema(database_url: str) -> Iterator[str]:
    """A new PostgreSQL schema in `database_url`, first on the search path; dropped on exit."""
    base = make_url(database_url)
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        scoped = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def database_url(blank_database_url: str) -> str:
    """A database migrated to head."""
    upgrade(blank_database_url)
    return blank_database_url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the migrated database."""
    built = make_engine(database_url)
    yield built
    built.dispose()


@pytest.fixture
def repo(engine: Engine) -> Repository:
    """The repository under test."""
    return Repository(engine)


def deploy_state(deploy_id: str = "d-1", **changes: object) -> DeployState:
    """A deploy of `api` 2.0.0 by U123, with any fields changed."""
    base = DeployState(
        id=deploy_id, service="api", version="2.0.0", previous_version="1.9.0", commander="U123"
    )
    return base.evolve(**changes)
