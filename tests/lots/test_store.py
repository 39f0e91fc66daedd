"""semscan.lots.store, on SQLite and on a real PostgreSQL server: attach (a no-op twice), lab
values, versioned specs, verdicts kept on re-judging, the audit trail; 4 processes writing
one SQLite file at once."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from semscan.errors import LotError
from semscan.lots import db, store
from semscan.lots.models import (
    Analysis,
    AuditEvent,
    Image,
    SampleAnalysis,
    SpecVersion,
    Verdict,
    utcnow,
)
from semscan.lots.specs import shipped_spec
from tests._lotdb import db_url, fake_folder, pg_server  # noqa: F401

REPO = Path(__file__).resolve().parents[2]

SPEC_V1 = """name = "film"
[[criteria]]
name = "porosity"
value = "result:areal_porosity"
min = 0.6
max = 0.8
unit = "fraction"
source = "claim 1"
[[criteria]]
name = "perm"
value = "lab:gas_permeability"
min = 0.2
unit = "ml/s"
source = "claim 2"
"""
SPEC_V2 = SPEC_V1.replace("max = 0.8", "max = 0.65")


@pytest.fixture
def engine(db_url):  # noqa: F811
    e = db.engine_for(db_url)
    db.upgrade(e)
    yield e
    e.dispose()


def _count(session, model) -> int:
    from sqlalchemy import func, select

    return session.scalar(select(func.count()).select_from(model))


def test_attach_twice_is_a_no_op(engine, tmp_path):
    folder = fake_folder(tmp_path / "out", 3)
    with db.session_scope(engine) as s:
        store.create_lot(s, "L1", user="qa")
        first = store.attach(s, "L1", folder, user="qa")
        again = store.attach(s, "L1", folder, user="qa")
    assert (first.new, first.linked, first.existing) == (3, 3, 0)
    assert (again.new, again.linked, again.existing, again.already_linked) == (0, 0, 3, 3)
    with db.session_scope(engine) as s:
        assert (_count(s, Analysis), _count(s, Image), _count(s, SampleAnalysis)) == (3, 3, 3)
        # the same analyses in a second lot: stored once, linked twice
        store.create_lot(s, "L2", user="qa")
        other = store.attach(s, "L2", folder, user="qa")
        assert (other.new, other.existing, other.linked) == (0, 3, 3)
        assert _count(s, Analysis) == 3 and _count(s, SampleAnalysis) == 6


def test_a_new_config_hash_is_a_new_analysis_of_the_same_image(engine, tmp_path):
    folder = fake_folder(tmp_path / "a", 2)
    other = fake_folder(tmp_path / "b", 2)
    for p in (other / "images").glob("*.json"):
        p.write_text(p.read_text().replace('"cfg0"', '"cfg1"'))
    with db.session_scope(engine) as s:
        store.create_lot(s, "L1", user="qa")
        store.attach(s, "L1", folder, user="qa")
        res = store.attach(s, "L1", other, user="qa")
        assert (res.new, _count(s, Image), _count(s, Analysis)) == (2, 2, 4)


def test_analyses_and_verdicts_are_immutable(engine, tmp_path):
    from sqlalchemy import select

    with db.session_scope(engine) as s:
        store.create_lot(s, "L1", user="qa")
        store.attach(s, "L1", fake_folder(tmp_path / "o", 1), user="qa")
    with pytest.raises(LotError, match="Analysis 1 is immutable"), db.session_scope(engine) as s:
        s.scalars(select(Analysis)).one().view = "cross-section"
    with db.session_scope(engine) as s:
        assert s.scalars(select(Analysis)).one().view == "surface"
        store.add_spec(s, SPEC_V1, user="qa")
        store.judge(s, "L1", user="qa", spec="film")
    for model, change in ((Verdict, lambda v: setattr(v, "outcome", "pass")),
                          (AuditEvent, lambda e: setattr(e, "user", "mallory")),
                          (SpecVersion, lambda v: setattr(v, "text", "")),
                          (Verdict, None), (Analysis, None)):
        with pytest.raises(LotError, match=f"{model.__name__} 1 is immutable"), \
                db.session_scope(engine) as s:
            row = s.scalars(select(model).order_by(model.id)).first()
            if change is None:
                s.delete(row)
            else:
                change(row)
    with db.session_scope(engine) as s:
        assert s.scalars(select(Verdict)).one().outcome == "incomplete"
        assert s.scalars(select(AuditEvent).order_by(AuditEvent.id)).first().user == "qa"


def test_attach_refuses_a_folder_without_analyses_and_an_unknown_sample(engine, tmp_path):
    with db.session_scope(engine) as s:
        store.create_lot(s, "L1", user="qa")
    with pytest.raises(LotError, match="holds no images"), db.session_scope(engine) as s:
        store.attach(s, "L1", tmp_path, user="qa")
    folder = fake_folder(tmp_path / "o", 1)
    with pytest.raises(LotError, match="no image of sample 'x'"), db.session_scope(engine) as s:
        store.attach(s, "L1", folder, user="qa", sample="x")
    with pytest.raises(LotError, match="no lot 'L9'"), db.session_scope(engine) as s:
        store.attach(s, "L9", folder, user="qa")
    with pytest.raises(LotError, match="exists already"), db.session_scope(engine) as s:
        store.create_lot(s, "L1", user="qa")


def test_new_spec_version_re_judges_and_keeps_the_earlier_verdict(engine, tmp_path):
    with db.session_scope(engine) as s:
        store.create_lot(s, "L1", user="qa", product="film")
        store.attach(s, "L1", fake_folder(tmp_path / "o", 4, porosity=0.7), user="qa")
        store.add_lab(s, "L1", [("gas_permeability", 5.0, "ml/s")], user="lab")
        assert store.add_spec(s, SPEC_V1, user="qa") == ("film", 1, True)
        assert store.add_spec(s, SPEC_V1, user="qa") == ("film", 1, False)  # unchanged text
        assert store.judge(s, "L1", user="qa").outcome == "pass"
        assert store.add_spec(s, SPEC_V2, user="qa") == ("film", 2, True)
        assert store.judge(s, "L1", user="auditor").outcome == "fail"  # 0.7 > 0.65
        assert store.judge(s, "L1", user="qa", spec="film@1").outcome == "pass"
    with db.session_scope(engine) as s:
        r = store.lot_record(s, "L1")
        assert [(v["spec"], v["version"], v["outcome"], v["by"]) for v in r.verdicts] == [
            ("film", 1, "pass", "qa"), ("film", 2, "fail", "auditor"), ("film", 1, "pass", "qa")]
        crit = r.verdicts[1]["criteria"][0]
        assert crit["limit"] == "0.6–0.65 fraction" and crit["margin"] == pytest.approx(-0.05)
        assert r.verdicts[0]["analysis_ids"] == [1, 2, 3, 4]
        assert _count(s, Verdict) == 3
    with pytest.raises(LotError, match="no version 7"), db.session_scope(engine) as s:
        store.judge(s, "L1", user="qa", spec="film@7")


def test_missing_lab_value_is_incomplete_and_the_newest_lab_value_is_judged(engine, tmp_path):
    with db.session_scope(engine) as s:
        store.create_lot(s, "L1", user="qa")
        store.attach(s, "L1", fake_folder(tmp_path / "o", 2, porosity=0.7), user="qa")
        store.add_spec(s, SPEC_V1, user="qa")
        assert store.judge(s, "L1", user="qa", spec="film").outcome == "incomplete"
        store.add_lab(s, "L1", [("gas_permeability", 0.1, "ml/s")], user="lab")
        assert store.judge(s, "L1", user="qa", spec="film").outcome == "fail"
        store.add_lab(s, "L1", [("gas_permeability", 0.3, "ml/s")], user="lab")
        assert store.judge(s, "L1", user="qa", spec="film").outcome == "pass"


def test_every_change_is_an_audit_event(engine, tmp_path):
    from sqlalchemy import select

    with db.session_scope(engine) as s:
        store.create_lot(s, "L1", user="alice", product="film", meta={"roll": "7"})
        store.attach(s, "L1", fake_folder(tmp_path / "o", 2), user="bob")
        store.add_lab(s, "L1", [("gas_permeability", 5.0, "ml/s")], user="carol")
        store.add_spec(s, SPEC_V1, user="dave")
        store.judge(s, "L1", user="erin")
    with db.session_scope(engine) as s:
        events = [(e.user, e.action) for e in s.scalars(select(AuditEvent)
                                                       .order_by(AuditEvent.id))]
        assert events == [("alice", "create"), ("bob", "attach"), ("carol", "lab"),
                          ("dave", "spec"), ("erin", "judge")]
        r = store.lot_record(s, "L1")
        assert [e["action"] for e in r.events] == ["create", "attach", "lab", "judge"]
        assert r.events[1]["detail"]["new"] == 2 and r.meta == {"roll": "7"}
        assert abs(r.events[0]["at"] - utcnow()) < timedelta(minutes=10)


def test_list_failed_and_since(engine, tmp_path):
    with db.session_scope(engine) as s:
        for name, porosity in (("A", 0.7), ("B", 0.9), ("C", 0.7)):
            store.create_lot(s, name, user="qa", product="film")
            store.attach(s, name, fake_folder(tmp_path / name, 2, start=ord(name) * 10,
                                              porosity=porosity), user="qa")
        store.add_spec(s, SPEC_V1, user="qa")
        store.add_lab(s, "A", [("gas_permeability", 5.0, "ml/s")], user="qa")
        store.add_lab(s, "B", [("gas_permeability", 5.0, "ml/s")], user="qa")
        for name in "ABC":
            store.judge(s, name, user="qa")
    with db.session_scope(engine) as s:
        rows = store.list_lots(s)
        assert [(r["lot"], r["analyses"], r["outcome"]) for r in rows] == [
            ("A", 2, "pass"), ("B", 2, "fail"), ("C", 2, "incomplete")]
        assert [r["lot"] for r in store.list_lots(s, failed=True)] == ["B"]
        assert store.list_lots(s, since=utcnow() + timedelta(days=1)) == []
        from sqlalchemy import select

        from semscan.lots.models import Lot

        s.scalars(select(Lot).where(Lot.name == "B")).one().created_at = (
            utcnow() - timedelta(days=30))
    with db.session_scope(engine) as s:
        week = utcnow() - timedelta(days=7)
        assert [r["lot"] for r in store.list_lots(s, since=week)] == ["A", "C"]
        assert store.list_lots(s, failed=True, since=week) == []
        month = utcnow() - timedelta(days=31)
        assert [r["lot"] for r in store.list_lots(s, failed=True, since=month)] == ["B"]


def test_session_refuses_an_uninitialised_database(db_url):  # noqa: F811
    e = db.engine_for(db_url)
    with pytest.raises(LotError, match="run `semscan lots init`"), db.session_scope(e):
        pass
    e.dispose()


def test_the_shipped_meta_aramid_spec_is_stored_as_version_1(engine):
    with db.session_scope(engine) as s:
        assert store.add_spec(s, shipped_spec("meta_aramid_film"), user="qa") == (
            "meta-aramid-film", 1, True)


WRITER = """
import sys  # noqa: E402
from semscan.lots import db, store  # noqa: E402
e = db.engine_for(sys.argv[1])
for folder in sys.argv[2:]:
    with db.session_scope(e) as s:
        store.attach(s, "L1", folder, user="proc")
