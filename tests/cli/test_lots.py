"""semscan.cli.lots: the README's QA-lots session end to end on SQLite and PostgreSQL (the
bundled samples analysed once, then every `semscan lots` line of the README), and the
process-check commands."""

from __future__ import annotations

import csv
import re
import shlex
from pathlib import Path

import pytest

from semscan.cli.app import app
from tests._lotdb import db_url, fake_folder, pg_server  # noqa: F401
from tests.cli._helpers import REPO, _semscan, runner


def _session_lines() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- lots-session -->\n```bash\n(.*?)```", text, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines()
            if line.startswith("semscan lots ")]


@pytest.fixture(scope="module")
def samples_out(tmp_path_factory) -> Path:
    """out/samples of the README's first command (the bundled data/ analysed)."""
    root = tmp_path_factory.mktemp("readme")
    (root / "data").symlink_to(REPO / "data")
    res = _semscan("analyze", "data", "--out", "out/samples", cwd=root)
    assert res.returncode == 0, res.stderr[-2000:]
    return root / "out" / "samples"


def _run(args: list[str], url: str):
    return runner.invoke(app, args, env={"SEMSCAN_DB": url, "COLUMNS": "200"})


@pytest.mark.slow
def test_readme_session_end_to_end(samples_out, db_url, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "samples").symlink_to(samples_out)
    lines = _session_lines()
    assert [shlex.split(x)[2] for x in lines] == ["init", "create", "attach", "lab", "spec",
                                                  "judge", "report", "show"]
    outputs = {}
    for line in lines:
        res = _run(shlex.split(line)[1:], db_url)
        outputs[shlex.split(line)[2]] = res
        expected = 1 if shlex.split(line)[2] == "judge" else 0  # the verdict is fail
        assert res.exit_code == expected, (line, res.output)
    with (samples_out / "results.csv").open(encoding="utf-8-sig") as fh:
        xs = next(r for r in csv.DictReader(fh) if r["view"] == "cross-section")
    judged = outputs["judge"].output
    assert "L-0423 against meta-aramid-film@1: fail" in judged
    statuses = re.findall(r"│ (porosity|laminar coefficient|thickness|gas permeability|"
                          r"permeability retained[^│]*|specific Young's modulus)\s*│"
                          r"[^│]*│[^│]*│[^│]*│ (\w+)", judged)
    assert [s for _, s in statuses] == ["fail", "pass", "pass", "pass", "pass", "pass"]
    assert "attached to L-0423: 2 analysis(es) linked" in outputs["attach"].output
    html = (tmp_path / "lot-L-0423" / "lot-report.html").read_text(encoding="utf-8")
    value = float(re.search(r'data-criterion="porosity">.*?data-value="([^"]+)"', html).group(1))
    assert value == float(xs["areal_porosity"])
    kappa = float(re.search(r'data-criterion="laminar coefficient">.*?data-value="([^"]+)"',
                            html).group(1))
    assert kappa == float(xs["xs_kappa"])
    margin = float(re.search(r'data-criterion="porosity">.*?data-margin="([^"]+)"',
                             html).group(1))
    assert margin == pytest.approx(float(xs["areal_porosity"]) - 0.6)
    assert len(list((tmp_path / "lot-L-0423" / "overlays").glob("*.png"))) == 2
    assert html.count('<figure class="overlay">') == 2
    plots = sorted(p.name.split("-", 1)[0]
                   for p in (tmp_path / "lot-L-0423" / "plots").glob("*.svg"))
    assert len(plots) >= 7 and set(plots) == {"1", "2"}  # every image has its plots
    assert html.count('<figure class="plot rose"><svg') == 2
    assert html.count('<figure class="plot depth"><svg') == 1  # the cross-section
    assert f"{len(plots)} structure plot(s)" in outputs["report"].output
    pytest.importorskip("weasyprint")
    assert (tmp_path / "lot-L-0423" / "lot-report.pdf").read_bytes()[:5] == b"%PDF-"


