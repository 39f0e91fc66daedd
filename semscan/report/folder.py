"""Read an output folder of ``semscan analyze`` into what a report shows (no re-analysis).

The numbers come from the folder's tables (``results.csv``, ``samples.csv``,
``failures.csv``) exactly as written, so a report always agrees with them; the per-image
JSON (``images/<stem>.json``) and chord files (``chords/<stem>.parquet``) add what the
plots need, and ``run.json`` the provenance. A report can be rebuilt from a folder at any
time (also on another machine: the folder is all it needs).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semscan.errors import SemscanError
from semscan.report.samples import is_rejected

__all__ = [
    "FLAGGED_VERDICTS",
    "FailureEntry",
    "ImageEntry",
    "Provenance",
    "ReportData",
    "ReportError",
    "SampleEntry",
    "Stat",
    "column",
    "read_folder",
]

FLAGGED_VERDICTS = ("unreliable", "review")


class ReportError(SemscanError, ValueError):
    """A report cannot be built: the folder is not an analysis output, or a tool is missing."""


@dataclass(frozen=True)
class ImageEntry:
    """One analysed image of the folder.

    Attributes
    ----------
    stem : str
        Output name (``images/<stem>.json``).
    row : dict
        Its row of ``results.csv`` as written (numbers as floats, empty cells as None).
    detail : dict
        Its ``images/<stem>.json`` (empty when unreadable).
    overlay : str or None
        Overlay PNG relative to the folder, when it exists.
    """

    stem: str
    row: dict[str, Any] = field(repr=False)
    detail: dict[str, Any] = field(repr=False)
    overlay: str | None

    @property
    def name(self) -> str:
        """File name of the input."""
        return str(self.row.get("name") or Path(str(self.row.get("file"))).name)

    @property
    def verdict(self) -> str:
        """Segmentation verdict: ``'ok'``, ``'review'`` or ``'unreliable'``."""
        return str(self.row.get("verdict") or "ok")

    @property
    def flagged(self) -> bool:
        """True when the verdict asks a person to look."""
        return self.verdict in FLAGGED_VERDICTS

    @property
    def rejected(self) -> bool:
        """True when a reviewer rejected the image: shown, but in no sample statistic."""
        return is_rejected(self.row)

    @property
    def unit(self) -> str:
        """Length unit of the image's columns: ``'µm'`` or ``'px'``."""
        return "px" if str(self.row.get("unit")) == "px" else "µm"


@dataclass(frozen=True)
class FailureEntry:
    """An input whose latest attempt failed, with the reason."""

    file: str
    error: str
    sha256: str | None = None

    @property
    def name(self) -> str:
        """File name of the input."""
        return Path(self.file).name


@dataclass(frozen=True)
class Stat:
    """Mean and sample SD of one quantity across a sample's images (NaN when none)."""

    key: str
    label: str
    unit: str
    mean: float
    sd: float
    n: int


@dataclass(frozen=True)
class SampleEntry:
    """One sample: its images, the per-image statistics and its ``samples.csv`` row."""

    name: str
    images: tuple[ImageEntry, ...] = field(repr=False)
    stats: tuple[Stat, ...]
    row: dict[str, Any] | None = field(repr=False)
    classes: tuple[tuple[str, int], ...]

    def n_view(self, view: str) -> int:
        """Number of images with this view (``'surface'`` or ``'cross-section'``), those a
        reviewer rejected left out."""
        return sum(1 for im in self.images if im.row.get("view") == view and not im.rejected)

    @property
    def n_rejected(self) -> int:
        """Images a reviewer rejected (listed, in no statistic)."""
        return sum(1 for im in self.images if im.rejected)


@dataclass(frozen=True)
class Provenance:
    """How the folder's results were made (``run.json``, the image records)."""

    semscan_version: str
    config_hash: str
    config_toml: str
    command: tuple[str, ...]
    started: str
    status: str
    versions: tuple[tuple[str, str], ...]
    inputs: tuple[tuple[str, str, str], ...]  # (file, sha256, calibration source and detail)
    report_date: str


@dataclass(frozen=True)
class ReportData:
    """Everything a report shows, read from one output folder."""

    out_dir: Path
    images: tuple[ImageEntry, ...]
    failures: tuple[FailureEntry, ...]
    samples: tuple[SampleEntry, ...]
    provenance: Provenance
    columns: tuple[str, ...]

    @property
    def flagged(self) -> tuple[ImageEntry, ...]:
        """Images with verdict ``'unreliable'`` first, then ``'review'``."""
        return tuple(
            sorted((im for im in self.images if im.flagged),
                   key=lambda im: (FLAGGED_VERDICTS.index(im.verdict), im.name))
        )


# label, column base (unit suffix added), unit kind
SAMPLE_STATS: tuple[tuple[str, str, str], ...] = (
    ("pore d (50-line)", "pore_intercept_mean", "length"),
    ("porosity", "areal_porosity", "fraction"),
    ("solid d", "solid_intercept_mean", "length"),
    ("MIL anisotropy", "pore_mil_degree_of_anisotropy", "ratio"),
    ("class probability", "class_confidence", "fraction"),
    ("thickness", "xs_thickness_mean", "length"),
    ("kappa", "xs_kappa", "ratio"),
)


