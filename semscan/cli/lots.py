"""``semscan lots ...`` (the QA lot database) and the process checks ``semscan
process-window`` and ``semscan rolling``.

Every ``lots`` command takes ``--db`` (a file path or a ``postgresql+psycopg://`` URL; default
``$SEMSCAN_DB``, else ``semscan-lots.db`` here) and ``--user`` (who is recorded in the audit
trail; default the OS user). Needs ``pip install "semscan[db]"``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from semscan.cli._console import fail, msg, out
from semscan.errors import SemscanError

__all__ = ["app", "process_window_cmd", "rolling_cmd"]

app = typer.Typer(help="QA lots: attach analyses and lab values, judge against a spec.",
                  no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})
spec_app = typer.Typer(help="Lot specifications (TOML, versioned).", no_args_is_help=True,
                       context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(spec_app, name="spec")

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Database file or postgresql+psycopg:// URL (default $SEMSCAN_DB, else "
                 "semscan-lots.db).")]
UserOpt = Annotated[str | None, typer.Option("--user", help="Who to record (default: OS user).")]


def _need_db() -> None:
    missing = [p for p in ("sqlalchemy", "alembic") if importlib.util.find_spec(p) is None]
    if missing:
        fail(f"the lot database needs {', '.join(missing)}, which is not installed; install "
             'the db extra: pip install "semscan[db]"')


@contextmanager
def _session(db: str | None, *, write: bool = True) -> Iterator[Any]:
    _need_db()
    from semscan.lots.db import engine_for, session_scope

    try:
        engine = engine_for(db)
        try:
            with session_scope(engine, write=write) as session:
                yield session
        finally:
            engine.dispose()
    except SemscanError as exc:
        fail(str(exc))
    except Exception as exc:  # the database refused: connection, constraint
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            why = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [repr(exc)]
            fail(f"the lot database refused the change: {why[0]}")
        raise


def _user(user: str | None) -> str:
    from semscan.lots.db import current_user

    return current_user(user)


@app.command("init")
def init(db: DbOpt = None, user: UserOpt = None) -> None:
    """Create the lot database, or migrate it to the latest version."""
    _need_db()
    from semscan.lots.db import database_url, engine_for, upgrade

    try:
        engine = engine_for(db)
        upgrade(engine)
        engine.dispose()
    except SemscanError as exc:
        fail(str(exc))
    out.print(f"lot database ready: {msg(database_url(db))}")


@app.command("create")
def create(
    lot: Annotated[str, typer.Argument(help="Lot name, e.g. L-0423.")],
    product: Annotated[str | None, typer.Option("--product", help="Product (= spec name).")]
    = None,
    meta: Annotated[list[str] | None, typer.Option("--meta", help="k=v, repeatable.")] = None,
    db: DbOpt = None, user: UserOpt = None,
) -> None:
    """Create a lot."""
    pairs = {}
    for item in meta or []:
        k, sep, v = item.partition("=")
        if not sep or not k.strip():
            fail(f"--meta {item!r} is not k=v; e.g. --meta roll=7")
        pairs[k.strip()] = v.strip()
    from semscan.lots.store import create_lot

    with _session(db) as s:
        create_lot(s, lot, user=_user(user), product=product, meta=pairs)
    out.print(f"created lot {msg(lot)}")


@app.command("attach")
def attach(
    lot: Annotated[str, typer.Argument(help="Lot name.")],
    out_dir: Annotated[Path, typer.Argument(help="Output folder of `semscan analyze --out`.")],
    sample: Annotated[str | None, typer.Option("--sample", help="Only this sample's images.")]
    = None,
    db: DbOpt = None, user: UserOpt = None,
) -> None:
    """Attach a batch folder's analyses (images/*.json) to a lot; again is a no-op."""
    from semscan.lots.store import attach as do_attach

    with _session(db) as s:
        res = do_attach(s, lot, out_dir, user=_user(user), sample=sample)
    out.print(f"attached to {msg(lot)}: {res.linked} analysis(es) linked, {res.already_linked} "
              f"already there; {res.new} new in the database, {res.existing} known; "
              f"samples {', '.join(map(msg, res.samples))}")


@app.command("lab")
def lab(
    lot: Annotated[str, typer.Argument(help="Lot name.")],
    values: Annotated[list[str], typer.Argument(help="name=value[unit], e.g. "
                                                     "gas_permeability=12.5ml/s.")],
    db: DbOpt = None, user: UserOpt = None,
) -> None:
    """Add lab values to a lot (the newest value of a name is judged)."""
    from semscan.lots.store import add_lab, parse_lab_value

    try:
        parsed = [parse_lab_value(v) for v in values]
    except SemscanError as exc:
        fail(str(exc))
    with _session(db) as s:
        add_lab(s, lot, parsed, user=_user(user))
    out.print(f"{len(parsed)} lab value(s) added to {msg(lot)}")


