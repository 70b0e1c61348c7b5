"""Alembic environment: runs the store's migrations on the engine store.db would build."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from store import drill_models  # noqa: F401 (its tables join the metadata)
from store.db import make_engine
from store.models import StoreModel

MIGRATION_LOCK = 0x636F6D6D616E64  # "command": an arbitrary advisory-lock key for migrations


def run_migrations(connection: Connection) -> None:
    """Run the migrations on one connection, batch mode so SQLite can ALTER tables."""
    context.configure(
        connection=connection,
        target_metadata=StoreModel.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas may start together; the second waits here, then finds the schema at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


def run_online() -> None:
    """Use a connection handed in by a caller, else open one from sqlalchemy.url."""
    given = context.config.attributes.get("connection")
    if given is not None:
        run_migrations(given)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic config has no sqlalchemy.url (store.db.alembic_config sets it)")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_online()
