"""Write a batch's outputs to a folder, safely and resumably.

Layout of an output folder::

    results.csv, results.parquet   one row per analysed input path (every run into the folder)
    chords.parquet                 every intercept of the 50-line method (both phases)
    samples.csv                    one row per sample (paired views), when any
    layers.csv                     one row per layer of a laminated film's section, when any
    shutdown.csv                   per layer, a sample's sections before / after a heat
                                   treatment (manifest column state), when any
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
    whiskers.csv                   one row per whisker of every image analysed with
                                   --whiskers (whiskers/<stem>.csv merged)

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

import functools
import hashlib
import json
import math
import os
import platform
import re
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import tifffile

from semscan import __version__
from semscan.calibration import unit_suffix
from semscan.measure.paired import LineTotals
from semscan.report.overlay import save_overlay

__all__ = [
    "ImageOutputWriter",
    "atomic_write",
    "failure_name",
    "image_stem",
    "path_digest",
    "software_versions",
    "write_label_tiff",
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
    return dict(_installed_versions())


@functools.cache
def _installed_versions() -> tuple[tuple[str, str], ...]:
    """What :func:`software_versions` returns, looked up once per process (6 ms: each
    library's installed metadata is found and read)."""
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
    return tuple(out.items())


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
        _atomic_via(self.out_dir / "chords" / f"{stem}.parquet",
                    lambda p: write_chord_parquet(result, stem, p))
        if getattr(result, "whiskers", None) is not None:
            atomic_write(self.out_dir / "whiskers" / f"{stem}.csv",
                         whisker_csv(result, stem), encoding=CSV_ENCODING)
        else:  # an earlier run's whiskers of this image are not this result's
            (self.out_dir / "whiskers" / f"{stem}.csv").unlink(missing_ok=True)
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
    if labels.size and int(np.max(labels)) == 3:  # --whiskers: a third phase
        metadata.update(Info=f"{LABELS_INFO}, 3 whisker", max=3)
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
        "layer_depths_um": [float(d) for d in getattr(result, "layer_depths_um", ())],
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
        "whiskers",
    ):
        part = getattr(result, key, None)
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
    if result.cross_section is not None and result.cross_section.layers.n_layers:
        out["layers"] = result.cross_section.layers.rows()  # layers.csv (report.layers)
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


def whisker_csv(result: Any, stem: str) -> str:
    """The ``whiskers/<stem>.csv`` text: one row per whisker of ``result`` (file, stem,
    centre and angle, length and width in µm or px, L/D, pixels, whether it touches the
    edge), positions in px of the input file's grid."""
    import pandas as pd  # heavy: imported only when a table is made

    rows = result.whiskers.rows()
    frame = pd.DataFrame(rows, columns=result.whiskers.row_columns())
    if rows:
        r, c = result.to_file_coords(frame["row_px"].to_numpy(), frame["col_px"].to_numpy())
        frame["row_px"], frame["col_px"] = r, c
    frame.insert(0, "output_stem", stem)
    frame.insert(0, "file", result.micrograph.path)
    return frame.to_csv(index=False)


def write_chord_parquet(result: Any, stem: str, path: str | Path) -> None:
    """Write ``chords/<stem>.parquet``: every intercept of both phases, one row each.

    The columns of :func:`_chord_columns` as ``DataFrame.to_parquet`` writes them (the same
    Arrow types and the same ``pandas`` schema metadata, so the same frame read back), but
    made with pyarrow alone when it can be (paths and chords of the usual types), so that a
    batch worker does not import pandas (0.25 s) for it; any other table goes through
    pandas. The text columns follow the installed pandas (:func:`_pandas_text_dtype`:
    pandas 3's ``str``, 2.x's ``object``). With pyarrow 26 the file is pandas' byte for
    byte; pyarrow writes the metadata itself, and one whose bookkeeping keys differ (an
    older one without ``"attributes"``) writes other bytes for the same table.
    """
    import pyarrow.parquet as pq

    columns = _chord_columns(result, stem)
    table = _chord_table(columns)
    if table is None:
        _chord_frame(columns).to_parquet(path)
    else:
        pq.write_table(table, path)


_STR_COLUMNS = ("file", "sha256", "output_stem", "phase")


def _chord_columns(result: Any, stem: str) -> dict[str, np.ndarray]:
    """The columns of the chord table of ``result``, in order: one row per intercept, the
    pore phase's then the solid phase's.

    ``file, sha256, output_stem, phase`` (object arrays of text), ``angle_deg`` (the
    phase's line angle in degrees), then the chords' own ``line, r0, c0, r1, c1,
    length_<um|px>, truncated`` (their dtypes, the two phases' concatenated). The one layout
    of both writers (:func:`_chord_frame`, :func:`_chord_table`).
    """
    parts = [(ic.phase, ic.angle_deg, ic.chords) for ic in (result.pore_intercept,
                                                              result.solid_intercept)]
    suffix = unit_suffix(parts[0][2].unit)
    if any(unit_suffix(c.unit) != suffix for _, _, c in parts):
        raise ValueError(
            f"the pore and solid chords of {result.micrograph.path!r} are in different units "
            f"({parts[0][2].unit!r}, {parts[1][2].unit!r}); measure both phases with one "
            "calibration")
    n = sum(len(c) for _, _, c in parts)
    columns = {"file": _repeat(_utf8(result.micrograph.path), n),
               "sha256": _repeat(result.micrograph.sha256, n),
               "output_stem": _repeat(stem, n),
               "phase": np.concatenate([_repeat(ph, len(c)) for ph, _, c in parts]),
               "angle_deg": np.concatenate([np.full(len(c), a) for _, a, c in parts])}
    for k in ("line", "r0", "c0", "r1", "c1", "length", "truncated"):
        name = f"length_{suffix}" if k == "length" else k
        columns[name] = np.concatenate([np.asarray(getattr(c, k)) for _, _, c in parts])
    return columns