def column(row: dict[str, Any], base: str) -> tuple[str, Any]:
    """The column of ``base`` in a row, with or without a length suffix (µm or px).

    Examples
    --------
    >>> column({"pore_intercept_mean_px": 3.0}, "pore_intercept_mean")
    ('pore_intercept_mean_px', 3.0)
    >>> column({"xs_kappa": 2.5}, "xs_kappa")
    ('xs_kappa', 2.5)
    """
    for key in (f"{base}_um", f"{base}_px", base):
        if key in row:
            return key, row[key]
    return f"{base}_um", None


def number(value: Any) -> float:
    """A cell as a float (NaN when empty or not a number)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _read_csv(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    import pandas as pd

    frame = pd.read_csv(path, encoding="utf-8-sig")
    return [{k: _clean(v) for k, v in rec.items()} for rec in frame.to_dict("records")]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _stats(images: tuple[ImageEntry, ...]) -> tuple[Stat, ...]:
    out = []
    unit = images[0].unit if images else "µm"
    for label, base, kind in SAMPLE_STATS:
        key = column(images[0].row, base)[0] if images else base
        values = [number(column(im.row, base)[1]) for im in images]
        values = [v for v in values if math.isfinite(v)]
        n = len(values)
        mean = sum(values) / n if n else math.nan
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else math.nan
        u = unit if kind == "length" else ("" if kind == "ratio" else "fraction")
        out.append(Stat(key, label, u, mean, sd, n))
    return tuple(out)


def read_folder(out_dir: str | Path, *, sample: str | None = None) -> ReportData:
    """Read an output folder of ``semscan analyze`` for a report.

    Parameters
    ----------
    out_dir : str or Path
        The ``--out`` folder (with ``results.csv`` or ``failures.csv``).
    sample : str, optional
        Keep only this sample's images (and the failures, which have no sample).

    Raises
    ------
    ReportError
        When the folder holds no analysis results, or ``sample`` is not one of its samples.
    """
    out_dir = Path(out_dir)
    results = _read_csv(out_dir / "results.csv")
    failure_rows = _read_csv(out_dir / "failures.csv")
    if not results and not failure_rows:
        raise ReportError(
            f"{out_dir} holds no results.csv or failures.csv; give the --out folder of "
            "`semscan analyze` (run the analysis first)"
        )
    images = []
    for row in results:
        stem = str(row.get("output_stem") or "")
        detail = _read_json(out_dir / "images" / f"{stem}.json") if stem else {}
        overlay = row.get("overlay")
        if not (overlay and (out_dir / str(overlay)).is_file()):
            overlay = None
        images.append(ImageEntry(stem, row, detail, overlay))
    names = sorted({str(im.row.get("sample") or "") for im in images})
    if sample is not None:
        if sample not in names:
            raise ReportError(
                f"sample {sample!r} is not in {out_dir}; its samples are {', '.join(names)}"
            )
        images = [im for im in images if str(im.row.get("sample") or "") == sample]
        names = [sample]
    images.sort(key=lambda im: (str(im.row.get("sample") or ""), im.name, im.stem))
    sha_of_failure = {}
    for path in sorted((out_dir / "failures").glob("*.json")):
        rec = _read_json(path)
        if rec.get("file"):
            sha_of_failure[str(rec["file"])] = rec.get("sha256")
    failures = tuple(
        FailureEntry(str(r.get("file")), str(r.get("error") or ""),
                     sha_of_failure.get(str(r.get("file"))))
        for r in failure_rows
    )
    sample_rows = {str(r.get("sample")): r for r in _read_csv(out_dir / "samples.csv")}
    samples = []
    for name in names:
        mine = tuple(im for im in images if str(im.row.get("sample") or "") == name)
        kept = tuple(im for im in mine if not is_rejected(im.row))  # rejected: shown only
        counts: dict[str, int] = {}
        for im in kept:
            if im.row.get("class"):
                counts[str(im.row["class"])] = counts.get(str(im.row["class"]), 0) + 1
        classes = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        samples.append(SampleEntry(name, mine, _stats(kept), sample_rows.get(name), classes))
    columns = tuple(results[0]) if results else ()
    return ReportData(out_dir, tuple(images), failures, tuple(samples),
                      _provenance(out_dir, images), columns)


def _provenance(out_dir: Path, images: list[ImageEntry]) -> Provenance:
    run = _read_json(out_dir / "run.json")
    try:
        toml = (out_dir / "config.toml").read_text(encoding="utf-8")
    except OSError:
        toml = ""
    first = images[0].row if images else {}
    inputs = tuple(
        (
            str(im.row.get("file")),
            str(im.row.get("sha256") or ""),
            " ".join(
                str(v) for v in (im.row.get("calibration_source"),
                                 im.row.get("calibration_detail")) if v
            ),
        )
        for im in images
    )
    return Provenance(
        semscan_version=str(first.get("semscan_version") or run.get("versions", {}).get(
            "semscan", "")),
        config_hash=str(first.get("config_hash") or run.get("config_hash") or ""),
        config_toml=toml,
        command=tuple(str(a) for a in run.get("command") or ()),
        started=str(run.get("started") or ""),
        status=str(run.get("status") or ""),
        versions=tuple((str(k), str(v)) for k, v in (run.get("versions") or {}).items()),
        inputs=inputs,
        report_date=time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    )
