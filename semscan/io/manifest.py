"""Manifest of images: which sample and view each file belongs to.

Format (CSV, UTF-8 or cp1252, header required, ``#`` lines are comments)::

    path,sample,view,pixel_size_um,film_direction_deg
    sample_surface.tif,demo,surface,0.01,
    sample_cross_section.tif,demo,cross-section,0.01,0

- ``path``: the image file; relative paths are relative to the manifest's folder.
- ``sample``: the sample name; a sample pools all its images per view (METHODS.md 5).
- ``view`` (optional column, empty = not given): ``surface`` or ``cross-section`` (``xs``
  and ``section`` are accepted); when not given, the file-name patterns, the configuration,
  else the view detector decide (:func:`semscan.measure.view.decide_view`).
- ``pixel_size_um`` (optional column, empty = from the file): overrides the calibration.
- ``film_direction_deg`` (optional, empty = from the film edges or rows): cross-sections only.
- ``state`` (optional): the sample's state, e.g. ``as-made`` or ``150C-10min``; sections of
  one sample in a reference state and a treated one are compared layer by layer
  (:mod:`semscan.measure.shutdown`, ``shutdown.csv``).
- ``layer_depths_um`` (optional, cross-sections): interfaces between the layers of a
  laminated film, as depths below the top surface in µm separated by ``;`` (e.g.
  ``4.5;9``), instead of finding them.

Without a manifest, :func:`assign_sample` takes the sample from a ``sample_pattern`` regular
expression with a named group ``(?P<sample>...)`` matched against the file name, else from
the folder name, and :func:`view_from_pattern` takes the view from shell-style patterns.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from semscan._choices import View
from semscan._files import read_capped
from semscan.calibration import pixel_size_problem
from semscan.errors import ConfigError, ManifestError

__all__ = ["ManifestEntry", "assign_sample", "read_manifest", "view_from_pattern"]

_VIEW_ALIASES = {"surface": "surface", "cross-section": "cross-section",
                 "cross_section": "cross-section", "crosssection": "cross-section",
                 "xs": "cross-section", "section": "cross-section"}
_REQUIRED = ("path", "sample")
_OPTIONAL = ("view", "pixel_size_um", "film_direction_deg", "state", "layer_depths_um")


@dataclass(frozen=True)
class ManifestEntry:
    """One row of a manifest.

    Attributes
    ----------
    path : Path
        Absolute (resolved) path of the image.
    sample : str
    view : {'surface', 'cross-section'} or None
        None when the manifest does not give it (no ``view`` column, or an empty cell).
    pixel_size_um : float or None
    film_direction_deg : float or None
    state : str
        E.g. ``'as-made'``, ``'150C-10min'`` ('' when not given).
    layer_depths_um : tuple of float
        Interfaces given by the user, depths below the top surface (µm).
    """

    path: Path
    sample: str
    view: View | None
    pixel_size_um: float | None = None
    film_direction_deg: float | None = None
    state: str = ""
    layer_depths_um: tuple[float, ...] = ()


def _number(text: str, name: str, where: str, *, positive: bool) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise ManifestError(f"{where}: {name} {_cut(text)!r} is not a number") from exc
    if not math.isfinite(value) or (positive and value <= 0):
        raise ManifestError(
            f"{where}: {name} must be a finite{' positive' if positive else ''} number, "
            f"got {_cut(text)!r}"
        )
    return value


def _cut(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _decode(data: bytes, path: Path) -> str:
    """Manifest text: UTF-16 with a BOM, UTF-8 with or without a BOM, else cp1252 (Excel)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ManifestError(
                f"manifest {path} starts with a UTF-16 mark but is not UTF-16 ({exc}); "
                "save it as 'CSV UTF-8'"
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # what Excel writes for "CSV (comma delimited)"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ManifestError(
            f"manifest {path} line {line}: byte 0x{data[exc.start]:02x} is neither UTF-8 nor "
            "cp1252 text; is it a CSV file? Save it as 'CSV UTF-8'"
        ) from exc


