"""Which view an image shows: surface or cross-section (METHODS.md 0).

A view is given per file (manifest, filename pattern, configuration) or detected. The
detector needs *positive* evidence of a cross-section: a flat region (vacuum or a uniform
embedding) that touches the border and ends at a straight edge across the whole field, with
textured specimen beyond it, and no other background beyond that except across a second,
roughly parallel straight edge. A band bounded by two such edges is a section; so is one
edge when the film runs off the field (or into the data bar). A flat layer between the
textured film and the vacuum, as bright as the film's solid (a layer whose pores closed),
is part of the band, as in the film detector (:mod:`semscan.measure._flat_regions`).
Dark substrate between particles, shadows, charging or a flat patch end in ragged
outlines, not in a straight edge across the field, and stay ``'surface'``; when a flat
region comes close to that but not close enough, the view is ``'surface'`` and
:attr:`ViewDecision.uncertain` is set, with the note :data:`UNCERTAIN_NOTE`. The decision
records its source, the reason and the evidence.

semscan's choices, calibrated on the real micrographs in ``../shared/data/real`` (8 surface
views, the tilted membrane section) and ``gt/`` (8 Zeiss particle surfaces, 4 dealloyed
sections) and on the synthetic sections: an edge is straight when its transition from
background to specimen (the lines along it going from >= 85 % background to <= 15 %) is at
most :data:`MAX_EDGE_WIDTH` of the field across it (the sections measured 0.004-0.026, the
particle surfaces >= 0.066), or :data:`MIN_EDGE_LINES` lines of the evidence grid when
that is more (a field over twice as wide as high); the background beyond it keeps at most
:data:`MAX_BACKGROUND_TEXTURE` of the specimen's texture; two edges are parallel within
:data:`MAX_PARALLEL_DEG`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

import numpy as np

from semscan._choices import VIEWS, ConfigView, View
from semscan._ndimage import block_mean
from semscan.calibration import Calibration
from semscan.errors import ConfigError
from semscan.measure._flat_regions import flat_regions

__all__ = ["UNCERTAIN_NOTE", "ViewDecision", "ViewEvidence", "decide_view", "detect_view"]

ViewSource = Literal["detected", "manifest", "pattern", "config"]
_VIEWS = VIEWS


UNCERTAIN_NOTE = "view uncertain: set --view or a manifest"
MAX_EDGE_WIDTH = 0.03
MIN_EDGE_LINES = 3
"""An edge's transition may always span this many lines of the evidence grid (about
:data:`_GRID` cells along the field's longer side): a straight edge partly covers the
cells of up to two lines, and the texture mask's pore-scale roughness adds one. The
width limit is the larger of :data:`MAX_EDGE_WIDTH` and this many lines over the field's
extent across them; it exceeds the former only when that extent is under 100 lines (a
field more than twice as wide as high)."""
MAX_BACKGROUND_TEXTURE = 0.35
MAX_PARALLEL_DEG = 15.0
_NEAR_EDGE_WIDTH = 0.08  # an edge up to this wide makes a 'surface' decision uncertain
_BG_LINE, _SPEC_LINE = 0.85, 0.15  # background share of a line: background / specimen line
_SAME_LEVEL = 0.15  # flat regions this close in grey (of the 1-99 % range) are alike
_GRID = 200  # the evidence is measured on masks box-averaged to about this size


@dataclass(frozen=True)
class ViewEvidence:
    """What the detector saw: the specimen band's edges and the background beyond them.

    Attributes
    ----------
    edges : int
        Straight band edges found with a flat background beyond (0, 1 or 2).
    direction_deg : float
        Direction of the (first) edge, counter-clockwise as displayed, in (-90, 90]; NaN
        without an edge.
    edge_width : tuple of float
        Width of each edge's transition (background to specimen) over the field's extent
        across it: 0 for a straight, sharp edge; the limit is :data:`MAX_EDGE_WIDTH`.
    parallel_deg : float
        Angle between the two edges (NaN unless ``edges == 2``).
    background_fraction : float
        Fraction of the field that is flat and touches the border (all such regions).
    background_texture : float
        Texture of the background beyond the edge over the specimen's (median local SD
        ratio; of all flat border regions when there is no edge); 1 when there is none.
    band_fraction : float
        Thickness of the specimen band (edge to edge, or edge to the far end of the field)
        over the field's extent across it; 0 without an edge.
    width_limit : float
        The limit the edges' widths were held to: :data:`MAX_EDGE_WIDTH`, or
        :data:`MIN_EDGE_LINES` lines of the evidence grid when that is more.
    """

    edges: int = 0
    direction_deg: float = float("nan")
    edge_width: tuple[float, ...] = ()
    parallel_deg: float = float("nan")
    background_fraction: float = 0.0
    background_texture: float = 1.0
    band_fraction: float = 0.0
    width_limit: float = MAX_EDGE_WIDTH

    def describe(self) -> str:
        """One line for a table: ``'2 edges at 12.0 deg (widths 0.005, 0.008; ...)'``."""
        if not self.edges:
            return (f"no straight band edge; flat border regions "
                    f"{100 * self.background_fraction:.0f}% of the field, texture "
                    f"{100 * self.background_texture:.0f}%")
        widths = ", ".join(f"{w:.3f}" for w in self.edge_width)
        par = f", parallel within {self.parallel_deg:.1f} deg" if self.edges == 2 else ""
        return (f"{self.edges} edge{'s' if self.edges > 1 else ''} at "
                f"{self.direction_deg:.1f} deg (widths {widths}{par}); band "
                f"{100 * self.band_fraction:.0f}% of the field across it; background "
                f"{100 * self.background_fraction:.0f}% of the field, texture "
                f"{100 * self.background_texture:.0f}%")


@dataclass(frozen=True)
class ViewDecision:
    """The view of an image and how it was decided.

    Attributes
    ----------
    view : {'surface', 'cross-section'}
    source : {'detected', 'manifest', 'pattern', 'config'}
    reason : str
    score : float
        Detector's cross-section evidence in [0, 1]: 0 without a straight edge, above 0.5
        for a section (how far the edges are from the width limit, and the background from
        the texture limit); NaN when the view was given.
    evidence : ViewEvidence or None
        What the detector measured (None when the view was given).
    uncertain : bool
        The detector called it a surface on weak evidence (see :data:`UNCERTAIN_NOTE`).
    """

    view: View
    source: ViewSource
    reason: str
    score: float = float("nan")
    evidence: ViewEvidence | None = None
    uncertain: bool = False

    @property
    def note(self) -> str:
        """:data:`UNCERTAIN_NOTE` when uncertain, else ''."""
        return UNCERTAIN_NOTE if self.uncertain else ""

    def to_dict(self) -> dict[str, object]:
        """Row form: ``view``, ``view_source``, ``view_reason``, ``view_score``,
        ``view_evidence`` (one line), ``view_edges``, ``view_edge_width`` (the widest edge),
        ``view_parallel_deg`` (None unless two edges), ``view_background_fraction``,
        ``view_background_texture``, ``view_uncertain``."""
        ev = self.evidence
        return {"view": self.view, "view_source": self.source, "view_reason": self.reason,
                "view_score": self.score,
                "view_evidence": ev.describe() if ev is not None else "",
                "view_edges": ev.edges if ev is not None else None,
                "view_edge_width": max(ev.edge_width) if ev is not None and ev.edge_width
                else None,
                "view_parallel_deg": ev.parallel_deg
                if ev is not None and math.isfinite(ev.parallel_deg) else None,
                "view_background_fraction": ev.background_fraction if ev is not None else None,
                "view_background_texture": ev.background_texture if ev is not None else None,
                "view_uncertain": self.uncertain}


def detect_view(
    image: np.ndarray, *, excluded: np.ndarray | None = None, calibration: Calibration
) -> ViewDecision:
    """Detect whether an image is a surface or a cross-section view.

    Parameters
    ----------
    image : ndarray, shape (rows, columns)
    excluded : ndarray of bool, optional
        Data bar etc.; ignored by the detector.
    calibration : Calibration
        Recorded only (detection works in pixels).

    Returns
    -------
    ViewDecision
        ``source='detected'``.

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.calibration import UNCALIBRATED
    >>> rng = np.random.default_rng(0)
    >>> img = (rng.random((120, 120)) > 0.5).astype(float)
    >>> detect_view(img, calibration=UNCALIBRATED).view
    'surface'
    >>> img[:40] = 0.0
    >>> detect_view(img, calibration=UNCALIBRATED).view
    'cross-section'
    """
    img = np.asarray(image)  # float32 or float64 as given, not copied
    if img.dtype.kind != "f":
        img = img.astype(np.float32)
    valid = np.ones(img.shape, bool) if excluded is None else ~np.asarray(excluded, bool)
    del calibration
    flat = flat_regions(img, valid)
    if flat is None:
        ev = ViewEvidence()
        return ViewDecision("surface", "detected",
                            "constant or empty image: no texture to tell specimen from "
                            "background", 0.0, ev)
    bg_lab, n_bg, spec, textures, levels, bg_fraction, all_texture = flat
    ev, why, near = _band_evidence(bg_lab, n_bg, spec, valid, textures, levels)
    ev = dataclasses.replace(ev, background_fraction=round(bg_fraction, 4),
                             background_texture=round(ev.background_texture
                                                      if ev.edges else all_texture, 4))
    if ev.edges:
        w = max(ev.edge_width)
        score = 0.5 + 0.5 * min(1.0 - w / ev.width_limit,
                                1.0 - ev.background_texture / MAX_BACKGROUND_TEXTURE)
        score = float(np.clip(score, 0.5, 1.0))
        side = ("between two parallel straight edges" if ev.edges == 2
                else "beyond one straight edge, running off the field")
        reason = (f"specimen band {side}, flat region at the border "
                  f"({100 * ev.background_fraction:.0f}% of the field) with "
                  f"{100 * ev.background_texture:.0f}% of the specimen's texture")
        return ViewDecision("cross-section", "detected", reason, round(score, 4), ev)
    score = float(np.clip(0.5 * (1.0 - (near - MAX_EDGE_WIDTH)
                                 / (_NEAR_EDGE_WIDTH - MAX_EDGE_WIDTH)), 0.0, 0.5)) \
        if near <= _NEAR_EDGE_WIDTH else 0.0
    uncertain = near <= _NEAR_EDGE_WIDTH
    reason = f"no cross-section evidence: {why}"
    if uncertain:
        reason += f"; {UNCERTAIN_NOTE}"
    return ViewDecision("surface", "detected", reason, round(score, 4), ev, uncertain)


@dataclass(frozen=True)
class _Edge:
    theta: float  # degrees, the lines' direction
    start: bool  # background at the start (small normal offsets) of the profile
    width: float  # transition width over the field's extent across the lines
    clean: bool  # the same background does not reappear beyond the edge
    bg_lines: float  # share of the extent that is background lines, on the edge's side
    band: float  # textured share of the lines just beyond the edge
    limit: float  # the width limit: MAX_EDGE_WIDTH, or MIN_EDGE_LINES lines when more


@dataclass(frozen=True, eq=False)
class _Lines:
    """The valid cells of the evidence grid and, per direction, their line index (kept:
    every background region and the fine search scan the same directions)."""

    va: np.ndarray
    r: np.ndarray
    c: np.ndarray
    cache: dict[float, tuple[np.ndarray, np.ndarray, int, int]]
    # per (specimen weight, direction) its profile: every region's scan reads the same one
    spec: dict[tuple[int, float], np.ndarray]
    # per direction, the cells of the first and the last long line (in cell order)
    end_cells: dict[float, tuple[np.ndarray, np.ndarray]]

    @classmethod
    def of(cls, va: np.ndarray) -> _Lines:
        r, c = np.nonzero(va)
        return cls(va, r, c, {}, {}, {})

    def ends(self, w: np.ndarray, theta: float) -> tuple[float, float]:
        """The first and the last value of ``_profiles([w], self, theta)`` (the valid
        cells' values ``w``), from the cells of those two lines alone: their weights summed
        in the cells' order, as :func:`numpy.bincount` sums each line's, so the same two
        numbers."""
        y, nn, lo, hi = self.at(theta)
        got = self.end_cells.get(theta)
        if got is None:
            got = (np.flatnonzero(y == lo), np.flatnonzero(y == hi - 1))
            self.end_cells[theta] = got
        first, last = got
        w = self.cells(w)
        return (float(np.bincount(np.zeros(first.size, np.intp), weights=w[first],
                                  minlength=1)[0] / max(nn[lo], 1)),
                float(np.bincount(np.zeros(last.size, np.intp), weights=w[last],
                                  minlength=1)[0] / max(nn[hi - 1], 1)))

    def at(self, theta: float) -> tuple[np.ndarray, np.ndarray, int, int]:
        """(line index of each valid cell, cells per line, first and end long line)."""
        got = self.cache.get(theta)
        if got is None:
            t = math.radians(theta)
            y = self.c * math.sin(t) + self.r * math.cos(t)
            y = np.round(y - y.min()).astype(np.int64)
            nn = np.bincount(y).astype(float)
            ok = np.nonzero(nn >= 0.5 * nn.max())[0]
            got = (y, nn, int(ok[0]), int(ok[-1]) + 1)
            self.cache[theta] = got
        return got

    def cells(self, w: np.ndarray) -> np.ndarray:
        """The valid cells' values of ``w`` as float64, in ``r, c`` order (``w[va]``, the
        same row-major order, without the two index arrays' gather); a 1-D ``w`` is taken
        as such values already."""
        if w.ndim == 1:
            return w
        return w[self.va].astype(np.float64)


def _profiles(
    weights: list[np.ndarray], lines: _Lines, theta: float
) -> tuple[list[np.ndarray], int]:
    """Per-line means of each weight along direction ``theta`` (long lines only); a weight
    is an image of the grid's shape or its valid cells' values (``lines.cells(w)``)."""
    y, nn, lo, hi = lines.at(theta)
    out = [np.bincount(y, weights=lines.cells(w), minlength=len(nn))[lo:hi]
           / np.maximum(nn[lo:hi], 1) for w in weights]
    return out, hi - lo


def _edge_at(q: np.ndarray, s: np.ndarray, theta: float, start: bool) -> _Edge | None:
    """The edge of one background's profile ``q`` entering from one end, if it has one."""
    qq, ss = (q, s) if start else (q[::-1], s[::-1])
    n = len(qq)
    if n < 8 or qq[0] < _BG_LINE:
        return None
    i = 0
    while i + 1 < n and qq[i + 1] >= _BG_LINE:
        i += 1
    j = i + 1
    while j < n and qq[j] > _SPEC_LINE:
        j += 1
    if j >= n:
        return None
    clean = bool(np.mean(qq[j:] <= _SPEC_LINE) >= 0.98)
    depth = max(2, round(0.03 * n))
    return _Edge(theta, start, (j - i - 1) / n, clean, (i + 1) / n,
                 float(np.mean(ss[j:j + depth])), max(MAX_EDGE_WIDTH, MIN_EDGE_LINES / n))


def _best_edge(
    mk: np.ndarray, sp: np.ndarray, va: _Lines, *, start: bool | None = None,
    around: float | None = None,
) -> _Edge | None:
    """The sharpest clean edge of one background region over all directions (coarse 3 deg
    steps, then 0.5 deg), or near ``around``."""

    def scan(thetas: np.ndarray) -> _Edge | None:
        best = None
        sides = (True, False) if start is None else (start,)
        for th in thetas:
            # an edge needs the background's line at its end (_edge_at): a direction
            # whose end lines are not is skipped without its profile (the same edges)
            q0, q1 = va.ends(mk, float(th))
            if not any((q0 if st else q1) >= _BG_LINE for st in sides):
                continue
            key = (id(sp), float(th))  # (sp is alive throughout: ids are not reused)
            s = va.spec.get(key)
            if s is None:
                (q, s), _ = _profiles([mk, sp], va, float(th))
                va.spec[key] = s
            else:
                (q,), _ = _profiles([mk], va, float(th))
            for st in sides:
                e = _edge_at(q, s, float(th), st)
                if e is None or (around is None and not e.clean):
                    continue
                if best is None or e.width < best.width:
                    best = e
        return best

    grid = np.arange(0.0, 180.0, 3.0) if around is None else around + np.arange(
        -MAX_PARALLEL_DEG, MAX_PARALLEL_DEG + 0.1, 3.0)
    e = scan(grid)
    if e is None:
        return None
    return scan(e.theta + np.arange(-2.0, 2.01, 0.5)) or e


def _band_evidence(
    bg_lab: np.ndarray, n_bg: int, spec: np.ndarray, valid: np.ndarray, textures: np.ndarray,
    levels: np.ndarray,
) -> tuple[ViewEvidence, str, float]:
    """Edges of a specimen band against flat border regions (evidence, why not, nearest
    rejected edge width)."""
    if n_bg == 0:
        return ViewEvidence(), "no flat region at the border", math.inf
    f = max(1, math.ceil(max(spec.shape) / _GRID))

    def small(m: np.ndarray) -> np.ndarray:
        return block_mean(m.astype(np.float32), f, partial="spread")

    va = _Lines.of(small(valid) > 0.99)
    # each weight gathered once on the valid cells (every direction reads the same cells)
    sp = va.cells(small(spec))
    masks = {k: va.cells(small(bg_lab == k)) for k in range(1, n_bg + 1)}
    # a band next to the excluded area (data bar) is no edge: its pixels are unknown there
    cands: list[tuple[int, _Edge]] = []
    near = math.inf
    why = "no flat border region ends at a straight edge across the field"
    for k, mk in masks.items():
        e = _best_edge(mk, sp, va)
        if e is None:
            continue
        if textures[k] > MAX_BACKGROUND_TEXTURE:
            near = min(near, max(e.width, MAX_EDGE_WIDTH + 1e-3))
            why = (f"the straightest flat border region keeps {100 * textures[k]:.0f}% of the "
                   f"specimen's texture (<= {100 * MAX_BACKGROUND_TEXTURE:.0f}% needed)")
            continue
        if e.width > e.limit or e.band < 0.5:
            near = min(near, e.width)
            continue
        cands.append((k, e))
    if not cands:
        return ViewEvidence(), why, near
    cands.sort(key=lambda ke: ke[1].width)
    for k, e in cands:
        # the far side: another background across the band must end at a parallel,
        # straight edge too
        # (a flat region of another grey level is part of the specimen: a dense substrate)
        others = [masks[m] for m in masks
                  if m != k and abs(levels[m] - levels[k]) < _SAME_LEVEL]
        second = None
        rejected = False
        for mk in others:
            (qo,), _ = _profiles([mk], va, e.theta)
            far = qo if not e.start else qo[::-1]
            if far.size == 0 or far[0] < _BG_LINE:
                continue
            e2 = _best_edge(mk, sp, va, start=not e.start, around=e.theta)
            if e2 is None or e2.width > e2.limit:
                near = min(near, e.width)
                why = ("a flat border region ends at a straight edge but the background "
                       f"across the band ends raggedly (width "
                       f"{e2.width if e2 is not None else float('nan'):.3f} > "
                       f"{round(e2.limit if e2 is not None else MAX_EDGE_WIDTH, 3):g})")
                rejected = True
                break
            if second is None or e2.width < second.width:
                second = e2
        if rejected:
            continue
        if second is None and e.clean is False:
            continue
        direction = ((e.theta + 90.0) % 180.0) - 90.0
        if direction <= -90.0:
            direction += 180.0
        if second is not None:
            par = abs(((second.theta - e.theta) + 90.0) % 180.0 - 90.0)
            band = max(0.0, 1.0 - e.bg_lines - second.bg_lines - e.width - second.width)
            widths: tuple[float, ...] = (round(e.width, 4), round(second.width, 4))
            return ViewEvidence(2, round(direction, 2), widths, round(par, 2),
                                background_texture=float(textures[k]),
                                band_fraction=round(band, 4),
                                width_limit=round(min(e.limit, second.limit), 4)), "", near
        band = max(0.0, 1.0 - e.bg_lines - e.width)
        return ViewEvidence(1, round(direction, 2), (round(e.width, 4),),
                            background_texture=float(textures[k]),
                            band_fraction=round(band, 4), width_limit=round(e.limit, 4)), \
            "", near
    return ViewEvidence(), why, near


def decide_view(
    image: np.ndarray | None,
    *,
    calibration: Calibration,
    path: str | PurePath | None = None,
    excluded: np.ndarray | None = None,
    manifest_view: str | None = None,
    config_view: ConfigView = "auto",
    xs_pattern: str | None = "*_xs*",
    surface_pattern: str | None = None,
) -> ViewDecision:
    """The view of one file: manifest, then filename pattern, then configuration, else detected.

    Examples
    --------
    >>> from semscan.calibration import UNCALIBRATED
    >>> decide_view(None, calibration=UNCALIBRATED, path="lot7_xs_01.tif").source
    'pattern'
    """
    if manifest_view is not None:
        if manifest_view not in _VIEWS:
            raise ConfigError(f"view {manifest_view!r} is not one of {', '.join(_VIEWS)}")
        return ViewDecision(manifest_view, "manifest", "given in the manifest")  # type: ignore[arg-type]
    if path is not None:
        name = PurePath(path).name
        if xs_pattern and fnmatch.fnmatch(name.lower(), xs_pattern.lower()):
            return ViewDecision("cross-section", "pattern", f"file name matches {xs_pattern!r}")
        if surface_pattern and fnmatch.fnmatch(name.lower(), surface_pattern.lower()):
            return ViewDecision("surface", "pattern", f"file name matches {surface_pattern!r}")
    if config_view != "auto":
        if config_view not in _VIEWS:
            raise ConfigError(
                f"view {config_view!r} is not one of 'auto', {', '.join(map(repr, _VIEWS))}"
            )
        return ViewDecision(config_view, "config", "set in the configuration")
    if image is None:
        raise ConfigError("no view given for the file and no image to detect it from")
    return detect_view(image, excluded=excluded, calibration=calibration)