def _repeat(value: Any, n: int) -> np.ndarray:
    """An object array of ``n`` times ``value`` (any object, as ``DataFrame.insert`` would)."""
    out = np.empty(n, object)
    out.fill(value)
    return out


def _chord_frame(columns: dict[str, np.ndarray]) -> Any:
    """The chord table (:func:`_chord_columns`) as a DataFrame."""
    import pandas as pd  # heavy: imported only when a table is made

    frame = pd.DataFrame(columns)
    if not len(frame):  # no text to infer the text columns' dtype from: pandas' for text
        frame = frame.astype(dict.fromkeys(_STR_COLUMNS, pd.Series([""]).dtype))
    return frame


def _chord_table(columns: dict[str, np.ndarray]) -> Any:
    """The chord table (:func:`_chord_columns`) as the Arrow table ``DataFrame.to_parquet``
    writes, pandas' metadata included, without pandas; None when the table is not of the
    usual types (then only pandas knows what it writes)."""
    import pyarrow as pa

    n = len(columns["file"])
    if not n or not all(isinstance(v, str) for k in _STR_COLUMNS for v in columns[k]):
        return None
    text = _pandas_text_dtype()
    if text not in _TEXT_LAYOUTS:
        return None  # a text dtype of its own (pandas 2.2's opt-in 'string'): pandas writes
    arrow_text, text_meta = _TEXT_LAYOUTS[text]
    numeric = [v for k, v in columns.items() if k not in _STR_COLUMNS]
    if any(v.ndim != 1 or v.dtype.kind not in "biuf" or v.dtype.byteorder == ">"
           for v in numeric):
        return None
    if any(np.isnan(v).any() for v in numeric if v.dtype.kind == "f"):
        return None  # pandas stores NaN as null
    fields, meta = [], []
    for name, values in columns.items():
        fields.append(_arrow_array(values, text=arrow_text if name in _STR_COLUMNS else None))
        if fields[-1] is None:
            return None  # over 2 GiB of text in one string column: pandas chunks it
        kind = text_meta if name in _STR_COLUMNS else (values.dtype.name,) * 2
        meta.append({"name": name, "field_name": name, "pandas_type": kind[0],
                     "numpy_type": kind[1], "metadata": None})
    pandas_meta = {
        "index_columns": [{"kind": "range", "name": None, "start": 0, "stop": n, "step": 1}],
        "column_indexes": [{"name": None, "field_name": None, "pandas_type": "unicode",
                            "numpy_type": text, "metadata": {"encoding": "UTF-8"}}],
        "columns": meta,
        "attributes": {},
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": _pandas_version(),
    }
    return pa.Table.from_arrays(fields, names=list(columns),
                                metadata={b"pandas": json.dumps(pandas_meta).encode("utf8")})


_TEXT_LAYOUTS = {"str": ("large_string", ("object", "str")),
                 "object": ("string", ("unicode", "object"))}
"""How pyarrow converts a text column of pandas' dtype ``str`` or ``object``: the Arrow type,
and its metadata's ``pandas_type`` and ``numpy_type``; ``numpy_type`` of the column index
(text column names) is the dtype name again."""


def _pandas_text_dtype() -> str:
    """The dtype name of a text column the installed pandas makes from Python strings:
    ``'str'`` (pandas 3; 2.x with ``future.infer_string``), ``'object'`` (2.x), or its own.

    Asked of pandas when it is imported (its options may differ from its defaults), else
    read off its version without importing it (an option needs pandas imported to be set).
    """
    import sys

    pd = sys.modules.get("pandas")
    if pd is not None:
        return str(pd.Series([""]).dtype)
    return "str" if int(_pandas_version().split(".")[0]) >= 3 else "object"


def _arrow_array(values: np.ndarray, *, text: str | None = None) -> Any:
    """An Arrow array (no nulls) of a 1-D numeric or bool array, or of a str array as
    ``text`` (``'large_string'`` or ``'string'``; None if too long for ``'string'``).

    Built from its buffers: ``pyarrow.array`` would import pandas to check its argument.
    """
    import pyarrow as pa

    n = len(values)
    if text is not None:
        data = [str(v).encode("utf-8") for v in values]
        offsets = np.zeros(n + 1, np.int64)
        np.cumsum([len(b) for b in data], out=offsets[1:])
        if text == "string":
            if offsets[-1] > np.iinfo(np.int32).max:
                return None
            offsets = offsets.astype(np.int32)
        return pa.Array.from_buffers(getattr(pa, text)(), n, [
            None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])
    if values.dtype.kind == "b":
        bits = np.packbits(values.astype(bool), bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])
    arr = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(arr.dtype), n, [None, pa.py_buffer(arr)])


def _pandas_version() -> str:
    import sys

    pd = sys.modules.get("pandas")
    return str(pd.__version__) if pd is not None else _installed_pandas_version()


@functools.cache
def _installed_pandas_version() -> str:
    """The installed pandas' version without importing it, looked up once (0.7 ms each)."""
    return version("pandas")


def _utf8(text: Any) -> Any:
    """A string Arrow can store: non-UTF-8 file-name bytes (surrogates) as ``\\udcXX``."""
    if isinstance(text, str):
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
