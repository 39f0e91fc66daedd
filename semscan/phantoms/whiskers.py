"""Synthetic whisker-filled films: straight rods of known length and width in a porous matrix.

A whisker is a rectangle of length ``L`` (along its axis) and width ``D`` (across), its
centre uniform over the image enlarged by half the longest rod on every side (so that, as
in a real field of view, some whiskers are cut by the image border), its axis at a uniform
random angle in the plane. Lengths and widths are drawn from gamma distributions of the
given mean and coefficient of variation. Rods may touch and cross, but a rod is redrawn
when it would overlap another at less than ``min_cross_deg``. Two further kinds can be
added: ``n_short`` short rods of L/D uniform in ``short_aspect`` (the claims' whiskers
start at L/D 1.5), and ``n_pairs`` pairs of parallel rods touching along their length
(side by side, no gap, the second one shifted along the axis), whose contact line the
rendering draws darker (the groove between two touching rods sends out fewer electrons).

The matrix is a Boolean model of discs (round pores) in the polymer, and a whisker hides
the pores below it: ``pore = discs & ~whisker``. The rendering is
:func:`semscan.phantoms.render.render_sem` with the whiskers brighter than the polymer
(inorganic whiskers of higher atomic number emit more electrons than the polymer).

Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from semscan._morphology import grow_cross
from semscan.errors import ConfigError
from semscan.phantoms.geometry import boolean_discs
from semscan.phantoms.render import RenderParams, render_sem

__all__ = ["Rod", "WhiskerFilm", "render_whisker_film", "rod_mask", "whisker_film"]


@dataclass(frozen=True)
class Rod:
    """One synthetic whisker (all in px of the image grid).

    Attributes
    ----------
    row, col : float
        Centre (may lie outside the image).
    length_px, width_px : float
        ``L`` along the axis and ``D`` across.
    angle_deg : float
        Axis direction, counter-clockwise as displayed, 0 = along the rows, in [0, 180).
    """

    row: float
    col: float
    length_px: float
    width_px: float
    angle_deg: float

    @property
    def aspect(self) -> float:
        """L / D."""
        return self.length_px / self.width_px

    def inside(self, shape: tuple[int, int], *, margin_px: float = 1.0) -> bool:
        """Whether the whole rod (its four corners) lies in the image, ``margin_px`` from
        its pixel edges."""
        rows, cols = shape
        r, c = self.corners()
        return bool(r.min() >= margin_px - 0.5 and c.min() >= margin_px - 0.5
                    and r.max() <= rows - 0.5 - margin_px and c.max() <= cols - 0.5 - margin_px)

    def corners(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of the rectangle's four corners."""
        t = math.radians(self.angle_deg)
        u = np.array([-math.sin(t), math.cos(t)])  # along the axis, (row, col)
        v = np.array([math.cos(t), math.sin(t)])   # across
        pts = [np.array([self.row, self.col]) + a * self.length_px / 2 * u
               + b * self.width_px / 2 * v for a in (-1, 1) for b in (-1, 1)]
        arr = np.array(pts)
        return arr[:, 0], arr[:, 1]

    def visible_length_px(self, shape: tuple[int, int]) -> float:
        """Length of the rod's axis inside the image's pixel edges (clipped segment)."""
        rows, cols = shape
        t = math.radians(self.angle_deg)
        dr, dc = -math.sin(t) * self.length_px, math.cos(t) * self.length_px
        r0, c0 = self.row - dr / 2, self.col - dc / 2
        lo, hi = 0.0, 1.0
        for p, q in ((-dr, r0 + 0.5), (dr, rows - 0.5 - r0), (-dc, c0 + 0.5),
                     (dc, cols - 0.5 - c0)):
            if p == 0:
                if q < 0:
                    return 0.0
                continue
            s = q / p
            if p < 0:
                lo = max(lo, s)
            else:
                hi = min(hi, s)
        return max(0.0, hi - lo) * self.length_px


def rod_mask(shape: tuple[int, int], rod: Rod) -> np.ndarray:
    """The pixels whose centres lie in the rod's rectangle (half-open along and across).

    Examples
    --------
    >>> m = rod_mask((20, 40), Rod(10, 20, 30, 5, 0.0))
    >>> int(m.sum()), int(m.any(axis=0).sum()), int(m.any(axis=1).sum())
    (150, 30, 5)
    """
    rows, cols = shape
    out = np.zeros(shape, bool)
    r, c = rod.corners()
    r0, r1 = max(0, math.floor(r.min())), min(rows, math.ceil(r.max()) + 1)
    c0, c1 = max(0, math.floor(c.min())), min(cols, math.ceil(c.max()) + 1)
    if r0 >= r1 or c0 >= c1:
        return out
    rr, cc = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    t = math.radians(rod.angle_deg)
    along = (cc - rod.col) * math.cos(t) - (rr - rod.row) * math.sin(t)
    across = (cc - rod.col) * math.sin(t) + (rr - rod.row) * math.cos(t)
    # half-open, so that an axis-aligned rod of integer L x D has exactly L x D pixels
    hl, hd = rod.length_px / 2, rod.width_px / 2
    out[r0:r1, c0:c1] = (along >= -hl) & (along < hl) & (across >= -hd) & (across < hd)
    return out


