"""Engines, sessions and migrations: SQLite by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlmodel import Session, create_engine

from rollout.errors import ConfigError

DEFAULT_URL = "sqlite:///commander.db"
BUSY_TIMEOUT_MS = 30_000
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"
SUPPORTED = "use sqlite:///FILE or postgresql://USER@HOST/DB"


def default_url() -> str:
    """The database URL: $DATABASE_URL, else commander.db in the working directory."""
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def normalize_url(url: str) -> str:
    """Route plain postgresql:// URLs to psycopg 3, the only PostgreSQL driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_url(url: str) -> str:
    """The URL if the commander can keep its data there; else a ConfigError saying why not.

    Catches what would otherwise surface later as a driver traceback or a database that
    vanishes between two connections: an unparsable URL, an unknown database, a driver that
    is not installed, and in-memory SQLite.
    """
    shown = safe_url(url)
    try:
        parsed = make_url(normalize_url(url))
    except ArgumentError:
        raise ConfigError(f"not a database URL: {shown} (e.g. sqlite:///commander.db)") from None
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        raise ConfigError(f"{shown}: unknown database {parsed.drivername!r}; {SUPPORTED}") from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        raise ConfigError(
            f"{shown}: the {parsed.drivername} driver is not installed ({exc.name or exc}); "
            f"{SUPPORTED}"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigError(
            f"{shown} is an in-memory database, gone when the process exits; "
            "give a file instead, e.g. sqlite:///commander.db"
        )
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_file(Path(str(parsed.database)), shown)
    return url


SQLITE_HEADER = b"SQLite format 3\x00"


def _check_sqlite_file(path: Path, shown: str) -> None:
    """The file's folder exists, and the file, if there, is a SQLite database."""
    if not path.parent.is_dir():
        raise ConfigError(f"{shown}: the folder {path.parent} does not exist; create it first")
    if path.is_dir():
        raise ConfigError(f"{shown}: {path} is a folder, expected a database file")
    if path.exists() and path.stat().st_size > 0:
        try:
            with path.open("rb") as file:
                header = file.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise ConfigError(f"{shown}: cannot read {path}: {exc.strerror}") from None
        if header != SQLITE_HEADER:
            raise ConfigError(f"{shown}: {path} is not a SQLite database")


def check_existing(url: str) -> str:
    """check_url, and for SQLite a file that is there: a read must never create one."""
    check_url(url)
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite" and not Path(str(parsed.database)).exists():
        raise ConfigError(
            f"{safe_url(url)}: no database there yet; run `commander db upgrade` to create it"
        )
    return url


def safe_url(url: str) -> str:
    """The URL with any password hidden, for output."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL."""
    return make_url(normalize_url(url)).get_backend_name() == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite connections get WAL, foreign keys and a busy timeout."""
    url = normalize_url(url)
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # WAL makes NORMAL durable across application crashes; only power loss can drop a commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: Engine) -> Callable[[], Session]:
    """A callable that opens a new session on `engine`."""

    def open_session() -> Session:
        return Session(engine, expire_on_commit=False)

    return open_session


def alembic_config(url: str) -> Config:
    """An Alembic config for the packaged migrations, independent of the working directory."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every migration up to head."""
    command.upgrade(alembic_config(url), "head")


def head() -> str | None:
    """The latest migration's revision."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(DEFAULT_URL)).get_current_head()


def current(url: str) -> str | None:
    """The revision the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@contextmanager
def temporary_database(server_url: str, prefix: str = "commander_tmp") -> Iterator[str]:
    """A new, empty database on a PostgreSQL server, dropped on exit; yields its URL."""
    server = make_url(normalize_url(server_url))
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