"""


@pytest.mark.slow
def test_four_processes_attach_400_analyses_to_one_database_at_once(db_url, tmp_path):  # noqa: F811
    """On SQLite (one file) and on PostgreSQL: no error and exact counts."""
    path = db_url
    e = db.engine_for(path)
    db.upgrade(e)
    with db.session_scope(e) as s:
        store.create_lot(s, "L1", user="qa")
    shared = fake_folder(tmp_path / "shared", 10, start=10_000, sample="shared")
    # each process: 100 analyses of its own in 4 folders of 25, and the 10 shared ones
    procs = []
    for p in range(4):
        folders = [fake_folder(tmp_path / f"p{p}-{k}", 25, start=p * 100 + k * 25,
                               sample=f"s{p}") for k in range(4)]
        args = [sys.executable, "-c", WRITER, str(path), *map(str, folders), str(shared)]
        procs.append(subprocess.Popen(args, cwd=REPO, stderr=subprocess.PIPE, text=True,
                                      env={"PYTHONPATH": str(REPO), "PATH": ""}))
    errors = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    with db.session_scope(e) as s:
        from sqlalchemy import func, select

        assert _count(s, Analysis) == 410 and _count(s, Image) == 410
        assert _count(s, SampleAnalysis) == 410
        attaches = s.scalars(select(AuditEvent).where(AuditEvent.action == "attach")).all()
        assert len(attaches) == 20
        assert sum(a.detail["new"] for a in attaches) == 410
        assert sum(a.detail["already_linked"] for a in attaches) == 30  # shared, 3 times
        r = store.lot_record(s, "L1")
        assert sorted(x["name"] for x in r.samples) == ["s0", "s1", "s2", "s3", "shared"]
        assert s.scalar(select(func.count(func.distinct(Analysis.image_id)))) == 410
    e.dispose()


def test_the_record_answers_why_a_lot_passed(engine, tmp_path):
    """Months later: which spec version, which images (sha256, config, semscan version,
    folder), which lab values, who and when, for the verdict that passed."""
    folder = fake_folder(tmp_path / "o", 2, porosity=0.7)
    with db.session_scope(engine) as s:
        store.create_lot(s, "L-0423", user="alice", product="film")
        store.attach(s, "L-0423", folder, user="bob")
        store.add_lab(s, "L-0423", [("gas_permeability", 5.0, "ml/s")], user="carol")
        store.add_spec(s, SPEC_V1, user="dave")
        store.judge(s, "L-0423", user="erin")
        store.add_spec(s, SPEC_V2, user="dave")
        store.judge(s, "L-0423", user="erin")
    with db.session_scope(engine, write=False) as s:
        r = store.lot_record(s, "L-0423")
        passed = next(v for v in r.verdicts if v["outcome"] == "pass")
        assert (passed["spec"], passed["version"], passed["by"]) == ("film", 1, "erin")
        assert [c["status"] for c in passed["criteria"]] == ["pass", "pass"]
        judged = [a for a in r.analyses if a["id"] in passed["analysis_ids"]]
        assert sorted(a["sha256"] for a in judged) == [f"{i:064x}" for i in range(2)]
        assert {(a["config_hash"], a["semscan_version"], a["out_dir"]) for a in judged} == {
            ("cfg0", "0.1.0", str(folder.resolve()))}
        from sqlalchemy import select

        spec_text = s.scalars(select(SpecVersion).where(SpecVersion.version == 1)).one().text
        assert spec_text == SPEC_V1
        judge_events = [e for e in r.events if e["action"] == "judge"]
        assert [(e["detail"]["version"], e["detail"]["outcome"], e["user"])
                for e in judge_events] == [(1, "pass", "erin"), (2, "fail", "erin")]
        assert [(m["name"], m["value"], m["unit"], m["by"]) for m in r.lab] == [
            ("gas_permeability", 5.0, "ml/s", "carol")]