def test_list_export_rejudge_and_errors(db_url, tmp_path):  # noqa: F811
    spec = tmp_path / "film.toml"
    spec.write_text('name = "film"\n[[criteria]]\nname = "p"\nvalue = "result:areal_porosity"\n'
                    'min = 0.6\nunit = "fraction"\nsource = "claim 1"\n')
    folder = fake_folder(tmp_path / "out", 3, porosity=0.7)
    for args in (["init"], ["create", "L1", "--product", "film"], ["attach", "L1", str(folder)],
                 ["spec", "add", str(spec)], ["judge", "L1"]):
        res = _run(["lots", *args, "--user", "qa"], db_url)
        assert res.exit_code == 0, (args, res.output)
    spec.write_text(spec.read_text().replace("min = 0.6", "min = 0.75"))
    assert "version 2" in _run(["lots", "spec", "add", str(spec)], db_url).output
    assert _run(["lots", "judge", "L1"], db_url).exit_code == 1
    res = _run(["lots", "list", "--failed"], db_url)
    assert "L1" in res.output and "film@2" in res.output and "1 lot(s)" in res.output
    assert "0 lot(s)" in _run(["lots", "list", "--since", "2999-01-01"], db_url).output
    shown = _run(["lots", "show", "L1"], db_url).output
    assert "verdict 1: pass against film@1" in shown and "verdict 2: fail against film@2" in shown
    verdicts = [line for line in _run(["lots", "export"], db_url).output.splitlines()
                if ",verdict," in line]
    assert [v.split(",")[10] for v in verdicts] == ["film@1", "film@2"]
    bad = _run(["lots", "attach", "NOPE", str(folder)], db_url)
    assert bad.exit_code == 2 and "no lot 'NOPE'" in bad.output
    bad = _run(["lots", "lab", "L1", "gas=abc"], db_url)
    assert bad.exit_code == 2 and "is not name=value[unit]" in bad.output


def test_commands_refuse_an_uninitialised_database(tmp_path):
    res = _run(["lots", "list"], str(tmp_path / "new.db"))
    assert res.exit_code == 2 and "run `semscan lots init` first" in res.output


