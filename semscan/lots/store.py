"""What the ``semscan lots`` commands do, as functions of a session.

Every function that changes the database writes an :class:`~semscan.lots.models.AuditEvent`
(who, when, what) in the same transaction. Nothing is overwritten: an analysis is stored
once (attaching it again links nothing new), lab values are appended (the newest value of a
name is the one judged), a spec's new text is a new version, and every judgement is a new
verdict.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from semscan import __version__
from semscan.errors import LotError
from semscan.lots.models import (
    Analysis,
    AuditEvent,
    Image,
    LabMeasurement,
    Lot,
    Sample,
    SampleAnalysis,
    Spec,
    SpecVersion,
    Verdict,
)
from semscan.lots.specs import LotValues, evaluate, parse_spec

__all__ = ["AttachResult", "LotRecord", "add_lab", "add_spec", "attach", "audit",
           "create_lot", "get_lot", "judge", "list_lots", "lot_record", "parse_lab_value"]

_LAB = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
                  r"\s*\[?\s*([^\]]*?)\s*\]?\s*$")


def audit(session: Session, user: str, action: str, lot: Lot | None = None,
          **detail: Any) -> None:
    """Record a change."""
    session.add(AuditEvent(user=user, action=action, lot_id=None if lot is None else lot.id,
                           detail=detail))


def get_lot(session: Session, name: str) -> Lot:
    lot = session.scalar(select(Lot).where(Lot.name == name))
    if lot is None:
        known = session.scalars(select(Lot.name).order_by(Lot.id.desc()).limit(5)).all()
        raise LotError(f"no lot {name!r} in the database (latest: {list(known)}); create it "
                       "with `semscan lots create`")
    return lot


def create_lot(session: Session, name: str, *, user: str, product: str | None = None,
               meta: dict[str, str] | None = None) -> Lot:
    """A new lot; its name must be new."""
    if not name.strip():
        raise LotError("a lot needs a name; received an empty one")
    if session.scalar(select(Lot.id).where(Lot.name == name)) is not None:
        raise LotError(f"lot {name!r} exists already; give another name or use it")
    lot = Lot(name=name, product=product, meta=dict(meta or {}), created_by=user)
    session.add(lot)
    session.flush()
    audit(session, user, "create", lot, product=product, meta=dict(meta or {}))
    return lot


@dataclass(frozen=True)
class AttachResult:
    """What :func:`attach` did: analyses stored new, already stored, newly linked to the
    lot, already linked (no-ops), and the samples touched."""

    new: int
    existing: int
    linked: int
    already_linked: int
    samples: tuple[str, ...]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LotError(f"cannot read {path}: {exc}; attach a complete `semscan analyze` "
                       "output folder (rerun the batch to finish it)") from exc


def _samples_csv(out_dir: Path) -> dict[str, dict[str, Any]]:
    path = out_dir / "samples.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return {r["sample"]: dict(r) for r in csv.DictReader(fh) if r.get("sample")}


def attach(session: Session, lot_name: str, out_dir: str | Path, *, user: str,
           sample: str | None = None) -> AttachResult:
    """Attach the analyses of a ``semscan analyze`` output folder to a lot.

    Each ``images/*.json`` becomes (once) an analysis keyed by image sha256, config hash and
    semscan version, with its results row, config and provenance (the folder, its
    ``run.json`` command, versions and host); it is linked to the lot's sample of the same
    name (``--sample``: only that sample's images). Attaching again is a no-op.

    Raises
    ------
    LotError
        Unknown lot, a folder without ``images/*.json``, or no image of ``sample``.
    """
    lot = get_lot(session, lot_name)
    out_dir = Path(out_dir).resolve()
    files = sorted((out_dir / "images").glob("*.json"))
    if not files:
        raise LotError(f"{out_dir} holds no images/*.json; give the --out folder of "
                       "`semscan analyze`")
    run = _read_json(out_dir / "run.json") if (out_dir / "run.json").is_file() else {}
    run_prov = {k: run.get(k) for k in ("command", "started", "host", "versions", "status")}
    sample_rows = _samples_csv(out_dir)
    docs = [(p, _read_json(p)) for p in files]
    if sample is not None:
        docs = [(p, d) for p, d in docs if (d.get("row") or {}).get("sample") == sample]
        if not docs:
            raise LotError(f"{out_dir} has no image of sample {sample!r}; samples there: "
                           f"{sorted(sample_rows)}")
    new = existing = linked = already = 0
    touched: dict[str, Sample] = {}
    for path, doc in docs:
        row = doc.get("row") or {}
        key = (doc.get("sha256"), doc.get("config_hash"), doc.get("semscan_version"))
        if not all(isinstance(k, str) and k for k in key):
            raise LotError(f"{path} lacks sha256, config_hash or semscan_version; attach a "
                           "folder written by `semscan analyze`")
        image = session.scalar(select(Image).where(Image.sha256 == key[0]))
        if image is None:
            image = Image(sha256=key[0], file_name=str(doc.get("file") or row.get("file")))
            session.add(image)
            session.flush()
        analysis = session.scalar(select(Analysis).where(
            Analysis.image_id == image.id, Analysis.config_hash == key[1],
            Analysis.semscan_version == key[2]))
        if analysis is None:
            overlay = row.get("overlay")
            analysis = Analysis(
                image_id=image.id, config_hash=key[1], semscan_version=key[2],
                view=row.get("view") or doc.get("view"), row=_clean(row),
                config=doc.get("config") or {},
                provenance={"out_dir": str(out_dir), "json": path.name,
                            "input": doc.get("input"), "finished_at": doc.get("finished_at"),
                            "run": run_prov},
                overlay=str(out_dir / overlay) if overlay else None)
            session.add(analysis)
            session.flush()
            new += 1
        else:
            existing += 1
        name = str(row.get("sample") or doc.get("sample") or "default")
        smp = touched.get(name) or session.scalar(
            select(Sample).where(Sample.lot_id == lot.id, Sample.name == name))
        if smp is None:
            smp = Sample(lot_id=lot.id, name=name, summary={})
            session.add(smp)
            session.flush()
        if name in sample_rows and smp.summary != sample_rows[name]:
            smp.summary = sample_rows[name]
        touched[name] = smp
        if session.get(SampleAnalysis, (smp.id, analysis.id)) is None:
            session.add(SampleAnalysis(sample_id=smp.id, analysis_id=analysis.id,
                                       attached_by=user))
            linked += 1
        else:
            already += 1
    session.flush()
    audit(session, user, "attach", lot, out_dir=str(out_dir), sample=sample, new=new,
          existing=existing, linked=linked, already_linked=already)
    return AttachResult(new, existing, linked, already, tuple(sorted(touched)))


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """A results row as JSON (NaN/inf become None: JSON and PostgreSQL have no NaN)."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in row.items()}


def parse_lab_value(text: str) -> tuple[str, float, str]:
    """``name=value[unit]`` as (name, value, unit).

    Examples
    --------
    >>> parse_lab_value("gas_permeability=12.5ml/s")
    ('gas_permeability', 12.5, 'ml/s')
    >>> parse_lab_value("permeability_retained_350C=72 %")
    ('permeability_retained_350C', 72.0, '%')
    >>> parse_lab_value("specific_modulus=450")
    ('specific_modulus', 450.0, '')
    """
    m = _LAB.match(text)
    if m is None:
        raise LotError(f"lab value {text!r} is not name=value[unit]; e.g. "
                       "gas_permeability=12.5ml/s or specific_modulus=450")
    return m.group(1), float(m.group(2)), m.group(3).strip()


def add_lab(session: Session, lot_name: str, values: list[tuple[str, float, str]], *,
            user: str) -> list[LabMeasurement]:
    """Append lab values to a lot."""
    lot = get_lot(session, lot_name)
    rows = []
    for name, value, unit in values:
        if not math.isfinite(value):
            raise LotError(f"lab value {name} = {value!r} is not a finite number")
        rows.append(LabMeasurement(lot_id=lot.id, name=name, value=float(value), unit=unit,
                                   created_by=user))
    session.add_all(rows)
    session.flush()
    audit(session, user, "lab", lot, values=[[n, v, u] for n, v, u in values])
    return rows


def add_spec(session: Session, text: str, *, user: str,
             where: str = "spec") -> tuple[str, int, bool]:
    """Store a specification's text as a new version of its name (version 1 for a new name).

    Returns (name, version, is_new): the same text as the latest version is a no-op.
    """
    spec = parse_spec(text, where=where)
    row = session.scalar(select(Spec).where(Spec.name == spec.name))
    if row is None:
        row = Spec(name=spec.name)
        session.add(row)
        session.flush()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    latest = session.scalar(select(SpecVersion).where(SpecVersion.spec_id == row.id)
                            .order_by(SpecVersion.version.desc()).limit(1))
    if latest is not None and latest.sha256 == digest:
        return spec.name, latest.version, False
    version = 1 if latest is None else latest.version + 1
    session.add(SpecVersion(spec_id=row.id, version=version, text=text, sha256=digest,
                            created_by=user))
    session.flush()
    audit(session, user, "spec", None, spec=spec.name, version=version, sha256=digest,
          source=where)
    return spec.name, version, True


def _spec_version(session: Session, ref: str) -> SpecVersion:
    name, _, ver = ref.partition("@")
    spec = session.scalar(select(Spec).where(Spec.name == name))
    if spec is None:
        known = session.scalars(select(Spec.name).order_by(Spec.name)).all()
        raise LotError(f"no specification {name!r} (stored: {list(known)}); add it with "
                       "`semscan lots spec add FILE`")
    q = select(SpecVersion).where(SpecVersion.spec_id == spec.id)
    if ver:
        if not ver.isdigit():
            raise LotError(f"spec version {ver!r} is not a number; give NAME@2")
        found = session.scalar(q.where(SpecVersion.version == int(ver)))
        if found is None:
            raise LotError(f"specification {name!r} has no version {ver} (versions: "
                           f"{[v.version for v in spec.versions]})")
        return found
    return session.scalars(q.order_by(SpecVersion.version.desc()).limit(1)).one()


def _lot_values(session: Session, lot: Lot) -> tuple[LotValues, list[int]]:
    analyses = session.execute(
        select(Analysis).join(SampleAnalysis, SampleAnalysis.analysis_id == Analysis.id)
        .join(Sample, Sample.id == SampleAnalysis.sample_id).where(Sample.lot_id == lot.id)
        .order_by(Analysis.id)).scalars().unique().all()
    results = tuple({**a.row, "view": a.view} for a in analyses)
    samples = tuple(s.summary for s in lot.samples if s.summary)
    lab: dict[str, tuple[float, str]] = {}
    for m in session.scalars(select(LabMeasurement).where(LabMeasurement.lot_id == lot.id)
                             .order_by(LabMeasurement.id)):
        lab[m.name] = (m.value, m.unit)
    return LotValues(results, samples, lab), [a.id for a in analyses]


def judge(session: Session, lot_name: str, *, user: str, spec: str | None = None) -> Verdict:
    """Judge a lot against a spec (``NAME`` = its latest version, ``NAME@N``; default: the
    spec named like the lot's product) and store the verdict as a new row."""
    lot = get_lot(session, lot_name)
    ref = spec or lot.product
    if not ref:
        raise LotError(f"lot {lot_name!r} has no product; give --spec NAME[@VERSION]")
    sv = _spec_version(session, ref)
    values, ids = _lot_values(session, lot)
    result = evaluate(parse_spec(sv.text, where=f"{sv.spec.name}@{sv.version}"), values)
    verdict = Verdict(lot_id=lot.id, spec_version_id=sv.id, outcome=result.outcome,
                      criteria=[_clean(c.to_dict()) for c in result.criteria],
                      analysis_ids=ids, semscan_version=__version__, created_by=user)
    session.add(verdict)
    session.flush()
    audit(session, user, "judge", lot, spec=sv.spec.name, version=sv.version,
          outcome=result.outcome, verdict_id=verdict.id)
    return verdict


@dataclass(frozen=True)
class LotRecord:
    """Everything about a lot as plain data (``lots show``, ``lots report``)."""

    name: str
    product: str | None
    meta: dict[str, Any]
    created_at: datetime
    created_by: str
    samples: list[dict[str, Any]] = field(default_factory=list)
    analyses: list[dict[str, Any]] = field(default_factory=list)
    lab: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def lot_record(session: Session, lot_name: str) -> LotRecord:
    """A lot with its samples, analyses, lab values, verdicts (oldest first) and events."""
    lot = get_lot(session, lot_name)
    analyses = []
    for smp in lot.samples:
        for a, link in session.execute(
                select(Analysis, SampleAnalysis).join(
                    SampleAnalysis, SampleAnalysis.analysis_id == Analysis.id)
                .where(SampleAnalysis.sample_id == smp.id).order_by(Analysis.id)):
            analyses.append({
                "id": a.id, "sample": smp.name, "file": a.image.file_name,
                "sha256": a.image.sha256, "config_hash": a.config_hash,
                "semscan_version": a.semscan_version, "view": a.view, "row": a.row,
                "overlay": a.overlay, "out_dir": a.provenance.get("out_dir"),
                "json": a.provenance.get("json"),
                "attached_at": link.attached_at, "attached_by": link.attached_by})
    lab = [{"name": m.name, "value": m.value, "unit": m.unit, "at": m.created_at,
            "by": m.created_by}
           for m in session.scalars(select(LabMeasurement)
                                    .where(LabMeasurement.lot_id == lot.id)
                                    .order_by(LabMeasurement.id))]
    verdicts = [{"id": v.id, "spec": v.spec_version.spec.name, "version": v.spec_version.version,
                 "outcome": v.outcome, "criteria": v.criteria, "analysis_ids": v.analysis_ids,
                 "semscan_version": v.semscan_version, "at": v.created_at, "by": v.created_by}
                for v in session.scalars(select(Verdict).where(Verdict.lot_id == lot.id)
                                         .order_by(Verdict.id))]
    events = [{"at": e.at, "user": e.user, "action": e.action, "detail": e.detail}
              for e in session.scalars(select(AuditEvent).where(AuditEvent.lot_id == lot.id)
                                       .order_by(AuditEvent.id))]
    samples = [{"name": s.name, "summary": s.summary} for s in lot.samples]
    return LotRecord(lot.name, lot.product, dict(lot.meta or {}), lot.created_at,
                     lot.created_by, samples, analyses, lab, verdicts, events)


def list_lots(session: Session, *, failed: bool = False,
              since: datetime | None = None) -> list[dict[str, Any]]:
    """Lots with their analysis count and latest verdict; ``failed``: only lots whose latest
    verdict is ``fail``; ``since``: only lots created at or after that (naive UTC) time."""
    q = select(Lot).order_by(Lot.id)
    if since is not None:
        q = q.where(Lot.created_at >= since)
    out = []
    for lot in session.scalars(q):
        latest = session.scalar(select(Verdict).where(Verdict.lot_id == lot.id)
                                .order_by(Verdict.id.desc()).limit(1))
        n = session.scalar(select(func.count()).select_from(SampleAnalysis)
                           .join(Sample, Sample.id == SampleAnalysis.sample_id)
                           .where(Sample.lot_id == lot.id))
        row = {"lot": lot.name, "product": lot.product or "", "created_at": lot.created_at,
               "analyses": int(n or 0),
               "outcome": latest.outcome if latest else "",
               "spec": (f"{latest.spec_version.spec.name}@{latest.spec_version.version}"
                        if latest else "")}
        if failed and row["outcome"] != "fail":
            continue
        out.append(row)
    return out
