"""semscan/lots/migrations/versions/0002_append_only.py: the database itself refuses to
change or delete analyses, verdicts, spec versions and audit events, on SQLite and on a real
PostgreSQL server, even through raw SQL that bypasses the ORM; downgrading lifts it."""

from __future__ import annotations

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from semscan.lots import db, store
from tests._lotdb import db_url, fake_folder, pg_server  # noqa: F401

SPEC = ('name = "film"\n[[criteria]]\nname = "p"\nvalue = "result:areal_porosity"\n'
        'min = 0.6\nunit = "fraction"\nsource = "claim 1"\n')


def test_0002_is_the_head_after_0001():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    scripts = ScriptDirectory.from_config(cfg)
    assert scripts.get_heads() == ["0002"]
    assert scripts.get_revision("0002").down_revision == "0001"


def test_raw_sql_cannot_change_or_delete_the_audited_rows(db_url, tmp_path):  # noqa: F811
    e = db.engine_for(db_url)
    db.upgrade(e)
    with db.session_scope(e) as s:
        store.create_lot(s, "L1", user="qa")
        store.attach(s, "L1", fake_folder(tmp_path / "o", 2), user="qa")
        store.add_spec(s, SPEC, user="qa")
        store.judge(s, "L1", user="qa", spec="film")
    attempts = ["UPDATE analysis SET view = 'cross-section'", "DELETE FROM analysis",
                "UPDATE verdict SET outcome = 'fail'", "DELETE FROM verdict",
                "UPDATE spec_version SET text = ''", "DELETE FROM spec_version",
                "UPDATE audit_event SET \"user\" = 'mallory'", "DELETE FROM audit_event",
                "DELETE FROM lot"]  # a judged lot's verdicts and events cannot go with it
    for statement in attempts:
        with pytest.raises(DBAPIError, match="immutable"), e.begin() as conn:
            conn.execute(text(statement))
    with e.connect() as conn:
        assert conn.execute(text("SELECT outcome FROM verdict")).scalars().all() == ["pass"]
        assert conn.execute(text("SELECT count(*) FROM analysis")).scalar() == 2
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == 4
        assert conn.execute(text("SELECT DISTINCT view FROM analysis")).scalar() == "surface"
    with e.begin() as conn:  # what is not audited stays editable
        conn.execute(text("UPDATE lot SET product = 'film'"))
    db.downgrade(e, "0001")
    with e.begin() as conn:
        conn.execute(text("UPDATE verdict SET outcome = 'fail'"))
    db.upgrade(e)
    e.dispose()
