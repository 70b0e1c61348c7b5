"""The audit trail is append-only: the database itself refuses to change or delete entries."""

from __future__ import annotations

import inspect

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from store_fixtures import *  # noqa: F403
from store_fixtures import T0, deploy_state

from rollout.events import Audit
from store.repository import Repository

ENTRY = Audit("U123", "confirm", "running", "running", 3, "confirmed canary", {"by": "hand"})


@pytest.fixture
def audited(repo, engine):
    repo.add(deploy_state(), T0)
    repo.record("d-1", [ENTRY], T0)
    return engine


def test_raw_sql_update_of_an_audit_entry_is_refused(audited, repo):
    with pytest.raises(DBAPIError, match="append-only"), audited.begin() as connection:
        connection.execute(text("UPDATE deploy_events SET actor = 'U666'"))
    assert repo.events("d-1")[0].actor == "U123"


def test_raw_sql_delete_of_an_audit_entry_is_refused(audited, repo):
    with pytest.raises(DBAPIError, match="append-only"), audited.begin() as connection:
        connection.execute(text("DELETE FROM deploy_events"))
    assert len(repo.events("d-1")) == 1


def test_truncating_the_audit_trail_is_refused_on_postgresql(audited):
    if audited.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE trigger covers the same ground")
    with pytest.raises(DBAPIError, match="append-only"), audited.begin() as connection:
        connection.execute(text("TRUNCATE deploy_events"))


def test_appending_still_works(audited, repo):
    repo.record("d-1", [ENTRY, ENTRY], T0)
    assert len(repo.events("d-1")) == 3


def test_the_repository_offers_no_way_to_change_or_delete_events():
    public = [name for name, _ in inspect.getmembers(Repository) if not name.startswith("_")]
    rewriting = [n for n in public if n.startswith(("update", "delete", "remove", "edit"))]
    assert rewriting == []
