"""Write a batch's outputs to a folder, safely and resumably.

Layout of an output folder::

    results.csv, results.parquet   one row per analysed image
    chords.parquet                 every intercept of the 50-line method (both phases)
    samples.csv                    one row per sample (paired views), when any
    failures.csv                   files that failed, with the reason
    run.json                       config, software versions, inputs with sha256 and status
    config.toml                    the configuration used
    semscan.log                    debug log (written by the CLI)
    images/<stem>.json             everything about one image (the resume marker)
    overlays/<stem>.png            overlay for review
    masks/<stem>_labels.tif        label image, 0 solid, 1 pore, 2 excluded (--save-masks), in
                                   the input file's pixel grid, pixel size in µm (ImageJ)
    chords/<stem>.parquet          per-image intercepts, merged into chords.parquet

Every file is written to a temporary name and renamed into place, so an interrupted run
never leaves a half-written file; the per-image JSON is written last and marks the image
as done. A re-run skips inputs whose sha256 and configuration hash match a done image.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from semscan import __version__
from semscan.config import AnalysisConfig

__all__ = [
    "ImageOutputWriter",
    "atomic_write",
    "done_images",
    "image_stem",
    "software_versions",
    "write_label_tiff",
    "write_tables",
]


def image_stem(path: str | Path, sha256: str) -> str:
    """Output name of an input: its stem (made file-safe) and the first 8 hex of its sha256.

    Examples
    --------
    >>> image_stem("/data/lot 7/a b.tif", "0123456789abcdef")
    'a_b-01234567'
    """
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path).stem).strip("_")[:100] or "image"
    return f"{stem}-{sha256[:8]}"  # <= 109 characters: suffixes and temp names fit in 255


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            # backslashreplace: a non-UTF-8 file name (surrogates) is written as \udcXX,
            # which JSON reads back as the same name and a CSV shows as an escape
            fh.write(data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data)
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
    from importlib.metadata import PackageNotFoundError, version

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
    """

    out_dir: Path
    save_masks: bool = False
    overlays: bool = True

    def __call__(self, result: Any) -> dict[str, Any]:
        """Write the outputs of ``result`` and return its results row."""
        m = result.micrograph
        stem = image_stem(m.path or "image", m.sha256 or "0" * 8)
        row = result.to_row()
        row["output_stem"] = stem
        chords = _chord_frame(result, stem)
        _atomic_via(self.out_dir / "chords" / f"{stem}.parquet", lambda p: chords.to_parquet(p))
        if self.overlays:
            from semscan.report.overlay import save_overlay

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
    import tifffile

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
        "timings_s": result.timings,
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
    pool = result.sample_intercept
    if pool is not None:
        from semscan.measure.paired import LineTotals

        out["sample_pool"] = LineTotals.of(pool).to_dict()
    return out


def _chord_frame(result: Any, stem: str) -> Any:
    import pandas as pd

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


def done_images(out_dir: Path, config_hash: str) -> dict[str, dict[str, Any]]:
    """Rows of the images already analysed in ``out_dir`` with this configuration.

    Returns
    -------
    dict
        ``{sha256: row}``; unreadable or partial JSON files are ignored (they are redone).
    """
    done: dict[str, dict[str, Any]] = {}
    for path in sorted((out_dir / "images").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("config_hash") == config_hash and "row" in data:
            done[data["sha256"]] = data["row"]
    return done


def write_tables(out_dir: Path, rows: Iterable[dict[str, Any]], *, parquet: bool = True) -> None:
    """(Re)write ``results.csv`` (and ``results.parquet``) atomically from rows."""
    import pandas as pd

    frame = pd.DataFrame([{k: _utf8(v) for k, v in r.items()} for r in rows])
    atomic_write(out_dir / "results.csv", frame.to_csv(index=False))
    if parquet:
        frame = frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object})
        _atomic_via(out_dir / "results.parquet", lambda p: frame.to_parquet(p, index=False))


def merge_chords(out_dir: Path, stems: Iterable[str]) -> int:
    """Concatenate the per-image chord files of ``stems`` into ``chords.parquet``."""
    import pandas as pd

    parts = [out_dir / "chords" / f"{s}.parquet" for s in stems]
    frames = [pd.read_parquet(p) for p in parts if p.exists()]
    if not frames:
        return 0
    frame = pd.concat(frames, ignore_index=True)
    _atomic_via(out_dir / "chords.parquet", lambda p: frame.to_parquet(p, index=False))
    return len(frame)


def write_failures(out_dir: Path, failures: list[tuple[str, str]]) -> None:
    """Write ``failures.csv`` (file, error); removes a stale one when nothing failed."""
    import pandas as pd

    path = out_dir / "failures.csv"
    if not failures:
        path.unlink(missing_ok=True)
        return
    rows = [(_utf8(f), _utf8(e)) for f, e in failures]
    atomic_write(path, pd.DataFrame(rows, columns=["file", "error"]).to_csv(index=False))


def write_run_json(
    out_dir: Path,
    *,
    config: AnalysisConfig,
    inputs: list[dict[str, Any]],
    status: str,
    started: float,
    argv: list[str] | None = None,
) -> None:
    """Write ``run.json`` and ``config.toml``: how this folder's results were made."""
    payload = {
        "status": status,
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
