"""Write a batch's outputs to a folder, safely and resumably.

Layout of an output folder::

    results.csv, results.parquet   one row per analysed input path (every run into the folder)
    chords.parquet                 every intercept of the 50-line method (both phases)
    samples.csv                    one row per sample (paired views), when any
    failures.csv                   input paths whose latest attempt failed, with the reason
    run.json                       the latest run: config, versions, inputs, status, pid
    config.toml                    the configuration of the latest run
    semscan.log                    debug log (written by the CLI; every run appends)
    .semscan.lock                  held by the run writing into the folder
    images/<stem>.json             everything about one image (the record and resume marker)
    failures/<name>.json           the latest failure of one input path
    overlays/<stem>.png            overlay for review
    masks/<stem>_labels.tif        label image, 0 solid, 1 pore, 2 excluded (--save-masks), in
                                   the input file's pixel grid, pixel size in µm (ImageJ)
    chords/<stem>.parquet          per-image intercepts, merged into chords.parquet

Every file is written to a temporary name and renamed into place, so an interrupted run
never leaves a half-written file; the per-image JSON is written last and marks the image
as done. The tables are rebuilt from ``images/*.json`` and ``failures/*.json`` (one row per
input path, the latest outcome wins), so they always agree with those records and a folder
accumulates the rows of every run into it. A re-run skips an input whose latest record is a
result with the same run key: file content, configuration and the per-file task (view,
sample, pixel size, film direction, as a manifest or pattern gave them). Files are created
with the permissions of the umask, CSV files in UTF-8 with a byte-order mark (so that Excel
shows µm; ``pandas.read_csv`` reads them as they are).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import tifffile

from semscan import __version__
from semscan.config import AnalysisConfig
from semscan.measure.paired import LineTotals
from semscan.report.lock import lock_is_held
from semscan.report.overlay import save_overlay

__all__ = [
    "ImageOutputWriter",
    "Record",
    "atomic_write",
    "done_images",
    "failure_name",
    "image_stem",
    "path_digest",
    "read_run_json",
    "scan_records",
    "software_versions",
    "write_label_tiff",
    "write_tables",
]

CSV_ENCODING = "utf-8-sig"  # a byte-order mark, so that Excel reads UTF-8 (µm, not Âµm)


def image_stem(path: str | Path, sha256: str) -> str:
    """Output name of an input: its stem (made file-safe) and the first 8 hex of its sha256.

    Examples
    --------
    >>> image_stem("/data/lot 7/a b.tif", "0123456789abcdef")
    'a_b-01234567'
    """
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path).stem).strip("_")[:100] or "image"
    return f"{stem}-{sha256[:8]}"  # <= 109 characters: suffixes and temp names fit in 255


def file_mode() -> int:
    """Permissions of a new file under the current umask (``0o666 & ~umask``)."""
    umask = None
    try:  # Linux: read it without changing it (os.umask is process-wide, not thread-safe)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    if umask is None:
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def failure_name(path: str | Path) -> str:
    """File name of an input's failure record: its stem and a hash of its absolute path.

    Examples
    --------
    >>> failure_name("/data/a b.tif")[:4]
    'a_b-'
    """
    return image_stem(path, path_digest(path))


def path_digest(path: str | Path) -> str:
    """SHA-256 (hex) of a path made absolute, its bytes as the OS has them (surrogates kept).

    What tells apart two inputs of the same name and content in different folders.

    Examples
    --------
    >>> path_digest("/data/a.tif") == path_digest("/data/./a.tif")
    True
    """
    where = os.path.abspath(os.fspath(path))
    return hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()


def atomic_write(path: Path, data: bytes | str, *, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (umask permissions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            # backslashreplace: a non-UTF-8 file name (surrogates) is written as \udcXX,
            # which JSON reads back as the same name and a CSV shows as an escape
            fh.write(data.encode(encoding, "backslashreplace") if isinstance(data, str) else data)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_via(path: Path, writer: Any) -> None:
    """Call ``writer(tmp_path)`` and rename the result onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        writer(tmp)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def software_versions() -> dict[str, str]:
    """Versions of semscan, Python and the libraries that shape the numbers."""
    out = {"semscan": __version__, "python": platform.python_version()}
    for dist in (
        "numpy",
        "scipy",
        "scikit-image",
        "scikit-learn",
        "opencv-python-headless",
        "tifffile",
        "imagecodecs",
        "pandas",
        "pyarrow",
        "pillow",
    ):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