@dataclass(frozen=True, eq=False)
class WhiskerFilm:
    """A synthetic whisker film and its exact answers.

    Attributes
    ----------
    pore, whisker : ndarray of bool, shape (rows, columns)
        Pores of the matrix and whisker pixels (disjoint); the polymer is the rest.
    rods : tuple of Rod
        Every rod drawn (some only partly, or not at all, in the image).
    labels : ndarray of int32
        Which rod each whisker pixel belongs to (index into ``rods`` + 1; 0 elsewhere; a
        crossing's pixels belong to the rod drawn last).
    pairs : tuple of (int, int)
        Indices into ``rods`` of the parallel touching pairs.
    """

    pore: np.ndarray
    whisker: np.ndarray
    rods: tuple[Rod, ...]
    labels: np.ndarray
    pairs: tuple[tuple[int, int], ...] = ()

    def groove(self) -> np.ndarray:
        """The contact line of each touching pair: the pixels of either rod 4-adjacent to
        the other rod's pixels (2 px wide)."""
        out = np.zeros(self.shape, bool)
        for i, j in self.pairs:
            a, b = self.labels == i + 1, self.labels == j + 1
            out |= (a & grow_cross(b)) | (b & grow_cross(a))
        return out

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.pore.shape[0]), int(self.pore.shape[1]))

    def visible(self, *, min_length_px: float = 0.0) -> list[Rod]:
        """The rods whose axis lies at least ``min_length_px`` inside the image."""
        return [r for r in self.rods if r.visible_length_px(self.shape) > min_length_px]

    def complete(self, *, margin_px: float = 1.0) -> list[Rod]:
        """The rods that lie wholly inside the image."""
        return [r for r in self.rods if r.inside(self.shape, margin_px=margin_px)]

    @property
    def whisker_fraction(self) -> float:
        """Whisker pixels / all pixels."""
        return float(self.whisker.mean())

    @property
    def matrix_porosity(self) -> float:
        """Pore pixels / (pore + polymer pixels): the porosity of the matrix."""
        return float(self.pore.sum() / max(1, (~self.whisker).sum()))