def read_manifest(path: str | Path) -> dict[Path, ManifestEntry]:
    """Read a CSV manifest (format in the module docstring).

    The file may be UTF-8 (with or without a byte-order mark), cp1252 (what Excel writes
    for "CSV (comma delimited)", e.g. ``µ`` as byte 0xB5) or UTF-16 with a byte-order mark.

    Returns
    -------
    dict
        Resolved image path -> :class:`ManifestEntry`.

    Raises
    ------
    ManifestError
        (a :class:`~semscan.errors.ConfigError`) On an unreadable or non-text file, a NUL
        byte, an oversized field, a missing column, a row with too many fields, an unknown
        view, a bad number or an implausible pixel size, an empty field or a duplicate
        path, naming the manifest and the line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "m.csv").write_text("path,sample,view\\na_xs.tif,S1,xs\\n")
    >>> [(e.path.name, e.sample, e.view) for e in read_manifest(d / "m.csv").values()]
    [('a_xs.tif', 'S1', 'cross-section')]
    """
    path = Path(path)
    try:
        data = read_capped(path, MAX_MANIFEST_BYTES)
    except OSError as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc}") from exc
    if data is None:
        raise ManifestError(
            f"manifest {path} is larger than {MAX_MANIFEST_BYTES >> 20} MiB; "
            "is it a CSV list of images? Split it"
        )
    text = _decode(data, path)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ManifestError(
            f"manifest {path} line {line}: holds a NUL byte (binary data, or UTF-16 without a "
            "byte-order mark); save it as 'CSV UTF-8'"
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    out: dict[Path, ManifestEntry] = {}
    header: list[str] | None = None
    header_line = 0
    try:
        for row in reader:
            lineno = reader.line_num
            if not row or (row[0].lstrip().startswith("#")):
                continue
            if max(map(len, row)) > MAX_FIELD_CHARS:  # csv's own limit is a global setting
                raise ManifestError(
                    f"manifest {path} line {lineno}: a field is longer than "
                    f"{MAX_FIELD_CHARS >> 10} KiB; check quotes (an unclosed quote swallows the "
                    "rest of the file)"
                )
            if header is None:
                header, header_line = [h.strip().lower() for h in row], lineno
                _check_header(header, path, header_line)
                continue
            if not any(cell.strip() for cell in row):
                continue
            where = f"manifest {path} line {lineno}"
            entry = _entry(row, header, where, path.parent)
            if entry.path in out:
                raise ManifestError(f"{where}: {_cut(str(entry.path))!r} is listed twice")
            out[entry.path] = entry
    except csv.Error as exc:
        raise ManifestError(
            f"manifest {path} line {reader.line_num}: not valid CSV ({exc}); check quotes "
            "and that every field is shorter than 128 KiB"
        ) from exc
    if header is None:
        raise ManifestError(
            f"manifest {path} is empty; expected a header {','.join(_REQUIRED + _OPTIONAL)}"
        )
    return out


MAX_MANIFEST_BYTES = 64 << 20
MAX_FIELD_CHARS = 64 << 10


def _check_header(header: list[str], path: Path, line: int) -> None:
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise ManifestError(
            f"manifest {path} line {line}: missing column(s) {', '.join(missing)}; "
            f"the header must hold {', '.join(_REQUIRED)} (optional: {', '.join(_OPTIONAL)})"
        )
    unknown = [c for c in header if c not in _REQUIRED + _OPTIONAL]
    if unknown:
        raise ManifestError(
            f"manifest {path} line {line}: unknown column(s) "
            f"{', '.join(_cut(c, 40) for c in unknown)}; "
            f"valid: {', '.join(_REQUIRED + _OPTIONAL)}"
        )
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise ManifestError(f"manifest {path} line {line}: column(s) {', '.join(twice)} twice")


def _entry(row: list[str], header: list[str], where: str, folder: Path) -> ManifestEntry:
    if len(row) > len(header):
        raise ManifestError(
            f"{where}: {len(row)} fields, the header has {len(header)}; "
            "quote fields that hold commas"
        )
    cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
    rec = dict(zip(header, cells, strict=True))
    for c in _REQUIRED:
        if not rec[c]:
            raise ManifestError(f"{where}: empty {c!r}")
    given = rec.get("view", "")
    view = _VIEW_ALIASES.get(given.lower()) if given else None
    if given and view is None:
        raise ManifestError(
            f"{where}: view {_cut(rec['view'])!r} is not valid; use 'surface' or "
            "'cross-section'"
        )
    try:
        img = Path(rec["path"])
        if not img.is_absolute():
            img = folder / img
        img = img.resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise ManifestError(f"{where}: path {_cut(rec['path'])!r} is not usable ({exc})") from exc
    pixel = _number(rec.get("pixel_size_um", ""), "pixel_size_um", where, positive=True)
    if pixel is not None and (problem := pixel_size_problem(pixel)) is not None:
        raise ManifestError(f"{where}: {problem}; pixel_size_um is in µm (10 nm = 0.01)")
    film = _number(rec.get("film_direction_deg", ""), "film_direction_deg", where,
                   positive=False)
    depths = _depths(rec.get("layer_depths_um", ""), where)
    return ManifestEntry(img, rec["sample"], view, pixel, film,  # type: ignore[arg-type]
                         rec.get("state", ""), depths)


def _depths(text: str, where: str) -> tuple[float, ...]:
    """``'4.5;9'`` -> (4.5, 9.0): positive numbers separated by ``;``."""
    out = []
    for part in text.split(";"):
        if part.strip():
            value = _number(part, "layer_depths_um", where, positive=True)
            assert value is not None
            out.append(value)
    return tuple(sorted(out))


def assign_sample(
    path: str | Path,
    *,
    manifest: dict[Path, ManifestEntry] | None = None,
    sample_pattern: str | None = None,
) -> tuple[str, Literal["manifest", "pattern", "folder"]]:
    """The sample of an image and where it came from: manifest, file-name pattern, folder.

    Raises
    ------
    ConfigError
        If ``sample_pattern`` is not a valid regular expression with a ``sample`` group.

    Examples
    --------
    >>> assign_sample("runs/lot42/A7_xs_01.tif", sample_pattern=r"(?P<sample>[A-Z]\\d+)_")
    ('A7', 'pattern')
    >>> assign_sample("runs/lot42/A7_xs_01.tif")
    ('lot42', 'folder')
    """
    p = Path(path)
    if manifest:
        entry = manifest.get(p.resolve())
        if entry is not None:
            return entry.sample, "manifest"
    if sample_pattern:
        try:
            rx = re.compile(sample_pattern)
        except re.error as exc:
            raise ConfigError(f"sample_pattern {sample_pattern!r} is not a valid regular "
                              f"expression: {exc}") from exc
        if "sample" not in rx.groupindex:
            raise ConfigError(
                f"sample_pattern {sample_pattern!r} needs a named group (?P<sample>...)"
            )
        m = rx.search(p.name)
        if m and m.group("sample"):
            return m.group("sample"), "pattern"
    return (p.parent.name or "."), "folder"


def view_from_pattern(
    path: str | Path, *, xs_pattern: str | None = "*_xs*", surface_pattern: str | None = None
) -> View | None:
    """View given by shell-style file-name patterns (case-insensitive), or None.

    Examples
    --------
    >>> view_from_pattern("A7_XS_01.tif"), view_from_pattern("A7_top.tif")
    ('cross-section', None)
    """
    name = Path(path).name.lower()
    if xs_pattern and fnmatch.fnmatch(name, xs_pattern.lower()):
        return "cross-section"
    if surface_pattern and fnmatch.fnmatch(name, surface_pattern.lower()):
        return "surface"
    return None