@dataclass(frozen=True)
class ImageOutputWriter:
    """Writes one image's outputs; picklable, so batch workers call it in parallel.

    Attributes
    ----------
    out_dir : Path
        The output folder.
    save_masks : bool
        Also write the label TIFF (0 solid, 1 pore, 2 excluded).
    overlays : bool
        Write the overlay PNG.
    plan : dict
        ``{input path as given: {"stem", "input", "task", "key"}}``: the output name, the
        absolute path, the task and the run key of each input (recorded in its JSON);
        an input not in it is named by :func:`image_stem`.
    """

    out_dir: Path
    save_masks: bool = False
    overlays: bool = True
    plan: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __call__(self, result: Any) -> dict[str, Any]:
        """Write the outputs of ``result`` and return its results row."""
        m = result.micrograph
        planned = self.plan.get(m.path, {})
        stem = planned.get("stem") or image_stem(m.path or "image", m.sha256 or "0" * 8)
        row = result.to_row()
        row["output_stem"] = stem
        chords = _chord_frame(result, stem)
        _atomic_via(self.out_dir / "chords" / f"{stem}.parquet", lambda p: chords.to_parquet(p))
        if self.overlays:
            _atomic_via(
                self.out_dir / "overlays" / f"{stem}.png", lambda p: save_overlay(result, p)
            )
            row["overlay"] = f"overlays/{stem}.png"
        if self.save_masks:
            _atomic_via(
                self.out_dir / "masks" / f"{stem}_labels.tif",
                lambda p: write_label_tiff(p, result.labels_full, result.calibration),
            )
            row["mask"] = f"masks/{stem}_labels.tif"
        detail = image_json(result)
        detail["input"] = planned.get("input") or os.path.abspath(m.path or "image")
        detail["task"] = planned.get("task")
        detail["task_key"] = planned.get("key")
        detail["finished_at"] = time.time()
        detail["row"] = row
        atomic_write(
            self.out_dir / "images" / f"{stem}.json",
            json.dumps(_jsonable(detail), indent=1, ensure_ascii=False),
        )
        return row


LABELS_INFO = "semscan labels: 0 solid, 1 pore, 2 excluded"


def write_label_tiff(path: str | Path, labels: np.ndarray, calibration: Any) -> None:
    """Write a label image as an ImageJ TIFF that Fiji and napari show in µm.

    The file is an uncompressed ImageJ hyperstack TIFF (plain ImageJ opens no compressed
    hyperstacks), uint8, 0 solid, 1 pore, 2 excluded (said in the ImageJ ``Info``
    property), display range 0-2. A calibrated image stores its pixel size the ImageJ
    way: XResolution = YResolution = pixels per µm and ``unit=micron`` in the
    description, which ImageJ shows as µm and :func:`semscan.io.read_micrograph` reads
    back (vendor ``'ImageJ'``, calibration source ``'file'``). An uncalibrated one has no
    unit (px).

    Parameters
    ----------
    path : str or Path
        The ``.tif`` file to write.
    labels : ndarray of uint8, shape (rows, columns)
        E.g. :attr:`ImageResult.labels_full <semscan.pipeline.ImageResult.labels_full>`,
        in the input file's pixel grid.
    calibration : Calibration
        The image's pixel size.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, tifffile
    >>> from semscan.calibration import Calibration
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "labels.tif"
    >>> write_label_tiff(f, np.zeros((8, 8), np.uint8), Calibration(0.02, "user", ""))
    >>> with tifffile.TiffFile(f) as tif:
    ...     tif.imagej_metadata["unit"], tif.pages[0].tags["XResolution"].value
    ('micron', (50, 1))
    """
    metadata: dict[str, Any] = {"Info": LABELS_INFO, "min": 0, "max": 2}
    resolution = None
    if calibration.is_calibrated:
        per_um = 1.0 / float(calibration.pixel_size_um)
        resolution = (per_um, per_um)
        metadata["unit"] = "micron"
    tifffile.imwrite(
        path,
        np.ascontiguousarray(labels, dtype=np.uint8),
        imagej=True,
        resolution=resolution,
        metadata=metadata,
        photometric="minisblack",
    )