@spec_app.command("add")
def spec_add(
    file: Annotated[str, typer.Argument(help="Spec TOML file, or a shipped name "
                                             "(meta_aramid_film, whisker_film, pvdf_membrane, "
                                             "rolled_polyolefin_film).")],
    db: DbOpt = None, user: UserOpt = None,
) -> None:
    """Store a spec; a changed text becomes its next version."""
    from semscan.lots.specs import read_spec_file
    from semscan.lots.store import add_spec

    try:
        spec = read_spec_file(file)
    except SemscanError as exc:
        fail(str(exc))
    with _session(db) as s:
        name, version, new = add_spec(s, spec.text, user=_user(user), where=str(file))
    out.print(f"spec {msg(name)} version {version}" + ("" if new else " (unchanged)"))


@app.command("judge")
def judge(
    lot: Annotated[str, typer.Argument(help="Lot name.")],
    spec: Annotated[str | None, typer.Option("--spec", help="NAME or NAME@VERSION (default: "
                                                            "the lot's product).")] = None,
    db: DbOpt = None, user: UserOpt = None,
) -> None:
    """Judge a lot against a spec; the verdict is added (earlier verdicts stay)."""
    from semscan.lots.store import judge as do_judge

    with _session(db) as s:
        v = do_judge(s, lot, user=_user(user), spec=spec)
        label = f"{v.spec_version.spec.name}@{v.spec_version.version}"
        crit = list(v.criteria)
        outcome = v.outcome
    _criteria_table(crit, f"{lot} against {label}: {outcome}")
    if outcome == "fail":
        raise typer.Exit(1)


def _criteria_table(criteria: list[dict[str, Any]], title: str) -> None:
    from semscan.report.lot import _fmt

    t = Table(title=msg(title))
    for col in ("criterion", "value", "limit", "margin", "status", "note"):
        t.add_column(col)
    for c in criteria:
        t.add_row(msg(c["name"]), _fmt(c["value"]), msg(c["limit"]), _fmt(c["margin"]),
                  c["status"], msg(c["note"]))
    out.print(t)


@app.command("show")
def show(lot: Annotated[str, typer.Argument(help="Lot name.")], db: DbOpt = None) -> None:
    """A lot: samples, analyses, lab values, the latest verdict, the audit trail."""
    from semscan.lots.store import lot_record

    with _session(db, write=False) as s:
        r = lot_record(s, lot)
    out.print(f"lot {msg(r.name)}  product {msg(r.product or '-')}  created {r.created_at} "
              f"by {msg(r.created_by)}  {msg(r.meta) if r.meta else ''}")
    for smp in r.samples:
        n = sum(a["sample"] == smp["name"] for a in r.analyses)
        out.print(f"sample {msg(smp['name'])}: {n} analysis(es)")
    for a in r.analyses:
        out.print(f"  {msg(a['file'])} {a['view'] or '?'} sha256 {a['sha256'][:12]} config "
                  f"{a['config_hash']} semscan {a['semscan_version']}")
    for m in r.lab:
        out.print(f"lab {msg(m['name'])} = {m['value']:g} {msg(m['unit'])} ({m['at']}, "
                  f"{msg(m['by'])})")
    for v in r.verdicts:
        out.print(f"verdict {v['id']}: {v['outcome']} against {msg(v['spec'])}@{v['version']} "
                  f"({v['at']}, {msg(v['by'])})")
    if r.verdicts:
        _criteria_table(r.verdicts[-1]["criteria"], "latest verdict")
    for e in r.events:
        out.print(f"event {e['at']} {msg(e['user'])} {e['action']} "
                  f"{msg(json.dumps(e['detail'], ensure_ascii=False))}")


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        fail(f"--since {text!r} is not a date; give YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)")


@app.command("list")
def list_cmd(
    failed: Annotated[bool, typer.Option("--failed", help="Only lots whose latest verdict "
                                                          "failed.")] = False,
    since: Annotated[str | None, typer.Option("--since", help="Created on or after "
                                                              "YYYY-MM-DD (UTC).")] = None,
    db: DbOpt = None,
) -> None:
    """The lots, with their analyses and latest verdict."""
    from semscan.lots.store import list_lots

    with _session(db, write=False) as s:
        rows = list_lots(s, failed=failed, since=_since(since))
    t = Table()
    for col in ("lot", "product", "created (UTC)", "analyses", "latest verdict", "spec"):
        t.add_column(col)
    for r in rows:
        t.add_row(msg(r["lot"]), msg(r["product"]), str(r["created_at"])[:19],
                  str(r["analyses"]), r["outcome"] or "-", msg(r["spec"]))
    out.print(t)
    out.print(f"{len(rows)} lot(s)")


