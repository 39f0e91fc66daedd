"""Private mask statistics behind the structure features (:mod:`semscan.classify.features`).

Fast, dimensionless-ready pieces: block averaging, components, Euler number, shape
statistics, skeletons, boundary convexity, two-point correlation, granulometry and the
speckle-filled pore features. :mod:`semscan.classify.perspective` uses the block averaging
too, which is why these live below both.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from semscan._morphology import (
    component_areas,
    disc,
    distance_transform,
    remove_small,
    skeletonize,
)
from semscan._ndimage import block_mean, blur
from semscan._tiled import masked_percentiles, median_f32, percentiles

TARGET_PX = 6.0  # finest mean intercept after block averaging
MIN_SIDE = 64

def grey_features(
    grey: np.ndarray, pore: np.ndarray, solid: np.ndarray, domain: np.ndarray
) -> dict[str, float]:
    """The ``grey_*`` features (:data:`~semscan.classify.feature_table.FEATURE_DESCRIPTIONS`)."""
    # np.percentile of the float64 values, without the full-size selection
    lo, hi = masked_percentiles(grey, domain, (0.5, 99.5))
    n_pore, n_solid = np.count_nonzero(pore), np.count_nonzero(solid)
    if n_pore < 16 or n_solid < 16 or hi - lo < 1e-9:
        # one phase (or a flat image): no boundary to judge
        return {"grey_boundary_gradient_ratio": 1.0,
                "grey_pore_darkness": 0.0 if n_solid < 16 else 1.0}
    mp = float(grey[pore].astype(np.float64).mean())
    # Edge contrast: gradient (sigma 1 px) on the pore's inner boundary against the region.
    grad = gradient_magnitude(grey)
    inner = cv2.erode(pore.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    gb = grad[pore & ~inner]
    g_med = median_f32(gb) if gb.size else 0.0  # gb: a copy
    del gb
    g_all = median_f32(grad.ravel() if domain.all() else grad[domain])  # grad is not kept
    del grad
    ratio = float(np.clip(g_med / max(g_all, 1e-12), 0.0, 50.0))
    dark = float(np.clip((mp - lo) / (hi - lo), 0.0, 1.0))
    return {"grey_boundary_gradient_ratio": ratio, "grey_pore_darkness": dark}


def _gaussian_kernels(sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """SciPy's Gaussian and first-derivative kernels (radius ``4 sigma``), reversed for a
    correlation, as ``scipy.ndimage.gaussian_filter1d`` builds them, float64."""
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    phi = np.exp(-0.5 / (sigma * sigma) * x**2)
    phi = phi / phi.sum()
    return phi[::-1].copy(), ((-x / (sigma * sigma)) * phi)[::-1].copy()


def gradient_magnitude(grey: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """Gaussian gradient magnitude of a float32 image (px of grey per px), float32.

    ``scipy.ndimage.gaussian_gradient_magnitude(grey, sigma)`` (mode 'reflect') computed
    by OpenCV (about 3.7x less CPU: 42 -> 11 ms for the six fields of particles_fei.tif):
    each 1-D pass in float64 and rounded to float32, as SciPy
    does, but OpenCV sums the taps in another order. Measured on the grey images of the
    32 bundled and real micrographs (and their masks) that the classifier sees: every
    value of 1e-6 or more is the same float32 as SciPy's; 1.2 % of the pixels differ,
    all of them rounding noise about a gradient of exactly 0 in a flat area (at most
    1.8e-15 apart), and no structure feature of those images changed.
    """
    one = np.ones(1)
    g0, g1 = _gaussian_kernels(sigma)
    x = np.ascontiguousarray(grey, np.float32)

    def one_pass(a: np.ndarray, kx: np.ndarray, ky: np.ndarray) -> np.ndarray:
        # float32 in, float64 arithmetic (OpenCV widens the float32 values exactly)
        return cv2.sepFilter2D(a, cv2.CV_64F, kx, ky,
                               borderType=cv2.BORDER_REFLECT).astype(np.float32)

    d0 = one_pass(one_pass(x, one, g1), g0, one)  # d/d row
    d1 = one_pass(one_pass(x, one, g0), g1, one)  # d/d column
    np.multiply(d0, d0, out=d0)
    np.multiply(d1, d1, out=d1)
    np.add(d0, d1, out=d0)
    return np.sqrt(d0, out=d0)


def mean_distance(dist: np.ndarray, mask: np.ndarray) -> float:
    """``float(dist[mask].mean(dtype=np.float64))`` for the float32 distance transform
    ``dist`` of ``mask`` (0 off it, at least 1 on it), bit for bit, without the selection.

    Every value on the mask is a float32 of at least 1, a multiple of 2**-23; while their
    total is below 2**29, every partial sum in float64 is exact, so the sum over the
    whole array (the zeros add nothing) in any order is the same number as NumPy's over
    the selection. Beyond that bound (or for an empty mask), NumPy's own way.
    """
    n = int(np.count_nonzero(mask))
    total = float(np.add.reduce(dist, axis=None, dtype=np.float64)) if n else math.inf
    if total < 2.0**29:
        return total / n
    return float(dist[mask].mean(dtype=np.float64))


def interface_densities(pore: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """Phase changes per pixel length along rows, 45 deg, columns, 135 deg."""
    out = []
    full = bool(domain.all())  # then every pair is valid: the counts without the masks
    for a, b, step in (
        ((slice(None), slice(None, -1)), (slice(None), slice(1, None)), 1.0),
        ((slice(None, -1), slice(None, -1)), (slice(1, None), slice(1, None)), math.sqrt(2)),
        ((slice(None, -1), slice(None)), (slice(1, None), slice(None)), 1.0),
        ((slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1)), math.sqrt(2)),
    ):
        if full:
            n = int(pore[a].size)
            changes = int(np.count_nonzero(pore[a] != pore[b]))
        else:
            valid = domain[a] & domain[b]
            n = int(np.count_nonzero(valid))
            changes = int(np.count_nonzero((pore[a] != pore[b]) & valid))
        out.append(changes / (n * step) if n else 0.0)
    return np.array(out)


def block_mean_masks(
    pore: np.ndarray, domain: np.ndarray | None, factor: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pore, solid and domain masks block-averaged by ``factor`` (majority in each block).

    ``domain=None`` is the whole image (every block is domain). The block fractions are
    those of ``block_mean(..., engine='numpy')`` bit for bit (:func:`block_fraction`).
    """
    p = block_fraction(pore, factor)
    if domain is None:
        # every block fraction is exactly 1.0: the same tests as below with d = 1
        por = p >= np.float32(0.5)
        return por, ~por, np.ones(por.shape, bool)
    d = block_fraction(domain, factor)
    dom = d >= 0.5
    por = (p >= 0.5 * np.maximum(d, 1e-6)) & dom
    return por, dom & ~por, dom