def image_json(result: Any) -> dict[str, Any]:
    """Everything about one image: row values plus per-line data, the config, timings."""
    ic, sic = result.pore_intercept, result.solid_intercept
    out: dict[str, Any] = {
        "semscan_version": __version__,
        "file": result.micrograph.path,
        "sha256": result.micrograph.sha256,
        "config_hash": result.config.hash(),
        "config": result.config.to_dict(),
        "calibration": result.calibration.to_dict(),
        "metadata": result.micrograph.metadata.to_dict(),
        "view": result.view,
        "view_source": result.view_source,
        "sample": result.sample,
        "segmentation": result.segmentation.to_dict(),
        "pore_intercept": ic.to_dict(),
        "pore_intercept_lines": {"lines": ic.lines, "voids_per_line": ic.line_counts},
        "solid_intercept": sic.to_dict(),
        "solid_intercept_lines": {"lines": sic.lines, "voids_per_line": sic.line_counts},
        "porosity": result.porosity.to_dict(),
        "warnings": list(result.warnings),
        "timings_s": dict(result.timings),
    }
    for key in (
        "directional",
        "chords_rows",
        "chords_columns",
        "local_thickness",
        "cross_section",
        "structure",
    ):
        part = getattr(result, key)
        out[key] = None if part is None else part.to_dict()
    if result.directional is not None:
        d = result.directional
        out["mil_rose"] = {"angles_deg": d.angles_deg, "mil": d.mil, "unit": d.unit}
    # for the report's plots: the dense chord distributions (exact: each distinct length
    # and how many chords have it) and the cross-section's depth profile
    out["dense_chords"] = {
        c.direction: _length_counts(c)
        for c in (result.chords_rows, result.chords_columns)
        if c is not None
    }
    if result.cross_section is not None:
        prof = result.cross_section.profile
        out["depth_profile"] = {
            "band": prof.band_um,
            "unit": prof.unit,
            "interior": prof.interior_um,
            **{
                side: [[b.depth_from_um, b.depth_to_um, b.mean_um, b.n_intercepts]
                       for b in bands]
                for side, bands in (("top", prof.top), ("bottom", prof.bottom))
            },
        }
    pool = result.sample_intercept
    if pool is not None:
        out["sample_pool"] = LineTotals.of(pool).to_dict()
    return out


def _length_counts(chords: Any) -> dict[str, Any]:
    """Distinct chord lengths and their counts, complete and truncated chords apart."""
    lengths = np.round(np.asarray(chords.lengths, float), 9)
    truncated = np.asarray(chords.truncated, bool)
    out: dict[str, Any] = {"unit": chords.unit}
    for key, sel in (("complete", ~truncated), ("truncated", truncated)):
        values, counts = np.unique(lengths[sel], return_counts=True)
        out[key] = {"lengths": values, "counts": counts}
    return out


def _chord_frame(result: Any, stem: str) -> Any:
    import pandas as pd  # heavy: imported only when a table is made

    frames = []
    for ic in (result.pore_intercept, result.solid_intercept):
        f = ic.chords.to_frame()
        f.insert(0, "phase", ic.phase)
        f.insert(1, "angle_deg", ic.angle_deg)
        frames.append(f)
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, "output_stem", stem)
    frame.insert(0, "sha256", result.micrograph.sha256)
    frame.insert(0, "file", _utf8(result.micrograph.path))
    return frame


