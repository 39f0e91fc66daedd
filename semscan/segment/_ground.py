"""The flat-ground test of a grey-level histogram: is one phase a narrow peak (a substrate
under sparse objects) beside a broad phase?

Used by the background flattening (:mod:`semscan.segment.preprocess`: a flat pore ground
is the level kept flat) and by the automatic threshold choice
(:mod:`semscan.segment.threshold`: hysteresis from the ground's edge). Public through
:mod:`semscan.segment.threshold` and :mod:`semscan.segment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from semscan._choices import PoreTone
from semscan._ndimage import Histogram, otsu_of_histogram

__all__ = ["GROUND_MIN_FRACTION", "GROUND_RATIO", "GROUND_WIDTHS", "GroundPeak", "ground_peak"]

# auto: hysteresis when one phase is a narrow grey peak (a flat ground) beside a broad phase:
# the broad phase's SD over the narrow peak's half-width (see ground_peak) at least this ...
GROUND_RATIO = 4.5
# ... and the broad phase then reaches down to the ground's mode + this many half-widths.
GROUND_WIDTHS = 4.0
# ... and the ground holds at least this fraction of the pixels (sparse objects on it).
GROUND_MIN_FRACTION = 0.7


@dataclass(frozen=True)
class GroundPeak:
    """One phase's histogram peak against the other phase (:func:`ground_peak`).

    Grey levels are those of the histogram (the preprocessed image, [0, 1]).

    Attributes
    ----------
    ground : {'pore', 'solid'}
        The phase with the narrow peak.
    side : {'low', 'high'}
        Its side of Otsu's threshold.
    mode, half_width : float
        The ground's grey mode and half-width.
    broad_sd : float
        SD of the grey levels of the other (broad) phase.
    ratio : float
        ``broad_sd / half_width``.
    otsu : float
        Otsu's threshold of the histogram.
    low : float
        Where the broad phase ends: ``mode`` + :data:`GROUND_WIDTHS` half-widths towards
        ``otsu``.
    fraction : float
        Fraction of the pixels on the ground's side.
    """

    ground: Literal["pore", "solid"]
    side: Literal["low", "high"]
    mode: float
    half_width: float
    broad_sd: float
    ratio: float
    otsu: float
    low: float
    fraction: float

    @property
    def broad(self) -> Literal["pore", "solid"]:
        """The other phase."""
        return "solid" if self.ground == "pore" else "pore"

    @property
    def flat(self) -> bool:
        """A flat ground under sparse objects: ``ratio >=`` :data:`GROUND_RATIO` and
        ``fraction >=`` :data:`GROUND_MIN_FRACTION`."""
        return self.ratio >= GROUND_RATIO and self.fraction >= GROUND_MIN_FRACTION


def _side_peak(
    counts: np.ndarray, centers: np.ndarray, side: np.ndarray, away: int
) -> tuple[float, float, float]:
    """Mode, half-width and SD of the histogram bins in ``side``; the half-width is the RMS
    distance from the mode of the bins beyond it in direction ``away`` (-1 down, +1 up),
    the side away from the other phase, which that phase's tail does not reach. The
    half-width is 0 when the mode sits on the histogram's end (a clipped peak)."""
    c, x = counts[side], centers[side]
    n = c.sum()
    if n <= 0:
        return 0.0, 0.0, 0.0
    mean = float((c * x).sum() / n)
    sd = float(np.sqrt(max((c * (x - mean) ** 2).sum() / n, 0.0)))
    k = int(np.argmax(c))
    mode = float(x[k])
    far = slice(0, k + 1) if away < 0 else slice(k, None)
    cf, xf = c[far], x[far]
    if cf.size < 2 or (k == 0 and away < 0) or (k == c.size - 1 and away > 0):
        return mode, 0.0, sd
    hw = float(np.sqrt((cf * (xf - mode) ** 2).sum() / cf.sum()))
    return mode, hw, sd


def ground_peak(
    hist: Histogram | None, pores: PoreTone = "dark"
) -> GroundPeak | None:
    """Is one phase a narrow grey peak (a flat ground) beside a broad phase?

    The valid pixels are split at Otsu's threshold ``t``. On each side the histogram's mode
    and its *half-width* are taken: the RMS distance from the mode of the pixels beyond it,
    away from ``t`` (that flank is the phase's own noise; the other flank holds the edges
    and the other phase). The ground is the side whose half-width is smallest against the
    other side's SD; ``ratio = SD(other) / half-width(ground)``. Particles on a substrate
    (a flat ground, grey of the particles spread by shading, rims and dark interiors) give
    ratios of 3-6; two phases with similar noise (porous films, renders) about 0.5-1.5.
    The level at which the broad phase ends is ``low = mode + 4 half-widths`` towards ``t``.

    Parameters
    ----------
    hist : (counts, centers) or None
        256-bin histogram of the valid, preprocessed pixels.
    pores : {'dark', 'bright'}
        Which side of ``t`` is pore.

    Returns
    -------
    GroundPeak or None
        None for a constant image or when a side is empty or clipped.

    Examples
    --------
    >>> import numpy as np
    >>> from semscan._ndimage import histogram
    >>> rng = np.random.default_rng(0)
    >>> ground = rng.normal(0.2, 0.01, 9000)                # a flat substrate
    >>> grains = rng.uniform(0.3, 0.9, 1000)                # shaded particles
    >>> img = np.concatenate([ground, grains]).astype(np.float32)[None, :]
    >>> g = ground_peak(histogram(img))
    >>> g.ground, round(g.ratio) > 10, 0.22 < g.low < 0.3, g.flat
    ('pore', True, True, True)
    """
    if hist is None:
        return None
    counts, centers = hist
    t = otsu_of_histogram(counts, centers)
    low_side, high_side = centers <= t, centers > t
    if counts[low_side].sum() <= 0 or counts[high_side].sum() <= 0:
        return None
    m_lo, hw_lo, sd_lo = _side_peak(counts, centers, low_side, -1)
    m_hi, hw_hi, sd_hi = _side_peak(counts, centers, high_side, +1)
    floor = float(centers[1] - centers[0]) / 2.0  # below a bin, the width is unresolved
    if hw_lo <= floor and hw_hi <= floor:
        return None
    r_lo = sd_hi / hw_lo if hw_lo > floor else 0.0
    r_hi = sd_lo / hw_hi if hw_hi > floor else 0.0
    if r_lo >= r_hi:
        side, mode, hw, sd, low = "low", m_lo, hw_lo, sd_hi, m_lo + GROUND_WIDTHS * hw_lo
    else:
        side, mode, hw, sd, low = "high", m_hi, hw_hi, sd_lo, m_hi - GROUND_WIDTHS * hw_hi
    pore_low = pores == "dark"
    ground = "pore" if (side == "low") == pore_low else "solid"
    n_low = float(counts[low_side].sum())
    fraction = n_low / float(counts.sum())
    return GroundPeak(
        ground=ground,
        side=side,
        mode=mode,
        half_width=hw,
        broad_sd=sd,
        ratio=sd / hw,
        otsu=float(t),
        low=float(low),
        fraction=fraction if side == "low" else 1.0 - fraction,
    )
