"""semscan/lots/migrations/versions/0001_initial.py: the first migration is the base."""

from __future__ import annotations

import importlib.util

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from semscan.lots import db


def test_initial_revision_is_the_base():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    scripts = ScriptDirectory.from_config(cfg)
    assert scripts.get_base() == "0001"
    assert scripts.get_revision("0001").down_revision is None
    path = db.MIGRATIONS / "versions" / "0001_initial.py"
    spec = importlib.util.spec_from_file_location("m0001", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.revision == "0001" and callable(module.downgrade)