def _utf8(text: Any) -> Any:
    """A string Arrow can store: non-UTF-8 file-name bytes (surrogates) as ``\\udcXX``."""
    if isinstance(text, str):
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def read_image_json(out_dir: Path, stem: str) -> dict[str, Any] | None:
    """The per-image JSON of ``stem``, or None when missing or unreadable."""
    try:
        return json.loads((out_dir / "images" / f"{stem}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Record:
    """The latest outcome of one input path in an output folder.

    Attributes
    ----------
    input : str
        Absolute path of the input.
    kind : {'result', 'failure'}
    name : str
        The record's file stem (``images/<name>.json`` or ``failures/<name>.json``).
    key : str or None
        The run key it was made with (None for records of older semscan versions).
    finished_at : float
        When it was written (seconds since the epoch).
    row : dict
        The results row (results) or ``{"file", "sha256", "error"}`` (failures).
    sample_pool : dict or None
        The line totals the image adds to its sample (results).
    """

    input: str
    kind: str
    name: str
    key: str | None
    finished_at: float
    row: dict[str, Any]
    sample_pool: dict[str, Any] | None = None


def scan_records(out_dir: Path) -> tuple[dict[str, Record], dict[str, str]]:
    """The latest record of every input path in ``out_dir``, and which input owns each stem.

    Reads every ``images/*.json`` and ``failures/*.json``; unreadable or partial files are
    ignored (their input is redone). For each input path the newest record wins.

    Returns
    -------
    latest : dict
        ``{absolute input path: Record}``.
    stems : dict
        ``{image stem: absolute input path}`` of every image JSON (latest or not).
    """
    latest: dict[str, Record] = {}
    stems: dict[str, str] = {}
    for kind, folder in (("result", "images"), ("failure", "failures")):
        for path in sorted((out_dir / folder).glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if kind == "result":
                    row = data["row"]
                    where = data.get("input") or os.path.abspath(str(data["file"]))
                    stems[path.stem] = where
                else:
                    row = {k: data.get(k) for k in ("file", "sha256", "error")}
                    where = data["input"]
                when = data.get("finished_at") or path.stat().st_mtime
                rec = Record(
                    str(where), kind, path.stem, data.get("task_key"), float(when), row,
                    data.get("sample_pool") if kind == "result" else None,
                )
            except (OSError, ValueError, KeyError, TypeError):
                continue
            old = latest.get(rec.input)
            if old is None or rec.finished_at >= old.finished_at:
                latest[rec.input] = rec
    return latest, stems


def done_images(out_dir: Path, config_hash: str) -> dict[str, dict[str, Any]]:
    """Rows of the images whose latest record in ``out_dir`` used this configuration.

    Returns
    -------
    dict
        ``{absolute input path: row}``; unreadable or partial JSON files are ignored.
    """
    latest, _ = scan_records(out_dir)
    return {
        where: rec.row
        for where, rec in latest.items()
        if rec.kind == "result" and rec.row.get("config_hash") == config_hash
    }


def write_failure_record(
    out_dir: Path, *, file: str, sha256: str | None, key: str | None, error: str
) -> None:
    """Record that ``file`` failed (replacing its earlier failure record)."""
    payload = {
        "file": file,
        "input": os.path.abspath(file),
        "sha256": sha256,
        "task_key": key,
        "error": error,
        "finished_at": time.time(),
        "semscan_version": __version__,
    }
    atomic_write(
        out_dir / "failures" / f"{failure_name(file)}.json",
        json.dumps(payload, indent=1, ensure_ascii=False),
    )


def remove_failure_record(out_dir: Path, file: str) -> None:
    """Forget the failure of ``file`` (it has now been analysed)."""
    (out_dir / "failures" / f"{failure_name(file)}.json").unlink(missing_ok=True)


def write_tables(out_dir: Path, rows: Iterable[dict[str, Any]], *, parquet: bool = True) -> None:
    """(Re)write ``results.csv`` (and ``results.parquet``) atomically from rows."""
    import pandas as pd  # heavy: imported only when a table is made

    frame = pd.DataFrame([{k: _utf8(v) for k, v in r.items()} for r in rows])
    atomic_write(out_dir / "results.csv", _csv_text(frame), encoding=CSV_ENCODING)
    if parquet:
        frame = frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object})
        _atomic_via(out_dir / "results.parquet", lambda p: frame.to_parquet(p, index=False))


def _csv_text(frame: Any) -> str:
    """CSV text of a table whose texts may hold line breaks (a file name may).

    Python's csv quotes a field holding a newline but not one holding a lone carriage
    return unless the rows end in CRLF; such a table is written with CRLF rows (RFC 4180),
    any other exactly as before (LF rows).
    """
    text_columns = [c for c in frame.columns if frame[c].dtype.kind not in "biufcmM"]
    has_cr = any(frame[c].map(lambda v: isinstance(v, str) and "\r" in v).any()
                 for c in text_columns)
    return frame.to_csv(index=False, lineterminator="\r\n" if has_cr else "\n")


def merge_chords(out_dir: Path, stems: Iterable[str]) -> int:
    """Concatenate the per-image chord files of ``stems`` into ``chords.parquet``."""
    import pandas as pd  # heavy: imported only when a table is made

    parts = [out_dir / "chords" / f"{s}.parquet" for s in stems]
    frames = [pd.read_parquet(p) for p in parts if p.exists()]
    if not frames:
        (out_dir / "chords.parquet").unlink(missing_ok=True)
        return 0
    frame = pd.concat(frames, ignore_index=True)
    _atomic_via(out_dir / "chords.parquet", lambda p: frame.to_parquet(p, index=False))
    return len(frame)


def write_failures(out_dir: Path, failures: list[tuple[str, str]]) -> None:
    """Write ``failures.csv`` (file, error); removes a stale one when nothing failed."""
    import pandas as pd  # heavy: imported only when a table is made

    path = out_dir / "failures.csv"
    if not failures:
        path.unlink(missing_ok=True)
        return
    rows = [(_utf8(f), _utf8(e)) for f, e in failures]
    frame = pd.DataFrame(rows, columns=["file", "error"])
    atomic_write(path, _csv_text(frame), encoding=CSV_ENCODING)


def remove_stale_temporaries(out_dir: Path) -> int:
    """Delete temporary files left by a run that was killed while writing; returns how many.

    Only call this while holding the folder's lock (no other run is writing).
    """
    removed = 0
    for folder in (out_dir, *(out_dir / d for d in ("images", "failures", "chords",
                                                      "overlays", "masks"))):
        for path in folder.glob(".*"):
            m = re.fullmatch(r"\.(?P<name>.+)\.[a-z0-9_]{8}(?P<suffix>\.[A-Za-z0-9]+)", path.name)
            if m and (m["suffix"] == ".tmp" or m["name"].endswith(m["suffix"])):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def write_run_json(
    out_dir: Path,
    *,
    config: AnalysisConfig,
    inputs: list[dict[str, Any]],
    status: str,
    started: float,
    argv: list[str] | None = None,
) -> None:
    """Write ``run.json`` and ``config.toml``: how this folder's latest run was made.

    ``pid`` and ``host`` identify the process, so that a reader can tell a ``'running'``
    status left by a killed run (see :func:`read_run_json`).
    """
    payload = {
        "status": status,
        "pid": os.getpid(),
        "host": platform.node(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 3),
        "command": argv or [],
        "config_hash": config.hash(),
        "config": config.to_dict(),
        "versions": software_versions(),
        "platform": platform.platform(),
        "inputs": inputs,
    }
    atomic_write(out_dir / "run.json", json.dumps(_jsonable(payload), indent=1, ensure_ascii=False))
    atomic_write(out_dir / "config.toml", config.to_toml())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    try:  # a zombie (killed, not yet reaped) is dead
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def read_run_json(out_dir: Path) -> dict[str, Any] | None:
    """``run.json`` of ``out_dir``, with a ``'running'`` status of a dead run as ``'interrupted'``.

    A run killed hard (``kill -9``, a power cut) cannot write its final status; when no
    run holds the folder's lock, or the recorded process no longer runs on this host, the
    status read is ``'interrupted'`` (and ``status_note`` says why). None when there is no
    readable ``run.json``.
    """
    try:
        data = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = data.get("pid")
    if data.get("status") == "running" and (
        not lock_is_held(out_dir)
        or (isinstance(pid, int) and data.get("host") == platform.node() and not _pid_alive(pid))
    ):
        data["status"] = "interrupted"
        data["status_note"] = f"the run (PID {data['pid']}) ended without finishing"
    return data
