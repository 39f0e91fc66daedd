"""``semscan lots export``: every value of the lot database as one long table, CSV or parquet.

One row per value, with its unit: the lot itself (``record = 'lot'``: product, creation,
and one row per ``--meta`` key), each sample's ``samples.csv`` row (``'sample'``), each
attached analysis's results row (``'analysis'``: one row per column, with the image's file,
sha256, config hash and semscan version), each lab value (``'lab'``), each verdict
(``'verdict'``: its outcome) and each of its criteria (``'criterion'``: value, limit,
margin, status, source). A number is in ``value`` (float), anything else in ``text``; an
empty cell is empty in both. Units of results columns come from their names
(:func:`semscan.report.xlsx.unit_of`: ``_um`` is µm, porosities are fractions).

The lots arrive as plain data (:func:`semscan.lots.store.lot_record`, read by attribute);
this module does not import the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from semscan.report.folder import ReportError
from semscan.report.xlsx import unit_of

__all__ = ["EXPORT_COLUMNS", "EXPORT_FORMATS", "export_format", "export_frame", "export_rows",
           "write_export"]

#: The columns of the export, in order.
EXPORT_COLUMNS = ("lot", "product", "record", "id", "sample", "file", "sha256", "config_hash",
                  "semscan_version", "view", "spec", "name", "value", "text", "unit", "limit",
                  "margin", "status", "source", "at", "by")
EXPORT_FORMATS = ("csv", "parquet")


def _split(value: Any) -> tuple[float | None, str | None]:
    """(value, text) of a cell: finite numbers in value, other non-empty cells in text."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return None, str(value)
    if isinstance(value, int | float):
        return (float(value), None) if math.isfinite(value) else (None, None)
    return None, str(value)


def export_rows(records: Iterable[Any]) -> list[dict[str, Any]]:
    """The long table's rows (dicts with :data:`EXPORT_COLUMNS`) of the given lot records."""
    rows: list[dict[str, Any]] = []
    for r in records:
        base = {c: None for c in EXPORT_COLUMNS} | {"lot": r.name, "product": r.product}

        def add(record: str, name: str, cell: Any, base: dict[str, Any] = base,
                **kw: Any) -> None:
            value, text = _split(cell)
            rows.append(base | {"record": record, "name": name, "value": value, "text": text}
                        | kw)

        add("lot", "created", None, at=r.created_at, by=r.created_by)
        for key, cell in (r.meta or {}).items():
            add("lot", f"meta:{key}", cell)
        for smp in r.samples:
            for col, cell in (smp.get("summary") or {}).items():
                if col != "sample":
                    add("sample", col, _number(cell), sample=smp["name"], unit=unit_of(col))
        for a in r.analyses:
            image = {"id": a["id"], "sample": a["sample"], "file": a["file"],
                     "sha256": a["sha256"], "config_hash": a["config_hash"],
                     "semscan_version": a["semscan_version"], "view": a["view"],
                     "at": a["attached_at"], "by": a["attached_by"]}
            for col, cell in (a.get("row") or {}).items():
                add("analysis", col, cell, unit=unit_of(col), **image)
        for m in r.lab:
            add("lab", m["name"], m["value"], unit=m["unit"], at=m["at"], by=m["by"])
        for v in r.verdicts:
            spec = f"{v['spec']}@{v['version']}"
            add("verdict", "outcome", v["outcome"], id=v["id"], spec=spec, status=v["outcome"],
                at=v["at"], by=v["by"])
            for c in v["criteria"]:
                margin, _ = _split(c.get("margin"))
                add("criterion", c["name"], c.get("value"), id=v["id"], spec=spec,
                    unit=c.get("unit") or "", limit=c.get("limit"), margin=margin,
                    status=c.get("status"), source=c.get("source"), at=v["at"], by=v["by"])
    return rows


def _number(cell: Any) -> Any:
    """A samples.csv cell as stored (text) turned into a number when it is one."""
    if isinstance(cell, str):
        try:
            return float(cell)
        except ValueError:
            return cell
    return cell


def export_frame(records: Iterable[Any]) -> Any:
    """The long table as a pandas DataFrame with fixed dtypes (``id`` Int64, ``value`` and
    ``margin`` float64, ``at`` datetime64 (naive UTC), the rest text)."""
    import pandas as pd

    frame = pd.DataFrame(export_rows(records), columns=list(EXPORT_COLUMNS))
    frame["id"] = frame["id"].astype("Int64")
    for col in ("value", "margin"):
        frame[col] = frame[col].astype("float64")
    frame["at"] = pd.to_datetime(frame["at"])
    for col in EXPORT_COLUMNS:
        if col not in ("id", "value", "margin", "at"):
            frame[col] = frame[col].astype("string")
    return frame


def export_format(path: str | Path | None, fmt: str | None = None) -> str:
    """``'csv'`` or ``'parquet'``: ``fmt`` when given, else from the suffix (``.parquet``,
    ``.pq``), else CSV.

    Examples
    --------
    >>> export_format("lots.parquet"), export_format("lots.csv"), export_format(None)
    ('parquet', 'csv', 'csv')
    >>> export_format("x.dat", "parquet")
    'parquet'
    """
    if fmt is not None:
        if fmt not in EXPORT_FORMATS:
            raise ReportError(f"export format {fmt!r} is unknown; give csv or parquet")
        return fmt
    suffix = Path(path).suffix.lower() if path is not None else ""
    return "parquet" if suffix in (".parquet", ".pq") else "csv"


def write_export(records: Iterable[Any], target: str | Path | IO[str], *,
                 fmt: str = "csv") -> int:
    """Write the long table to a file (or, for CSV, a text stream); returns its row count.

    Raises
    ------
    ReportError
        Parquet to a stream, or an unknown format.
    """
    frame = export_frame(records)
    if fmt == "parquet":
        if not isinstance(target, str | Path):
            raise ReportError("parquet cannot go to the terminal; give --out FILE.parquet")
        frame.to_parquet(target, index=False)
    elif fmt == "csv":
        frame.to_csv(target, index=False, lineterminator="\n", date_format="%Y-%m-%dT%H:%M:%S.%f")
    else:
        raise ReportError(f"export format {fmt!r} is unknown; give csv or parquet")
    return len(frame)
