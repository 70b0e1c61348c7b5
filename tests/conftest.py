"""Fixtures every suite may use: the PostgreSQL server (tests/postgres.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres import postgres_server


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """TEST_DATABASE_URL's server, else a throwaway cluster for this test session."""
    with postgres_server() as url:
        yield url