def test_process_window_command_gives_the_patent_example(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("Ts,TL,P\n135,380,42.0\n140,400,54.0\n145,353,54.6\n150,290,54.3\n"
                    "155,90,52.9\n160,75,53.5\n")
    res = runner.invoke(app, ["process-window", str(path), "--ts", "145"])
    assert res.exit_code == 0, res.output
    assert "Tl = 137.5 °C, Tu = 152.5 °C: the solvent qualifies" in res.output
    assert "Ts 145 °C is inside [Tl, Tu]" in res.output
    line = re.search(r"attach: semscan lots (lab LOT .*)", res.output).group(1)
    from semscan.lots.store import parse_lab_value

    assert [parse_lab_value(x) for x in shlex.split(line)[2:]] == [
        ("solvent_tl", 137.5, "°C"), ("solvent_tu", 152.5, "°C"), ("dissolution_ts", 145.0, "°C")]
    assert runner.invoke(app, ["process-window", str(path), "--ts", "160"]).exit_code == 1


def test_rolling_command():
    res = runner.invoke(app, ["rolling", "--t0", "20", "--t", "23", "--before", "100",
                              "--after", "25", "--minutes", "1.5"])
    assert res.exit_code == 0, res.output
    assert "r = 15 %" in res.output and "k = 6 " in res.output
    assert "elastic_recovery=15% rolling_coefficient=6" in res.output
    bad = runner.invoke(app, ["rolling", "--t0", "20", "--t", "25", "--before", "50",
                              "--after", "25", "--minutes", "2"])
    assert bad.exit_code == 1 and "out of limit" in bad.output


@pytest.mark.parametrize("command", [["lots"], ["lots", "attach"], ["lots", "spec", "add"],
                                     ["process-window"], ["rolling"]])
def test_h_is_help(command):
    res = runner.invoke(app, [*command, "-h"])
    assert res.exit_code == 0 and "Usage:" in res.stdout


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_round_trips_every_value_of_the_database(db_url, tmp_path, suffix):  # noqa: F811
    """CSV and parquet read back with pandas hold exactly the database's values and units."""
    import pandas as pd
    from sqlalchemy import select

    from semscan.lots import db
    from semscan.lots.models import Analysis, LabMeasurement, Verdict

    folder = fake_folder(tmp_path / "out", 2, porosity=0.6875, view="cross-section")
    (folder / "samples.csv").write_text("sample,ratio_R,ratio_verdict\ns1,1.25,similar\n")
    spec = tmp_path / "film.toml"
    spec.write_text('name = "film"\n[[criteria]]\nname = "p"\nvalue = "result:areal_porosity"'
                    '\nmin = 0.6\nunit = "fraction"\nsource = "claim 1"\n')
    for args in (["init"], ["create", "L1", "--product", "film", "--meta", "roll=7"],
                 ["attach", "L1", str(folder)], ["lab", "L1", "gas_permeability=12.5ml/s",
                                                 "thickness=4.1um"],
                 ["spec", "add", str(spec)], ["judge", "L1"]):
        res = _run(["lots", *args, "--user", "qa"], db_url)
        assert res.exit_code == 0, (args, res.output)
    path = tmp_path / f"lots{suffix}"
    res = _run(["lots", "export", "--out", str(path)], db_url)
    assert res.exit_code == 0, res.output
    from semscan.report.lot_export import EXPORT_COLUMNS

    text = {c: "string" for c in EXPORT_COLUMNS if c not in ("id", "value", "margin", "at")}
    frame = (pd.read_parquet(path) if suffix == ".parquet"
             else pd.read_csv(path, dtype=text | {"id": "Int64"}, parse_dates=["at"]))
    by = {rec: part for rec, part in frame.groupby("record")}
    assert set(by) == {"lot", "sample", "analysis", "lab", "verdict", "criterion"}
    assert (frame["lot"] == "L1").all() and (frame["product"] == "film").all()
    assert by["lot"].set_index("name").loc["meta:roll", "text"] == "7"
    smp = by["sample"].set_index("name")
    assert smp.loc["ratio_R", "value"] == 1.25 and smp.loc["ratio_verdict", "text"] == "similar"
    e = db.engine_for(db_url)
    with db.session_scope(e, write=False) as s:
        analyses = s.scalars(select(Analysis).order_by(Analysis.id)).all()
        got = by["analysis"]
        assert sorted(set(got["id"])) == [a.id for a in analyses]
        n_cells = 0
        for a in analyses:
            mine = got[got["id"] == a.id].set_index("name")
            assert set(mine["sha256"]) == {a.image.sha256}
            assert set(mine["config_hash"]) == {a.config_hash}
            assert set(mine["view"]) == {"cross-section"}
            for col, cell in a.row.items():
                n_cells += 1
                if isinstance(cell, float):
                    assert mine.loc[col, "value"] == cell, col
                elif cell is None:
                    assert pd.isna(mine.loc[col, "value"]) and pd.isna(mine.loc[col, "text"])
                else:
                    assert mine.loc[col, "text"] == str(cell), col
        assert n_cells == len(got) and n_cells > 10
        assert got.set_index(["id", "name"]).loc[(analyses[0].id, "xs_thickness_mean_um"),
                                                 "unit"] == "µm"
        assert set(got[got["name"] == "areal_porosity"]["unit"]) == {"fraction"}
        lab = s.scalars(select(LabMeasurement).order_by(LabMeasurement.id)).all()
        assert [(r.name, r.value, r.unit) for r in by["lab"].itertuples()] == [
            (m.name, m.value, m.unit) for m in lab]
        assert [(m.name, m.value, m.unit) for m in lab] == [
            ("gas_permeability", 12.5, "ml/s"), ("thickness", 4.1, "um")]
        verdict = s.scalars(select(Verdict)).one()
        assert list(by["verdict"]["text"]) == [verdict.outcome] == ["pass"]
        crit = by["criterion"].iloc[0]
        c = verdict.criteria[0]
        assert (crit["name"], crit["value"], crit["limit"], crit["status"], crit["unit"]) == (
            c["name"], c["value"], c["limit"], c["status"], c["unit"])
        assert crit["margin"] == c["margin"] and crit["spec"] == "film@1"
        assert abs(crit["at"] - verdict.created_at).total_seconds() < 1e-3
    e.dispose()
    if suffix == ".parquet":
        bad = _run(["lots", "export", "--format", "parquet"], db_url)
        assert bad.exit_code == 2 and "give --out FILE.parquet" in bad.output


def _sql_block(marker: str) -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"<!-- {marker} -->\n```sql\n(.*?)```", text, re.S).group(1)
    body = "\n".join(line for line in block.splitlines() if not line.startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def test_postgresql_roles_of_the_readme(pg_server, tmp_path):  # noqa: F811
    """The README's owner / QA / auditor roles on a real server: the owner migrates, QA
    does the whole session but cannot change or delete what is stored, nor migrate; the
    auditor reads everything (show, list, export, report) and every write is refused."""
    import psycopg

    folder, port = pg_server

    def url(role: str) -> str:
        return f"postgresql+psycopg://{role}@/lots?host={folder}&port={port}"

    def sql(role: str, dbname: str, statements: list[str]) -> None:
        with psycopg.connect(host=str(folder), port=port, user=role, dbname=dbname,
                             autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def refused(role: str, statement: str) -> bool:
        try:
            sql(role, "lots", [statement])
        except psycopg.errors.InsufficientPrivilege:
            return True
        return False

    sql("postgres", "postgres", _sql_block("lots-roles-superuser"))
    assert _run(["lots", "init"], url("lots_owner")).exit_code == 0
    sql("lots_owner", "lots", _sql_block("lots-roles-grants"))

    qa = url("lots_qa")
    spec = tmp_path / "film.toml"
    spec.write_text('name = "film"\n[[criteria]]\nname = "p"\nvalue = "result:areal_porosity"\n'
                    'min = 0.6\nunit = "fraction"\nsource = "claim 1"\n')
    out = fake_folder(tmp_path / "out", 3, porosity=0.7)
    (out / "samples.csv").write_text("sample,ratio_R\ns1,1.5\n")
    again = fake_folder(tmp_path / "again", 3, porosity=0.7)
    (again / "samples.csv").write_text("sample,ratio_R\ns1,1.25\n")  # updates the summary
    for args in (["init"], ["create", "L1", "--product", "film"], ["attach", "L1", str(out)],
                 ["attach", "L1", str(again)], ["lab", "L1", "gas_permeability=5ml/s"],
                 ["spec", "add", str(spec)], ["judge", "L1"]):
        res = _run(["lots", *args, "--user", "qa"], qa)
        assert res.exit_code == 0, (args, res.output)
    for statement in ("UPDATE verdict SET outcome = 'fail'", "DELETE FROM audit_event",
                      "UPDATE analysis SET view = 'x'", "DELETE FROM lab_measurement",
                      "UPDATE lot SET product = 'other'", "INSERT INTO alembic_version "
                      "VALUES ('x')", "DROP TABLE verdict", "CREATE TABLE t (x int)"):
        assert refused("lots_qa", statement), statement
    from semscan.lots import db

    e = db.engine_for(qa)
    with pytest.raises(Exception, match="must be owner"):
        db.downgrade(e)
    assert db.is_current(e)
    e.dispose()

    auditor = url("lots_auditor")
    shown = _run(["lots", "show", "L1"], auditor)
    assert shown.exit_code == 0 and "verdict 1: pass against film@1" in shown.output
    assert "1 lot(s)" in _run(["lots", "list"], auditor).output
    export = _run(["lots", "export", "--out", str(tmp_path / "a.parquet")], auditor)
    assert export.exit_code == 0, export.output
    import pandas as pd

    rows = pd.read_parquet(tmp_path / "a.parquet")
    assert rows.set_index(["record", "name"]).loc[("sample", "ratio_R"), "value"] == 1.25
    rep = _run(["lots", "report", "L1", "--out", str(tmp_path / "rep")], auditor)
    assert rep.exit_code == 0, rep.output
    spec2 = tmp_path / "film2.toml"
    spec2.write_text(spec.read_text().replace("min = 0.6", "min = 0.5"))
    for args in (["create", "L2"], ["lab", "L1", "gas_permeability=1ml/s"],
                 ["spec", "add", str(spec2)], ["judge", "L1"],
                 ["attach", "L1", str(out)]):
        res = _run(["lots", *args, "--user", "auditor"], auditor)
        assert res.exit_code == 2 and "permission denied" in res.output, (args, res.output)
    for statement in ("INSERT INTO lot (name, meta, created_at, created_by) "
                      "VALUES ('x', '{}', now(), 'a')", "UPDATE sample SET summary = '{}'",
                      "DELETE FROM verdict"):
        assert refused("lots_auditor", statement), statement
    assert refused("lots_auditor", "CREATE TABLE t (x int)")
    # nothing the refused writes tried is in the database
    e = db.engine_for(url("lots_owner"))
    with db.session_scope(e, write=False) as s:
        from semscan.lots import store

        r = store.lot_record(s, "L1")
        assert [v["outcome"] for v in r.verdicts] == ["pass"] and len(r.lab) == 1
        assert [x["lot"] for x in store.list_lots(s)] == ["L1"]
        assert [ev["user"] for ev in r.events] == ["qa"] * 5
    e.dispose()