def _gamma(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    if cv <= 0:
        return np.full(n, float(mean))
    k = 1.0 / (cv * cv)
    return rng.gamma(k, mean / k, n)


def whisker_film(
    shape: tuple[int, int],
    *,
    n_rods: int,
    length_px: float,
    width_px: float,
    length_cv: float = 0.25,
    width_cv: float = 0.1,
    min_width_px: float = 3.0,
    min_aspect: float = 3.0,
    porosity: float = 0.4,
    pore_radius_px: float = 6.0,
    min_cross_deg: float = 35.0,
    n_short: int = 0,
    short_aspect: tuple[float, float] = (1.5, 3.0),
    n_pairs: int = 0,
    seed: int = 0,
) -> WhiskerFilm:
    """Draw a whisker film of ``n_rods`` rods in a porous matrix.

    Parameters
    ----------
    shape : (rows, columns)
    n_rods : int
        Rods drawn over the enlarged image (about ``n_rods * rows * cols / enlarged
        area`` of them have their centre in the image).
    length_px, width_px : float
        Mean rod length ``L`` and width ``D`` (px).
    length_cv, width_cv : float
        Coefficients of variation of the gamma distributions of ``L`` and ``D``.
    min_width_px, min_aspect : float
        Rods thinner than ``min_width_px`` or of ``L / D`` below ``min_aspect`` are redrawn
        (the distributions are then those truncated).
    porosity : float
        Expected porosity of the pore discs before the whiskers cover some.
    pore_radius_px : float
        Radius of the round pores.
    min_cross_deg : float
        Smallest angle at which two rods may overlap.
    n_short : int
        Further short rods, of D from the width distribution and L = D times a uniform
        draw from ``short_aspect`` (drawn after the others, which stay as without them).
    short_aspect : (float, float)
        Range of the short rods' L/D.
    n_pairs : int
        Further pairs of parallel rods touching side by side (sizes from the
        distributions; the second rod shifted along the axis by up to a third of the
        shorter length), drawn last; a pair touches no other rod.
    seed : int

    Returns
    -------
    WhiskerFilm

    Raises
    ------
    ConfigError
        On a non-positive size or a porosity outside [0, 1).

    Examples
    --------
    >>> film = whisker_film((128, 128), n_rods=6, length_px=40, width_px=6, seed=1)
    >>> film.whisker.shape, bool((film.whisker & film.pore).any()), len(film.rods)
    ((128, 128), False, 6)
    """
    if length_px <= 0 or width_px <= 0 or n_rods < 0:
        raise ConfigError(
            f"length_px={length_px}, width_px={width_px}, n_rods={n_rods}: give positive "
            "rod sizes and a rod count >= 0"
        )
    if not 0.0 <= porosity < 1.0:
        raise ConfigError(f"porosity must be in [0, 1), got {porosity}")
    rows, cols = shape
    rng = np.random.default_rng(seed)
    half = length_px * (1 + 3 * length_cv) / 2
    rods: list[Rod] = []
    labels = np.zeros(shape, np.int32)
    pairs: list[tuple[int, int]] = []

    def place(group: list[Rod], *, alone: bool) -> bool:
        masks = [rod_mask(shape, rod) for rod in group]
        if alone and not all(m.any() for m in masks):
            return False  # a pair both of whose rods show in the image
        for rod, m in zip(group, masks, strict=True):
            # grow by one pixel: rods that only touch count as overlapping here
            touched = np.unique(labels[grow_cross(m)])
            if alone and touched.size and touched.max() > 0:
                return False
            if any(_angle_between(rods[k - 1].angle_deg, rod.angle_deg) < min_cross_deg
                   for k in touched if k):
                return False
        for rod, m in zip(group, masks, strict=True):
            rods.append(rod)
            labels[m] = len(rods)
        return True

    def draw(n: int, kind: str) -> None:
        tries = 0
        done = 0
        while done < n:
            tries += 1
            if tries > 200 * max(1, n):
                raise ConfigError(
                    f"could not place {n} {kind} at {min_cross_deg} degrees apart in "
                    f"{shape}; draw fewer or shorter rods"
                )
            L = float(_gamma(rng, length_px, length_cv, 1)[0])
            D = float(_gamma(rng, width_px, width_cv, 1)[0])
            if kind == "short rods":
                L = D * float(rng.uniform(*short_aspect))
            r = float(rng.uniform(-half, rows - 1 + half))
            c = float(rng.uniform(-half, cols - 1 + half))
            a = float(rng.uniform(0.0, 180.0))
            if D < min_width_px or (kind != "short rods" and L / D < min_aspect):
                continue
            group = [Rod(r, c, L, D, a)]
            if kind == "pairs":
                L2 = float(_gamma(rng, length_px, length_cv, 1)[0])
                D2 = float(_gamma(rng, width_px, width_cv, 1)[0])
                if D2 < min_width_px or L2 / D2 < min_aspect:
                    continue
                shift = float(rng.uniform(-1, 1)) * min(L, L2) / 3
                t = math.radians(a)
                off = (D + D2) / 2  # side by side: the rectangles share an edge
                group.append(Rod(r + off * math.cos(t) - shift * math.sin(t),
                                 c + off * math.sin(t) + shift * math.cos(t), L2, D2, a))
            if place(group, alone=kind == "pairs"):
                if kind == "pairs":
                    pairs.append((len(rods) - 2, len(rods) - 1))
                done += 1

    draw(n_rods, "rods")
    draw(n_short, "short rods")
    draw(n_pairs, "pairs")
    whisker = labels > 0
    if porosity > 0:
        lam = -math.log(1 - porosity) / (math.pi * pore_radius_px**2)
        discs = boolean_discs(shape, intensity_per_px2=lam, radius_px=pore_radius_px,
                              seed=seed + 1)
    else:
        discs = np.zeros(shape, bool)
    return WhiskerFilm(pore=discs & ~whisker, whisker=whisker, rods=tuple(rods), labels=labels,
                       pairs=tuple(pairs))


def _angle_between(a_deg: float, b_deg: float) -> float:
    d = abs(a_deg - b_deg) % 180.0
    return min(d, 180.0 - d)


def render_whisker_film(
    film: WhiskerFilm, *, seed: int, params: RenderParams | None = None,
    whisker_level: float = 0.92, groove_level: float | None = None,
) -> np.ndarray:
    """Render a whisker film as an SEM-like image (:func:`render_sem`, whiskers bright).

    The contact line of touching pairs (:meth:`WhiskerFilm.groove`) is drawn at
    ``groove_level`` (default: halfway between the solid's and the whiskers' grey) before
    the blur.

    Examples
    --------
    >>> film = whisker_film((96, 96), n_rods=3, length_px=40, width_px=6, seed=2)
    >>> img = render_whisker_film(film, seed=0)
    >>> bool(img[film.whisker].mean() > img[~film.whisker & ~film.pore].mean())
    True
    """
    if not film.pairs:
        return render_sem(film.pore, seed=seed, params=params, bright=film.whisker,
                          bright_level=whisker_level)
    p = params or RenderParams()
    level = 0.5 * (p.solid_level + whisker_level) if groove_level is None else groove_level
    groove = film.groove()
    levels = np.where(groove, level, whisker_level)
    return render_sem(film.pore, seed=seed, params=p, bright=film.whisker,
                      bright_level=levels[film.whisker])