@app.command("export")
def export(
    output: Annotated[Path | None, typer.Option("--out", "-o", help="File: .csv or .parquet "
                                                                    "(default: CSV to stdout).")]
    = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or parquet (default: from "
                                                             "the --out suffix).")] = None,
    lot: Annotated[str | None, typer.Option("--lot", help="Only this lot.")] = None,
    db: DbOpt = None,
) -> None:
    """Every lot, sample, analysis, lab value, verdict and criterion: one row per value,
    with its unit (CSV or parquet)."""
    from semscan.lots.store import list_lots, lot_record
    from semscan.report.lot_export import export_format, write_export

    try:
        kind = export_format(output, fmt)
    except SemscanError as exc:
        fail(str(exc))
    if kind == "parquet" and output is None:
        fail("parquet cannot go to the terminal; give --out FILE.parquet")
    with _session(db, write=False) as s:
        names = [lot] if lot else [r["lot"] for r in list_lots(s)]
        records = [lot_record(s, name) for name in names]
    try:
        n = write_export(records, output if output else sys.stdout, fmt=kind)
    except SemscanError as exc:
        fail(str(exc))
    if output:
        out.print(f"{n} row(s) of {len(records)} lot(s): {msg(output)}")


@app.command("report")
def report(
    lot: Annotated[str, typer.Argument(help="Lot name.")],
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Folder (default: "
                                                                    "lot-<LOT>).")] = None,
    db: DbOpt = None,
) -> None:
    """Write the lot report (HTML, and PDF when WeasyPrint is installed)."""
    from semscan.lots.store import lot_record
    from semscan.report.lot import write_lot_report

    with _session(db, write=False) as s:
        record = lot_record(s, lot)
    folder = output or Path(f"lot-{''.join(c if c.isalnum() or c in '-_.' else '_' for c in lot)}")
    try:
        files = write_lot_report(record, folder)
    except SemscanError as exc:
        fail(str(exc))
    out.print(f"lot report: {msg(files.html)}")
    if files.pdf:
        out.print(f"PDF: {msg(files.pdf)}")
    out.print(f"{files.overlays} overlay(s) in {msg(folder / 'overlays')}, {files.plots} "
              f"structure plot(s) in {msg(folder / 'plots')}")


def process_window_cmd(
    table: Annotated[Path, typer.Argument(help="CSV with columns Ts, TL, P (°C, %, %).")],
    ts: Annotated[float | None, typer.Option("--ts", help="Check this dissolution "
                                                          "temperature (°C).")] = None,
) -> None:
    """Percolation window Tl, Tu of a solvent (PVDF patent; METHODS.md 9)."""
    from semscan.lots.process import process_window, read_window_csv

    try:
        w = process_window(*read_window_csv(table), check_ts_c=ts)
    except SemscanError as exc:
        fail(str(exc))
    out.print(f"Tl = {w.tl_c:g} °C, Tu = {w.tu_c:g} °C: the solvent "
              + ("qualifies (Tu > Tl)" if w.qualifies else "does not qualify (Tu <= Tl)"))
    if w.ts_c is not None:
        out.print(f"Ts {w.ts_c:g} °C is " + ("inside" if w.ts_in_window else "outside")
                  + " [Tl, Tu]")
    out.print(f"attach: semscan lots lab LOT solvent_tl={w.tl_c:g}°C solvent_tu={w.tu_c:g}°C"
              + (f" dissolution_ts={w.ts_c:g}°C" if w.ts_c is not None else ""))
    if not w.qualifies or w.ts_in_window is False:
        raise typer.Exit(1)


def rolling_cmd(
    t0: Annotated[float, typer.Option("--t0", help="Roll clearance (µm).")],
    t: Annotated[float, typer.Option("--t", help="Sheet thickness after release (µm).")],
    before: Annotated[float, typer.Option("--before", help="Thickness before rolling (µm).")],
    after: Annotated[float, typer.Option("--after", help="Thickness after rolling (µm).")],
    minutes: Annotated[float, typer.Option("--minutes", help="Rolling time (min).")],
) -> None:
    """Elastic recovery r and rolling coefficient k (polyolefin patent; METHODS.md 9)."""
    from semscan.lots.process import rolling_check

    try:
        c = rolling_check(t0_um=t0, t_um=t, before_um=before, after_um=after, minutes=minutes)
    except SemscanError as exc:
        fail(str(exc))
    out.print(f"r = {c.r_pct:.6g} % (limit <= {c.r_max_pct:g} %): "
              + ("ok" if c.r_ok else "out of limit"))
    out.print(f"k = {c.k:.6g} (limit >= {c.k_min:g}): " + ("ok" if c.k_ok else "out of limit"))
    out.print(f"attach: semscan lots lab LOT elastic_recovery={c.r_pct:.6g}% "
              f"rolling_coefficient={c.k:.6g}")
    if not (c.r_ok and c.k_ok):
        raise typer.Exit(1)
