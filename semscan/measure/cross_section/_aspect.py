"""The laminar aspect ratio (METHODS.md 4), measured again only where an edit reached.

:func:`aspect_ratio` is the area-weighted mean moment-ellipse aspect ratio of the pores of a
film-frame region (:func:`~semscan.measure.cross_section.laminar.laminar_in_region`). Every
pore's ellipse depends on that pore's pixels alone, and whether it counts on them and on the
region's border next to them; so after a reviewer's edit (issue 20) only the pores that
meet the changed pixels, or touch them, can differ. With a ``cache``, the pores of the last
measurement of the same region are kept (a component image with stable ids and a table of
each pore's area, ratio, first pixel and bounding box): the changed pixels' bounding box
``B``, grown by one pixel, names the old pores it meets; the pores of the new mask that can
differ are exactly the components of those old pores' pixels together with the new pore
pixels of ``B`` (any other new pore pixel is unchanged, not 4-adjacent to ``B``, and so in
an old pore that ``B`` does not reach, whose pixels and neighbours are all unchanged), and
only those are labelled and measured again, in the bounding box they span. Each pore's sums
run over its pixels in raster order, as in one measurement of the whole region, and the
pores are summed in the order of their first pixel, which is the order
:func:`scipy.ndimage.label` numbers them in: the number is the one measured without a
cache, bit for bit (tested).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import ndimage as ndi

from semscan._morphology import grow_cross
from semscan.measure.cross_section._memo import digest

__all__ = ["aspect_ratio"]

_STATES = "aspect_states"
_MAX_STATES = 4  # regions kept (film interior, each layer of a laminated film ...)


def aspect_ratio(
    pore_int: np.ndarray, interior: np.ndarray, *, cache: dict[str, Any] | None = None
) -> tuple[float, int]:
    """Area-weighted mean aspect ratio of the pores lying within 30 degrees of the film plane
    (and how many): the ellipse of each pore's second moments, as
    :func:`skimage.measure.regionprops` has it (``axis_major_length / axis_minor_length``,
    ``orientation`` from the row axis), for all pores at once.

    Pores touching the interior's border, of fewer than 5 pixels or with no width (a straight
    run of pixels: a zero minor axis) are left out.

    Parameters
    ----------
    pore_int : ndarray of bool
        The pores inside the region (``pore & interior``); not modified afterwards.
    interior : ndarray of bool
        The region.
    cache : dict, optional
        Kept between measurements of edits of one image (module docstring): only the pores
        an edit can change are measured again. The result is the one measured without it.

    Examples
    --------
    >>> m = np.zeros((40, 60), bool); m[10:14, 5:25] = True; m[20:30, 30:33] = True
    >>> ar, n = aspect_ratio(m, np.ones(m.shape, bool))   # the upright pore is left out
    >>> round(ar, 3), n                                   # sqrt((20**2 - 1) / (4**2 - 1))
    (5.158, 1)
    """
    if cache is None:
        return _State.measure(pore_int, interior).result()
    states: dict[bytes, _State] = cache.setdefault(_STATES, {})
    key = digest(interior)
    st = states.pop(key, None)
    if st is None:
        st = _State.measure(pore_int, interior)
    else:
        st.update(pore_int, interior)
    states[key] = st  # the most recent last
    while len(states) > _MAX_STATES:
        states.pop(next(iter(states)))
    return st.result()


def _pores(lab: np.ndarray, k: int, r0: int, c0: int, border: np.ndarray) -> dict[str, Any]:
    """Each of the ``k`` components of ``lab`` (a window whose pixel (0, 0) is image pixel
    ``(r0, c0)``): area, aspect ratio, counted or not, first pixel and bounding box; the
    moments exactly as in one measurement of the whole region."""
    rr, cc = np.nonzero(lab)
    ll = lab[rr, cc]
    rr = rr + r0
    cc = cc + c0
    n = k + 1
    area = np.bincount(ll, minlength=n).astype(float)
    safe = np.maximum(area, 1.0)
    dr = rr - (np.bincount(ll, rr, n) / safe)[ll]
    dc = cc - (np.bincount(ll, cc, n) / safe)[ll]
    # the inertia tensor [[a, b], [b, c]] of regionprops: a = mu02 / m00, c = mu20 / m00
    a = np.bincount(ll, dc * dc, n) / safe
    c = np.bincount(ll, dr * dr, n) / safe
    b = -np.bincount(ll, dr * dc, n) / safe
    half = np.sqrt(((a - c) / 2) ** 2 + b * b)
    major = np.maximum((a + c) / 2 + half, 0.0)
    minor = np.maximum((a + c) / 2 - half, 0.0)
    orientation = np.where(a - c == 0, np.where(b < 0, math.pi / 4, -math.pi / 4),
                           0.5 * np.arctan2(-2 * b, c - a))
    keep = (area >= 5) & (minor > 0) & (np.abs(orientation) >= math.radians(60.0))
    keep[0] = False
    keep[lab[border]] = False  # touching the border (label 0 is out anyway)
    ratio = np.full(n, np.nan)
    ratio[keep] = np.sqrt(major[keep]) / np.sqrt(minor[keep])
    # labels are numbered in raster order: each one's first pixel is where ll first exceeds
    # every label before it
    first = np.flatnonzero(ll > np.maximum.accumulate(np.concatenate(([0], ll[:-1]))))
    objs = ndi.find_objects(lab, k)
    box = np.array([(s[0].start + r0, s[0].stop + r0, s[1].start + c0, s[1].stop + c0)
                    for s in objs], np.intp).reshape(-1, 4)
    return {"area": area[1:], "ratio": ratio[1:], "keep": keep[1:],
            "first_r": rr[first], "first_c": cc[first], "box": box}


class _State:
    """The pores of the last measurement of one region: ids image and per-pore table."""

    def __init__(self, pore_int: np.ndarray, ids: np.ndarray, table: dict[str, Any]) -> None:
        self.pore_int, self.ids, self.table = pore_int, ids, table
        self.alive = np.ones(len(table["area"]), bool)

    @classmethod
    def measure(cls, pore_int: np.ndarray, interior: np.ndarray) -> _State:
        lab, k = ndi.label(pore_int)  # 4-connected, numbered in raster order
        pores = _pores(lab, k, 0, 0, grow_cross(~interior))
        return cls(pore_int, lab, pores)  # id i + 1 is row i of the table

    def update(self, pore_int: np.ndarray, interior: np.ndarray) -> None:
        rows, cols = pore_int.shape
        changed = pore_int != self.pore_int
        rr = np.flatnonzero(changed.any(axis=1))
        if rr.size == 0:
            self.pore_int = pore_int
            return
        cc = np.flatnonzero(changed.any(axis=0))
        b0, b1, d0, d1 = int(rr[0]), int(rr[-1]) + 1, int(cc[0]), int(cc[-1]) + 1
        g0, g1, h0, h1 = max(b0 - 1, 0), min(b1 + 1, rows), max(d0 - 1, 0), min(d1 + 1, cols)
        hit = np.unique(self.ids[g0:g1, h0:h1])
        hit = hit[hit > 0]
        boxes = self.table["box"][hit - 1]
        w0 = min(g0, *boxes[:, 0]) if hit.size else g0
        w1 = max(g1, *boxes[:, 1]) if hit.size else g1
        v0 = min(h0, *boxes[:, 2]) if hit.size else h0
        v1 = max(h1, *boxes[:, 3]) if hit.size else h1
        old = self.ids[w0:w1, v0:v1]
        gone = np.isin(old, hit) if hit.size else np.zeros(old.shape, bool)
        reach = gone.copy()
        reach[b0 - w0 : b1 - w0, d0 - v0 : d1 - v0] = True
        lab, k = ndi.label(pore_int[w0:w1, v0:v1] & reach)
        # the region's border next to the window: one pixel beyond it, where it has one
        e0, e1, f0, f1 = max(w0 - 1, 0), min(w1 + 1, rows), max(v0 - 1, 0), min(v1 + 1, cols)
        border = grow_cross(~interior[e0:e1, f0:f1])[w0 - e0 : w1 - e0, v0 - f0 : v1 - f0]
        new = _pores(lab, k, w0, v0, border)
        n_old = len(self.table["area"])
        old[gone] = 0
        on = lab > 0
        old[on] = (lab[on] + n_old).astype(self.ids.dtype)
        self.table = {key: np.concatenate((self.table[key], new[key]))
                      for key in self.table}
        self.alive[hit - 1] = False
        self.alive = np.concatenate((self.alive, np.ones(k, bool)))
        self.pore_int = pore_int

    def result(self) -> tuple[float, int]:
        t = self.table
        sel = np.flatnonzero(self.alive & t["keep"])
        if sel.size == 0:
            return float("nan"), 0
        order = sel[np.lexsort((t["first_c"][sel], t["first_r"][sel]))]
        area = t["area"][order]
        num = np.cumsum(area * t["ratio"][order])[-1]  # summed in label order, as a loop
        den = np.cumsum(area)[-1]
        return float(num / den), int(sel.size)
