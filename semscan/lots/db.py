"""Connecting to the lot database and migrating it (Alembic, shipped in ``migrations/``).

The database is a URL or a path: ``--db`` or the ``SEMSCAN_DB`` environment variable, else
``semscan-lots.db`` in the current folder. A path (or ``sqlite:///...``) is an embedded
SQLite file opened in WAL mode with foreign keys on and a 60 s busy timeout, and every
transaction begins with ``BEGIN IMMEDIATE``: concurrent writers (several ``semscan lots
attach`` at once) queue for the write lock instead of failing half-way. A
``postgresql+psycopg://user@host/db`` URL uses PostgreSQL.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from semscan.errors import LotError

__all__ = ["DEFAULT_DB", "current_user", "database_url", "downgrade", "engine_for",
           "is_current", "session_scope", "upgrade"]

DEFAULT_DB = "semscan-lots.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_S = 60.0


def database_url(db: str | os.PathLike[str] | None = None) -> str:
    """The database URL: ``db``, else ``$SEMSCAN_DB``, else ``semscan-lots.db``; a plain
    path becomes a ``sqlite:///`` URL.

    Examples
    --------
    >>> database_url("/tmp/x.db")
    'sqlite:////tmp/x.db'
    >>> database_url("postgresql+psycopg://qa@db/lots")
    'postgresql+psycopg://qa@db/lots'
    """
    text = str(db) if db is not None else os.environ.get("SEMSCAN_DB") or DEFAULT_DB
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def current_user(user: str | None = None) -> str:
    """Who makes a change: ``user`` (``--user``), else the OS user."""
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, not by pysqlite
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def engine_for(db: str | os.PathLike[str] | None = None) -> Engine:
    """An SQLAlchemy engine for the lot database (see the module docstring).

    Raises
    ------
    LotError
        An unusable URL, or a SQLite file in a folder that does not exist.
    """
    url_text = database_url(db)
    try:
        url = make_url(url_text)
    except ArgumentError as exc:
        raise LotError(f"cannot use the lot database {url_text!r}: {exc}; give a file path or "
                       "a postgresql+psycopg://user@host/db URL") from exc
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        if path and path != ":memory:" and not Path(path).parent.is_dir():
            raise LotError(f"the folder of the lot database {path} does not exist; create it "
                           "or give another --db")
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
        _sqlite_setup(engine)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # missing driver
        raise LotError(f"cannot use the lot database {url.render_as_string()}: {exc}; for "
                       'PostgreSQL install the db extra: pip install "semscan[db]"') from exc


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (``semscan lots init``); a no-op when current."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` (``base``: no tables)."""
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), revision)


def is_current(engine: Engine) -> bool:
    """Whether the database is at the latest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(_alembic_config(None)).get_heads())
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


#: Key of the PostgreSQL advisory lock that writers hold for their transaction.
PG_WRITE_LOCK = 0x5E3_5CA4


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error.

    Writers queue: on SQLite every transaction begins ``IMMEDIATE``; on PostgreSQL a
    writing session (``write=True``) first takes a transaction-level advisory lock, so
    two ``attach`` runs never race to create the same sample or image.

    Raises
    ------
    LotError
        The database has not been initialised (``semscan lots init``) or is behind.
    """
    if not is_current(engine):
        raise LotError(f"the lot database {engine.url.render_as_string()} is not initialised "
                       "or not at the latest version; run `semscan lots init` first")
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        if write and engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_WRITE_LOCK})
        yield session