def block_fraction(mask: np.ndarray, factor: int) -> np.ndarray:
    """Fraction of True pixels in each whole ``factor x factor`` block, float32.

    The same numbers as ``block_mean(mask, factor, engine='numpy')`` (the float32 mean of
    0s and 1s: an exact count divided once by ``factor**2``), counted in integers.
    """
    rows, cols = mask.shape
    r, c = rows // factor, cols // factor
    if r < 1 or c < 1:
        return block_mean(mask, factor, engine="numpy")  # raises its ConfigError
    m = np.asarray(mask, bool)[: r * factor, : c * factor]
    # exact int32 counts from the integral image at the block corners, in bands of rows
    # (of about 2**16 px: the integral's int32 stays small against the mask)
    counts = np.empty((r, c), np.int32)
    step = factor * max(1, (1 << 16) // (c * factor * factor))
    for r0 in range(0, r * factor, step):
        r1 = min(r * factor, r0 + step)
        s = cv2.integral(np.ascontiguousarray(m[r0:r1]).view(np.uint8), sdepth=cv2.CV_32S)
        s = s[:: factor, :: factor]
        counts[r0 // factor : r1 // factor] = s[1:, 1:] - s[:-1, 1:] - s[1:, :-1] + s[:-1, :-1]
    # numpy's mean divides its float32 sum by an integer count in float64, then rounds
    return (counts / float(factor * factor)).astype(np.float32)


def components(
    mask: np.ndarray, *, labelled: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[float, int, np.ndarray]:
    """Largest-component fraction, number of components (>= 4 px), their areas.

    ``labelled``: ``component_areas(mask)`` when the caller has it already."""
    if not mask.any():
        return 0.0, 0, np.zeros(0)
    areas = (labelled or component_areas(mask))[1][1:].astype(np.float64)
    lcf = float(areas.max() / areas.sum())
    big = areas[areas >= 4]
    return lcf, len(big), big


def euler(mask: np.ndarray) -> float:
    """Euler number of the 8-connected ``mask`` (components minus holes).

    The integer scikit-image's ``euler_number(mask, connectivity=2)`` gives (its 2 x 2
    configuration table, Ohser et al. 2002), counted here directly on the zero-padded mask:
    +1 for each 2 x 2 window holding only its top-left pixel, -1 for each holding only its
    top-right and bottom-left pixels, -1 for each holding all but its bottom-right pixel.
    """
    m = np.asarray(mask, bool)
    if not m.any():
        return 0.0
    p = np.pad(m, 1)
    tl, tr, bl, br = p[:-1, :-1], p[:-1, 1:], p[1:, :-1], p[1:, 1:]
    one_tl = tl & ~tr & ~bl & ~br
    anti = ~tl & tr & bl & ~br
    three = tl & tr & bl & ~br
    return float(np.count_nonzero(one_tl) - np.count_nonzero(anti) - np.count_nonzero(three))


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return float(x[order][min(np.searchsorted(cum, q * cum[-1]), len(x) - 1)])


def weighted_cv(x: np.ndarray, w: np.ndarray) -> float:
    if x.size < 2 or w.sum() <= 0:
        return 0.0
    mean = float(np.average(x, weights=w))
    var = float(np.average((x - mean) ** 2, weights=w))
    return math.sqrt(var) / mean if mean > 0 else 0.0


def shape_stats(mask: np.ndarray) -> tuple[float, float, float]:
    """Area-weighted solidity, circularity and ellipse aspect of the components."""
    if not mask.any():
        return 1.0, 1.0, 1.0
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    w_sum = sol = circ = asp = 0.0
    for c in contours:
        if len(c) < 3:  # a speck of 1 or 2 vertices encloses no area (m00 0): skipped below
            continue
        m = cv2.moments(c)
        area = m["m00"]
        if area < 4:
            continue
        hull = cv2.contourArea(cv2.convexHull(c))
        perim = cv2.arcLength(c, True)
        mu20, mu02, mu11 = m["mu20"] / area, m["mu02"] / area, m["mu11"] / area
        common = math.sqrt(max(((mu20 - mu02) / 2) ** 2 + mu11**2, 0.0))
        lam1 = (mu20 + mu02) / 2 + common
        lam2 = max((mu20 + mu02) / 2 - common, 1e-6)
        w_sum += area
        sol += area * min(1.0, area / max(hull, 1e-9))
        circ += area * min(1.0, 4 * math.pi * area / max(perim**2, 1e-9))
        asp += area * math.sqrt(lam1 / lam2)
    if w_sum == 0:
        return 1.0, 1.0, 1.0
    return sol / w_sum, circ / w_sum, min(asp / w_sum, 50.0)


def boundary_convexity(
    pore: np.ndarray, solid: np.ndarray, domain: np.ndarray, period: float
) -> tuple[float, float]:
    if not pore.any() or not solid.any():
        return 0.0, 0.0
    k = np.ones((3, 3), np.uint8)
    near_solid = cv2.dilate(solid.astype(np.uint8), k).astype(bool)
    near_pore = cv2.dilate(pore.astype(np.uint8), k).astype(bool)
    interface = (pore & near_solid) | (solid & near_pore)
    if not interface.any():
        return 0.0, 0.0
    out = []
    full = bool(domain.all())
    dom = domain.astype(np.float32)
    sol = solid.astype(np.float32)
    for frac in (8.0, 4.0):
        sigma = max(0.7, period / frac)
        q = int(sigma / 3)  # large sigmas blur a block-averaged copy
        num = blur(sol, sigma, factor=max(q, 1))
        den = blur(dom, sigma, factor=max(q, 1)) if not full else np.ones_like(num)
        local = num[interface] / np.maximum(den[interface], 1e-6)
        out.append(float(local.mean()) - 0.5)
    return out[0], out[1]


def skeleton_stats(
    mask: np.ndarray, period: float
) -> tuple[float, float, float, float, np.ndarray]:
    """Branch points, radius CV, p10/p90 radius ratio, skeleton length, diameters.

    The skeleton is computed on a copy block-averaged so that this phase's mean width is
    about :data:`TARGET_PX` (thinning costs time in proportion to the width); lengths and
    diameters are returned in pixels of ``mask``.
    """
    if np.count_nonzero(mask) < 4:
        return 0.0, 0.0, 1.0, 0.0, np.zeros(0)
    dist_full = None
    if mask.all():
        width = float(min(mask.shape))
    else:
        dist_full = distance_transform(mask, metric="euclidean_5x5")
        width = 4.0 * mean_distance(dist_full, mask)  # ~ mean intercept
    q = max(1, min(int(width / (2 * TARGET_PX)), min(mask.shape) // MIN_SIDE))
    if q > 1:
        small, _, _ = block_mean_masks(mask, None, q)
    else:
        small = mask
    skel = skeletonize(small)
    if not skel.any():
        return 0.0, 0.0, 1.0, 0.0, np.zeros(0)
    if q == 1 and dist_full is not None:
        dist = dist_full.astype(np.float64)  # the same mask: the same map
    else:
        dist = distance_transform(small, metric="euclidean_5x5").astype(np.float64)
    dist = np.minimum(dist, max(small.shape)) * q
    radii = dist[skel].astype(np.float64)
    nbrs = cv2.filter2D(skel.astype(np.uint8), -1, np.ones((3, 3), np.float32),
                        borderType=cv2.BORDER_CONSTANT)
    branch = (nbrs >= 4) & skel
    # Branch points come in small clusters; count clusters, not pixels.
    # (8-connected clusters, as ndi.label with a 3 x 3 structure counts them)
    n_branch = (float(cv2.connectedComponents(branch.view(np.uint8), connectivity=8)[0] - 1)
                if branch.any() else 0.0)
    mean = float(radii.mean())
    cv = float(radii.std() / mean) if mean > 0 else 0.0
    p10, p90 = percentiles(radii.copy(), (10, 90))  # np.percentile's (radii kept in order)
    neck = float(p10 / p90) if p90 > 0 else 1.0
    return n_branch, cv, neck, float(np.count_nonzero(skel)) * q, 2 * radii


def correlation_features(
    pore: np.ndarray, domain: np.ndarray, phi: float, period: float
) -> dict[str, float]:
    names = ("corr_quarter_period", "corr_half_period", "corr_one_period")
    if phi <= 0 or phi >= 1 or not pore.any():
        return {**dict.fromkeys(names, 0.0), "corr_minimum": 0.0, "corr_first_zero": 3.0}
    rows, cols = pore.shape
    r_max = int(min(3 * period, min(rows, cols) / 4))
    r_max = max(r_max, 2)
    shape = (cv2.getOptimalDFTSize(rows + r_max), cv2.getOptimalDFTSize(cols + r_max))
    # Radial average over |offset| <= r_max: only the rows and columns of offsets within
    # r_max are read (in their order, so the selection below keeps its order).
    dy = np.fft.fftfreq(shape[0], 1 / shape[0])
    dx = np.fft.fftfreq(shape[1], 1 / shape[1])
    ky = np.flatnonzero(np.abs(dy) <= r_max)
    kx = np.flatnonzero(np.abs(dx) <= r_max)
    s2 = _autocorrelation(pore, shape, ky)
    if domain.all():  # overlap counts of a full rectangle are known in closed form
        oy = np.clip(rows - np.abs(np.fft.fftfreq(shape[0], 1 / shape[0])), 0, None)
        ox = np.clip(cols - np.abs(np.fft.fftfreq(shape[1], 1 / shape[1])), 0, None)
        nn = oy[ky, None] * ox[None, kx]
        nn00 = float(oy[0] * ox[0])
    else:
        nn = _autocorrelation(domain, shape, ky)[:, kx]
        nn00 = float(nn[0, 0])  # offset (0, 0): ky and kx start with 0
    s2 = s2[:, kx]
    rr = np.hypot(dy[ky, None], dx[None, kx])
    sel = (rr <= r_max) & (nn > 0.25 * nn00)
    rbin = np.rint(rr[sel]).astype(int)
    s2_sum = np.bincount(rbin, weights=s2[sel], minlength=r_max + 1)
    nn_sum = np.bincount(rbin, weights=nn[sel], minlength=r_max + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = s2_sum / nn_sum
    radius = np.arange(len(prob), dtype=np.float64)
    ok = np.isfinite(prob)
    radius, prob = radius[ok], prob[ok]
    c = (prob - phi**2) / (phi - phi**2)
    out = {
        name: float(np.interp(frac * period, radius, c))
        for name, frac in zip(names, (0.25, 0.5, 1.0), strict=True)
    }
    out["corr_minimum"] = float(c.min())
    below = np.nonzero(c <= 0)[0]
    out["corr_first_zero"] = float(radius[below[0]] / period) if below.size else 3.0
    return out


def _autocorrelation(mask: np.ndarray, shape: tuple[int, int], ky: np.ndarray) -> np.ndarray:
    """Rows ``ky`` of ``np.fft.irfft2(|np.fft.rfft2(mask, s=shape)|**2, s=shape)``, bit
    for bit: :func:`numpy.fft.irfft2` transforms along axis 0 first and then each row on
    its own (axis 1), so only the rows wanted go through the last transform."""
    f = np.fft.rfft2(mask.astype(np.float64), s=shape)
    cols = np.fft.ifft(f * np.conj(f), n=shape[0], axis=0)
    del f
    return np.fft.irfft(cols[ky], n=shape[1], axis=1)


_OPENING_DIAMETERS = (0.5, 1.0, 1.5, 2.5)  # in units of the phase's mean intercept


def granulometry(
    pore: np.ndarray, solid: np.ndarray, l_pore: float, l_solid: float
) -> dict[str, float]:
    """Area fraction of each phase kept by openings with discs of diameter k x its intercept.

    Each phase is block-averaged so that its mean intercept is 8-16 px (bounded cost);
    radii below 0.75 px keep everything, radii are capped at 12 px.
    """
    out: dict[str, float] = {}
    for phase, mask, length in (("pore", pore, l_pore), ("solid", solid, l_solid)):
        q = max(1, min(int(length / 8.0), min(mask.shape) // 32))
        if q > 1:
            mask, _, _ = block_mean_masks(mask, None, q)
            length = length / q
        area = max(int(np.count_nonzero(mask)), 1)
        m8 = mask.astype(np.uint8)
        for name, k in zip((f"{phase}_opening_0_5", f"{phase}_opening_1",
                            f"{phase}_opening_1_5", f"{phase}_opening_2_5"),
                           _OPENING_DIAMETERS, strict=True):
            radius = min(k * length / 2, 12.0)
            if radius < 0.75:
                out[name] = 1.0
                continue
            opened = cv2.morphologyEx(m8, cv2.MORPH_OPEN, disc(radius),
                                      borderType=cv2.BORDER_REPLICATE)
            out[name] = float(np.count_nonzero(opened) / area)  # opened is 0/1
    return out


def filled_features(
    pore: np.ndarray, solid: np.ndarray, domain: np.ndarray, finest: float, period: float,
    *, solid_labels: tuple[np.ndarray, np.ndarray] | None = None,
    pore_parts: tuple[float, int, float, np.ndarray] | None = None,
) -> dict[str, float]:
    """Pore features after solid specks (small solid components) are counted as pore.

    ``solid_labels``: ``component_areas(solid)`` when the caller has it already (for
    :func:`~semscan._morphology.remove_small`). ``pore_parts``: the pore phase's
    largest-component fraction and component count (:func:`components`), Euler number
    and medial-axis diameters
    (``skeleton_stats(pore, period)[4]``), when the caller has them: with no speck to
    fill, the filled pore phase is the pore phase (pore and solid partition ``domain``),
    and they are its numbers."""
    min_area = max(4.0, math.pi * finest**2 / 16)
    kept = remove_small(solid, min_area, labelled=solid_labels)  # solid itself: no speck
    area = float(np.count_nonzero(domain))
    scale2 = period**2 / area
    if pore_parts is not None and kept is solid:  # no speck: filled is pore
        lcf, n, filled_euler, radii = pore_parts
        speckle = 0.0
    else:
        filled = domain & ~kept
        lcf, n, _ = components(filled)
        filled_euler = euler(filled)
        speckle = float(np.count_nonzero(filled != pore)) / area
        radii = skeleton_stats(filled, period)[4]
    out = {
        "speckle_fraction": speckle,
        "filled_pore_largest_component_fraction": lcf,
        "filled_pore_component_density": n * scale2,
        "filled_euler_density": filled_euler * scale2,
    }
    if radii.size:
        mean = float(np.average(radii, weights=radii))
        sd = math.sqrt(float(np.average((radii - mean) ** 2, weights=radii)))
        out["filled_pore_size_cv"] = sd / mean
        out["filled_pore_size_p99_over_mean"] = weighted_quantile(radii, radii, 0.99) / mean
    else:
        out["filled_pore_size_cv"] = 0.0
        out["filled_pore_size_p99_over_mean"] = 1.0
    return out
