#!/usr/bin/env python3
"""Grey-level cues tried for the segmentation verdict on shaded surfaces (issue 18, item 5).

    python scripts/verdict_cues.py [--shared PATH]

Segments every real micrograph of ``PATH/data/real`` and ``gt/`` as ``semscan analyze``
does (``analyze_path``, defaults; ``pores='bright'`` for ``gt/dealloyed_fe_ni``) and prints,
per image, cues from the physics of secondary-electron images that might tell pores (dark
holes) from shading (tilted faces, folds). None of them is used by
:mod:`semscan.segment.verdict`: on these images none separates particles_fei and
wrinkled_film_fei16 from the clean porous images with any margin (README, "Segmentation
verdict"). Every cue reads the grey normalised to its 1-99 % range; "dark phase" is the
phase with the lower mean grey (the pores with ``pores='dark'``).

- ``valley``: histogram density at its lowest between the two phases' median grey levels
  over the lower of the two peaks, grey blurred with sigma 2 px (0 = empty valley, 1 = none);
- ``width_spread``: 75th / 25th percentile of the edge width on the boundary, width = local
  step between the phases' mean grey (over 2 mean chords) / grey gradient (sigma 1 px):
  one beam blurs every material step alike, shading's slopes vary;
- ``max_skew``: largest |skewness| of the directional derivative (sigma 1.5 px) over 12
  directions: a side detector shades faces asymmetrically;
- ``grad_aniso``: (l1 - l2) / (l1 + l2) of the eigenvalues of the mean gradient
  structure tensor (sigma 1.5 px);
- ``flat_mid``: of the 20 % flattest pixels (gradient, sigma 1.5 px), the fraction whose grey
  lies in the middle half between the phases' median levels (facets at every grey level);
- ``cup``: curvedness-weighted fraction of the dark phase where the grey (blurred with a
  quarter of the dark phase's mean chord) is a bowl, both Hessian eigenvalues > 0 (a pore
  is a hole; a slope or a valley is not);
- ``rim``: peak of the median grey 1-8 px into the bright phase minus its value at 12 px,
  over the step, < 0 when the grey keeps rising into the solid (the SE edge effect
  brightens the solid at a pore's edge).
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from semscan._morphology import distance_transform  # noqa: E402
from semscan._ndimage import blur  # noqa: E402
from semscan.config import AnalysisConfig  # noqa: E402
from semscan.pipeline import analyze_path  # noqa: E402
from semscan.segment._local_means import _masked_mean  # noqa: E402

CUES = ("valley", "width_spread", "max_skew", "grad_aniso", "flat_mid", "cup", "rim")


def _sobel(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) / 8.0,
            cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) / 8.0)


def cues(image: np.ndarray, pore: np.ndarray, solid: np.ndarray,
         excluded: np.ndarray) -> dict[str, float]:
    """The cues of the module docstring for one grey image and its masks."""
    valid = (pore | solid) & ~excluded
    lo, hi = np.percentile(image[valid], [1, 99])
    g0 = np.clip((image - lo) / (hi - lo), -0.5, 1.5).astype(np.float32)
    g0[~valid] = float(np.median(g0[valid]))
    dark = (pore if g0[pore & valid].mean() < g0[solid & valid].mean() else solid) & valid
    bright = valid & ~dark
    n_edge = (np.count_nonzero((dark[:, 1:] != dark[:, :-1]) & valid[:, 1:])
              + np.count_nonzero((dark[1:] != dark[:-1]) & valid[1:]))
    chord = 2.0 * valid.sum() / max(n_edge, 1)
    dark_chord = 2.0 * dark.sum() / max(n_edge, 1)
    inner = cv2.erode(valid.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    out: dict[str, float] = {}
    # valley
    g2 = blur(g0, 2.0, border="reflect101")
    h, _ = np.histogram(g2[valid], bins=50, range=(-0.1, 1.1))
    h = np.convolve(h, np.ones(3) / 3, "same")
    i0, i1 = (int((float(np.median(g0[m])) + 0.1) / 1.2 * 50) for m in (dark, bright))
    peaks = min(h[max(0, i0 - 3):i0 + 4].max(), h[max(0, i1 - 3):i1 + 4].max())
    out["valley"] = float(h[i0:i1 + 1].min() / peaks) if i1 - i0 >= 2 else math.nan
    # width spread
    sc = float(np.clip(2 * chord, 3, 200))
    step = np.abs(_masked_mean(g0, bright, sc) - _masked_mean(g0, dark, sc))
    dd = distance_transform(dark, metric="euclidean_3x3")
    edge = (dd > 0) & (dd <= 1.01) & inner
    gx, gy = _sobel(blur(g0, 1.0, border="reflect101"))
    w = step[edge] / np.maximum(np.hypot(gx, gy)[edge], 1e-6)
    q25, q75 = np.percentile(w, [25, 75])
    out["width_spread"] = float(q75 / q25)
    # directional skew, gradient anisotropy, flat mid-grey pixels
    g15 = blur(g0, 1.5, border="reflect101")
    gx, gy = _sobel(g15)
    skews = []
    for t in np.radians(np.arange(0, 180, 15)):
        d = (math.cos(t) * gx + math.sin(t) * gy)[inner].astype(np.float64)
        d -= d.mean()
        skews.append(float(np.mean(d**3) / max(np.mean(d**2), 1e-30) ** 1.5))
    out["max_skew"] = float(np.max(np.abs(skews)))
    jxx, jyy, jxy = (float(np.mean(v[inner])) for v in (gx * gx, gy * gy, gx * gy))
    half = math.sqrt(max(((jxx - jyy) / 2) ** 2 + jxy**2, 0.0))
    out["grad_aniso"] = float(2 * half / (jxx + jyy)) if jxx + jyy > 0 else math.nan
    gm = np.hypot(gx, gy)
    flat = inner & (gm <= np.percentile(gm[inner], 20))
    dl, bl = float(np.median(g15[dark])), float(np.median(g15[bright]))
    u = (g15[flat] - dl) / (bl - dl)
    out["flat_mid"] = float(np.mean((u > 0.25) & (u < 0.75)))
    # cup
    gs = blur(g0, max(1.0, 0.25 * dark_chord), border="reflect101")
    gxx = cv2.Sobel(gs, cv2.CV_32F, 2, 0, ksize=3) / 4
    gyy = cv2.Sobel(gs, cv2.CV_32F, 0, 2, ksize=3) / 4
    gxy = cv2.Sobel(gs, cv2.CV_32F, 1, 1, ksize=3) / 4
    disc = np.sqrt(((gxx - gyy) / 2) ** 2 + gxy**2)
    l1, l2 = (gxx + gyy) / 2 + disc, (gxx + gyy) / 2 - disc
    m = dark & cv2.erode(valid.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    wgt = np.sqrt(l1**2 + l2**2)[m]
    out["cup"] = float(np.sum(wgt * (l2[m] > 0)) / np.sum(wgt))
    # rim
    g1 = blur(g0, 1.0, border="reflect101")
    db = distance_transform(bright, metric="euclidean_3x3")
    prof = [float(np.median(g1[bright & (np.abs(db - k) < 0.5)]))
            if np.count_nonzero(bright & (np.abs(db - k) < 0.5)) > 50 else math.nan
            for k in range(1, 13)]
    out["rim"] = float((np.nanmax(prof[:8]) - prof[11]) / (bl - dl))
    return out


def analysed_real(shared: Path) -> Iterator[tuple[Path, Any]]:
    """(path, default ImageResult) of every real image with a verdict to check: the
    micrographs of ``shared/data/real``, the bam_tio2 surfaces and the dealloyed sections
    (``--pores bright``), in that order; also used by scripts/verdict_relief.py."""
    real = shared / "data" / "real"
    jobs = [(p, {}) for p in sorted(real.glob("*")) if p.suffix in (".tif", ".png", ".bmp")]
    jobs += [(p, {}) for p in sorted((real / "gt" / "bam_tio2" / "SEM").glob("*.tif"))]
    jobs += [(p, {"segment.pores": "bright"})
             for p in sorted((real / "gt" / "dealloyed_fe_ni").glob("*"))
             if p.suffix in (".tif", ".jpg")]
    for path, over in jobs:
        cfg = AnalysisConfig().with_overrides(over) if over else AnalysisConfig()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield path, analyze_path(path, config=cfg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = ap.parse_args()
    print("| image | verdict | porosity | " + " | ".join(CUES) + " |")
    print("|---|---|---|" + "---|" * len(CUES))
    for path, res in analysed_real(args.shared):
        seg = res.segmentation
        c = cues(res.micrograph.image.astype(np.float32), seg.pore, seg.solid, seg.excluded)
        phi = seg.pore.sum() / max(1, (seg.pore | seg.solid).sum())
        print(f"| {path.stem[:26]} | {res.verdict} | {phi:.3f} | "
              + " | ".join(f"{c[k]:.2f}" for k in CUES) + " |", flush=True)


if __name__ == "__main__":
    main()
