"""Manifest of images: which sample and view each file belongs to.

Format (CSV, UTF-8, header required, ``#`` lines are comments)::

    path,sample,view,pixel_size_um,film_direction_deg
    sample_surface.tif,demo,surface,0.01,
    sample_cross_section.tif,demo,cross-section,0.01,0

- ``path``: the image file; relative paths are relative to the manifest's folder.
- ``sample``: the sample name; a sample pools all its images per view (METHODS.md 5).
- ``view``: ``surface`` or ``cross-section`` (``xs`` and ``section`` are accepted).
- ``pixel_size_um`` (optional column, empty = from the file): overrides the calibration.
- ``film_direction_deg`` (optional, empty = from the film edges or rows): cross-sections only.

Without a manifest, :func:`assign_sample` takes the sample from a ``sample_pattern`` regular
expression with a named group ``(?P<sample>...)`` matched against the file name, else from
the folder name, and :func:`view_from_pattern` takes the view from shell-style patterns.
"""

from __future__ import annotations

import csv
import fnmatch
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from semscan.errors import ConfigError

__all__ = ["ManifestEntry", "assign_sample", "read_manifest", "view_from_pattern"]

_VIEW_ALIASES = {"surface": "surface", "cross-section": "cross-section",
                 "cross_section": "cross-section", "crosssection": "cross-section",
                 "xs": "cross-section", "section": "cross-section"}
_REQUIRED = ("path", "sample", "view")
_OPTIONAL = ("pixel_size_um", "film_direction_deg")


@dataclass(frozen=True)
class ManifestEntry:
    """One row of a manifest.

    Attributes
    ----------
    path : Path
        Absolute (resolved) path of the image.
    sample : str
    view : {'surface', 'cross-section'}
    pixel_size_um : float or None
    film_direction_deg : float or None
    """

    path: Path
    sample: str
    view: Literal["surface", "cross-section"]
    pixel_size_um: float | None = None
    film_direction_deg: float | None = None


def _number(text: str, name: str, where: str, *, positive: bool) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: {name} {text!r} is not a number") from exc
    if not math.isfinite(value) or (positive and value <= 0):
        raise ConfigError(
            f"{where}: {name} must be a finite{' positive' if positive else ''} number, "
            f"got {text!r}"
        )
    return value


def read_manifest(path: str | Path) -> dict[Path, ManifestEntry]:
    """Read a CSV manifest (format in the module docstring).

    Returns
    -------
    dict
        Resolved image path -> :class:`ManifestEntry`.

    Raises
    ------
    ConfigError
        On a missing column, an unknown view, a bad number, an empty field or a duplicate
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
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"cannot read manifest {path}: {exc}") from exc
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    numbers = [i + 1 for i, ln in enumerate(text.splitlines())
               if not ln.lstrip().startswith("#")]
    reader = csv.reader(lines)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as exc:
        raise ConfigError(f"manifest {path} is empty; expected a header "
                          f"{','.join(_REQUIRED + _OPTIONAL)}") from exc
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise ConfigError(
            f"manifest {path} line {numbers[0]}: missing column(s) {', '.join(missing)}; "
            f"the header must hold {', '.join(_REQUIRED)} (optional: {', '.join(_OPTIONAL)})"
        )
    unknown = [c for c in header if c not in _REQUIRED + _OPTIONAL]
    if unknown:
        raise ConfigError(
            f"manifest {path} line {numbers[0]}: unknown column(s) {', '.join(unknown)}; "
            f"valid: {', '.join(_REQUIRED + _OPTIONAL)}"
        )
    out: dict[Path, ManifestEntry] = {}
    for row, lineno in zip(reader, numbers[1:], strict=False):
        if not any(cell.strip() for cell in row):
            continue
        where = f"manifest {path} line {lineno}"
        if len(row) > len(header):
            raise ConfigError(f"{where}: {len(row)} fields, the header has {len(header)}")
        rec = dict(zip(header, [c.strip() for c in row] + [""] * (len(header) - len(row)),
                       strict=True))
        for c in _REQUIRED:
            if not rec[c]:
                raise ConfigError(f"{where}: empty {c!r}")
        view = _VIEW_ALIASES.get(rec["view"].lower())
        if view is None:
            raise ConfigError(
                f"{where}: view {rec['view']!r} is not valid; use 'surface' or 'cross-section'"
            )
        img = Path(rec["path"])
        if not img.is_absolute():
            img = path.parent / img
        img = img.resolve()
        if img in out:
            raise ConfigError(f"{where}: {rec['path']!r} is listed twice")
        out[img] = ManifestEntry(
            img, rec["sample"], view,  # type: ignore[arg-type]
            _number(rec.get("pixel_size_um", ""), "pixel_size_um", where, positive=True),
            _number(rec.get("film_direction_deg", ""), "film_direction_deg", where,
                    positive=False),
        )
    return out


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
) -> Literal["surface", "cross-section"] | None:
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
