"""semscan.lots.db: URLs, SQLite settings (WAL, foreign keys, BEGIN IMMEDIATE), migrating."""

from __future__ import annotations

import sqlite3

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from semscan.errors import LotError
from semscan.lots import db
from tests._lotdb import db_url, pg_server  # noqa: F401


def test_database_url_from_argument_environment_and_default(monkeypatch, tmp_path):
    monkeypatch.setenv("SEMSCAN_DB", str(tmp_path / "env.db"))
    assert db.database_url() == f"sqlite:///{tmp_path / 'env.db'}"
    assert db.database_url(tmp_path / "a.db") == f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.delenv("SEMSCAN_DB")
    monkeypatch.chdir(tmp_path)
    assert db.database_url() == f"sqlite:///{tmp_path / 'semscan-lots.db'}"


def test_current_user_is_the_given_one_or_the_os_user():
    assert db.current_user("auditor") == "auditor"
    assert db.current_user(None)


def test_sqlite_is_wal_with_foreign_keys_and_immediate_write_transactions(tmp_path):
    e = db.engine_for(tmp_path / "x.db")
    db.upgrade(e)
    with e.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60000
    # an open transaction holds the write lock from its start: another writer waits for it
    with e.begin():
        other = sqlite3.connect(tmp_path / "x.db", timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    e.dispose()


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(LotError, match="does not exist"):
        db.engine_for(tmp_path / "no" / "x.db")


def test_upgrade_is_idempotent_and_is_current(db_url):  # noqa: F811
    e = db.engine_for(db_url)
    assert not db.is_current(e)
    db.upgrade(e)
    db.upgrade(e)
    assert db.is_current(e)
    db.downgrade(e)
    assert not db.is_current(e)
    e.dispose()
