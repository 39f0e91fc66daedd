"""semscan/lots/migrations/env.py: upgrade from empty, downgrade, upgrade again, and the
models match the latest migration (no drift), on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from sqlalchemy import inspect

from semscan.lots import db
from semscan.lots.models import Base
from tests._lotdb import db_url, pg_server  # noqa: F401


def _tables(engine) -> set[str]:
    with engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_upgrade_downgrade_upgrade_and_no_drift(db_url):  # noqa: F811
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    e = db.engine_for(db_url)
    assert _tables(e) == set()
    db.upgrade(e)
    assert _tables(e) == set(Base.metadata.tables) | {"alembic_version"}
    db.downgrade(e)
    assert _tables(e) == {"alembic_version"}
    db.upgrade(e)
    with e.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    e.dispose()


def test_env_imports_outside_alembic_without_running():
    spec = importlib.util.spec_from_file_location("lots_env", db.MIGRATIONS / "env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module._run)
