"""The laminar coefficient of a cross-section (METHODS.md 4) and its bias at the resolution limit.

:func:`laminar_coefficient` measures ``kappa`` in the film frame; the rest of this module
is the expected bias of kappa on thin pores, which it reports, and
:func:`porosity_resolution_warning`, a layer's porosity at the same limit (a lower bound).

METHODS.md 4 defines ``kappa = mean pore intercept along the film / mean pore intercept
through it``, which equals the ratio of boundary crossings per unit length through and
along the film (the porosity cancels). A pixel grid, the probe blur and the threshold lose
the crossings of the thinnest features: a wall or a pore sliver thinner than about a pixel
is not in the mask, and two crossings vanish with it. Along a direction where the pore and
solid intercepts are ``L_p`` and ``L_s`` pixels, with nearly exponential chord lengths
(Boolean models, most foams) the fraction of crossings lost is about

    f = (loss_px / 2) * (1 / L_p + 1 / L_s),

``loss_px`` being the shortest chord that survives imaging and segmentation. Through the
film the intercepts of flat pores are ``kappa`` times shorter than along it, so the loss
is larger there and kappa reads low:

    kappa_measured / kappa - 1 = (1 - f_through) / (1 - f_along) - 1.

Kappa of isotropic pores is not biased; kappa of flat pores 12-15 px through the thickness
(semi-axis 5-6 px) reads 5-13 % low. ``loss_px`` was fitted to synthetic films measured
through the whole pipeline with defaults (``scripts/kappa_resolution.py`` prints the table;
README, "Known limitations"): 1.4 px on films imaged like a microscope does
(:func:`semscan.phantoms.films.imaged_cross_section`: area-sampled, probe blur, edge
brightening, pore-back, noise 0.03) at porosity 0.5, 2.2 px on the same at porosity 0.7
(thin walls), 2.1 px on point-sampled renders with noise 0.05 (like
``data/sample_cross_section.tif``). semscan uses 1.8 px and states the range the others give:
the loss depends on the probe, the noise and the segmentation, which an image does not tell.

Measuring the crossings on the grey level at sub-pixel resolution (interpolating each
through-line's grey profile, cubic or linear, up to 8x, and thresholding there) was tried
and does not recover them: it moved the mean through intercept of a/b = 3, b = 6 px films
by under 1 %, because a wall whose blurred grey never reaches the threshold has no
crossing to locate, whatever the interpolation. So semscan reports the expected bias
(``xs_kappa_resolution_bias``) and warns when it is larger than
:data:`RESOLVED_BIAS`, rather than correcting kappa by a figure that depends on the
microscope's probe and the segmentation.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from semscan.calibration import Calibration
from semscan.errors import MeasurementError
from semscan.measure.cross_section._aspect import aspect_ratio
from semscan.measure.cross_section._memo import memoised
from semscan.measure.cross_section.film import FilmGeometry
from semscan.measure.cross_section.frame import FilmFrame, _frame_intercept, _resolve_frame
from semscan.measure.intercept import InterceptResult, intercept_method

__all__ = [
    "LOSS_PX",
    "LOSS_RANGE_PX",
    "POROSITY_TOLERANCE",
    "RESOLVED_BIAS",
    "Laminar",
    "crossing_loss",
    "expected_kappa_bias",
    "film_kappa_bias",
    "laminar_coefficient",
    "laminar_in_region",
    "porosity_resolution_warning",
    "resolution_warning",
    "resolved_through_px",
]

LOSS_PX = 1.8
"""Shortest chord (px) that survives imaging and segmentation (fitted; see module text)."""

LOSS_RANGE_PX = (1.4, 2.2)
"""The loss fitted on each set of synthetic films: area-sampled at porosity 0.5 (1.4 px),
point-sampled with noise 0.05 (2.1 px) and area-sampled at porosity 0.7 (2.2 px)."""

RESOLVED_BIAS = 0.04
"""Expected |bias| of kappa above which the image is warned about (4 %)."""

POROSITY_TOLERANCE = 0.2
"""Largest share of a layer's pore area the resolution limit may take without a warning:
the shutdown comparison's tolerance for a layer "kept" (``shutdown.KEPT_CHANGE``)."""


@dataclass(frozen=True, eq=False)
class Laminar:
    """Laminar coefficient (METHODS.md 4) and the ellipse aspect ratio.

    Attributes
    ----------
    kappa : float
        Mean pore intercept along the film over that through it (NaN when undefined).
    ci95 : tuple of float
        95 % interval of ``kappa``.
    along, through : InterceptResult
        The pore intercepts along and through the film on the interior (lines and chords
        in the film frame: :meth:`FilmFrame.frame_to_image` maps them back).
    aspect_ratio : float
        Area-weighted mean major / minor axis of interior pores lying along the film.
    n_aspect_pores : int
    resolution_bias : float
        Expected relative bias of ``kappa`` from features lost at the resolution limit
        (negative: reads low; :func:`film_kappa_bias`).
    exclude_top_um, exclude_bottom_um : float
        Bands left out of the interior at each surface (µm, or px when uncalibrated).
    warnings : tuple of str
    """

    kappa: float
    ci95: tuple[float, float]
    along: InterceptResult
    through: InterceptResult
    aspect_ratio: float
    n_aspect_pores: int
    resolution_bias: float = float("nan")
    exclude_top_um: float = 0.0
    exclude_bottom_um: float = 0.0
    warnings: tuple[str, ...] = ()


def laminar_coefficient(
    pore: np.ndarray,
    film: FilmGeometry,
    *,
    calibration: Calibration,
    excluded: np.ndarray | None = None,
    exclude_top_um: float = 0.0,
    exclude_bottom_um: float = 0.0,
    n_lines: int = 50,
    seed: int = 0,
    frame: FilmFrame | None = None,
    cache: dict[str, Any] | None = None,
) -> Laminar:
    """Cross-sectional pore laminar coefficient ``kappa`` (METHODS.md 4).

    The meta-aramid film patent claims "a cross-sectional pore laminar coefficient of 2.5 or
    greater" but neither it nor the other source documents define the quantity. semscan
    defines ``kappa = mean pore intercept along the film plane / mean pore intercept through
    the thickness``, each by the ``n_lines``-line method of METHODS.md 1 (half-count
    estimator, ``window_um='full'``) on the film interior (the film minus
    ``exclude_top_um`` / ``exclude_bottom_um`` at each surface), with lines parallel and
    perpendicular to the detected film plane. The 95 % interval combines both intervals by
    the delta method on ``log kappa`` (along and through lines are independent samples).

    Also reported: the area-weighted mean aspect ratio (major / minor axis of the
    moments-equivalent ellipse, ``skimage.measure.regionprops``) of interior pores whose
    major axis lies within 30° of the film plane and which do not touch the interior's
    border; it equals a/b only for separate elliptic pores.

    At the resolution limit the pixel grid and the blur lose the crossings of the thinnest
    walls and pore slivers, most of them through the film, so kappa of thin flat pores reads
    low: ``resolution_bias`` is the expected relative bias
    (:func:`film_kappa_bias`), and a warning is added when it exceeds :data:`RESOLVED_BIAS`.

    Parameters
    ----------
    pore : ndarray of bool, shape (rows, columns)
    film : FilmGeometry
        From :func:`~semscan.measure.cross_section.detect_film` on the same image.
    calibration : Calibration
    excluded : ndarray of bool, optional
        Pixels left out (data bar ...).
    exclude_top_um, exclude_bottom_um : float
        Bands left out of the interior at each surface, in µm (px when uncalibrated).
    n_lines, seed : int
        Of the intercept measurements (METHODS.md 1).
    frame : FilmFrame, optional
        The film frame of ``pore``, ``film`` and ``excluded``
        (:func:`~semscan.measure.cross_section.film_frame`), when already built.
    cache : dict, optional
        Kept between measurements of edits of one image (:func:`laminar_in_region`).

    Returns
    -------
    Laminar

    Raises
    ------
    MeasurementError
        If the interior is empty, or ``frame`` was built for another film or image shape.

    Examples
    --------
    >>> from semscan.calibration import UNCALIBRATED
    >>> from semscan.measure.cross_section import detect_film
    >>> from semscan.phantoms.films import synthetic_cross_section
    >>> pore, spec, _ = synthetic_cross_section((300, 400), thickness_px=200, a_px=8, b_px=4,
    ...                                         seed=0)
    >>> film = detect_film((~pore & spec).astype(float), calibration=UNCALIBRATED)
    >>> lam = laminar_coefficient(pore, film, calibration=UNCALIBRATED)
    >>> 1.6 < lam.kappa < 2.4
    True
    """
    notes: list[str] = []
    fr = _resolve_frame(film, pore, excluded, frame)
    et = calibration.to_px(exclude_top_um) if exclude_top_um else 0.0
    eb = calibration.to_px(exclude_bottom_um) if exclude_bottom_um else 0.0
    interior = fr.valid & (fr.depth_top_px >= et) & (fr.depth_bottom_px >= eb)
    if not interior.any():
        raise MeasurementError(
            "the film interior is empty after excluding the surface bands "
            f"({exclude_top_um} and {exclude_bottom_um} {calibration.unit}); "
            "reduce skin_exclusion_um"
        )
    lam = laminar_in_region(fr.pore, interior, calibration=calibration, n_lines=n_lines,
                            seed=seed, cache=cache)
    return dataclasses.replace(lam, exclude_top_um=float(exclude_top_um),
                               exclude_bottom_um=float(exclude_bottom_um),
                               warnings=(*notes, *lam.warnings))


def laminar_in_region(
    pore: np.ndarray,
    region: np.ndarray,
    *,
    calibration: Calibration,
    n_lines: int = 50,
    seed: int = 0,
    cache: dict[str, Any] | None = None,
) -> Laminar:
    """Kappa, its interval, the aspect ratio and the resolution bias on one film-frame region.

    The measurement of :func:`laminar_coefficient` (METHODS.md 4) on any region of the
    film frame (rows along the film): the film interior there, one layer of a laminated
    film in :mod:`~semscan.measure.cross_section.layers`.

    Parameters
    ----------
    pore, region : ndarray of bool, shape (rows, columns)
        Pores and the measured region, in the film frame.
    calibration : Calibration
    n_lines, seed : int
        Of the intercept measurements (METHODS.md 1).
    cache : dict, optional
        Kept between measurements of edits of one image
        (:mod:`~semscan.measure.cross_section._memo`): the same pores and region (the film
        interior and a single layer's region often are) give the result measured before.

    Returns
    -------
    Laminar
        With ``exclude_top_um = exclude_bottom_um = 0``.

    Raises
    ------
    MeasurementError
        If the region is empty.

    Examples
    --------
    >>> from semscan.calibration import UNCALIBRATED
    >>> m = np.zeros((120, 240), bool)
    >>> for r in range(0, 120, 12):
    ...     m[r:r + 6, :] = True
    >>> m[:, ::40] = False                     # pores 39 px along, 6 px through
    >>> lam = laminar_in_region(m, np.ones(m.shape, bool), calibration=UNCALIBRATED)
    >>> round(lam.kappa, 1)
    6.7
    """
    pore = np.asarray(pore, bool)
    interior = np.asarray(region, bool)
    if not interior.any():
        raise MeasurementError("the measured region is empty: nothing to measure kappa on")
    return memoised(cache, "laminar", (pore, interior), (calibration, n_lines, seed),
                    lambda: _laminar(pore, interior, calibration, n_lines, seed, cache))


def _laminar(pore: np.ndarray, interior: np.ndarray, calibration: Calibration, n_lines: int,
             seed: int, cache: dict[str, Any] | None = None) -> Laminar:
    notes: list[str] = []
    kw: dict[str, Any] = dict(calibration=calibration, region=interior, n_lines=n_lines,
                              window_um="full", seed=seed)
    along = _frame_intercept(pore, notes, angle_deg=0.0, **kw)
    through = _frame_intercept(pore, notes, angle_deg=90.0, **kw)
    ka, kt = float(along.mean), float(through.mean)
    if math.isfinite(ka) and math.isfinite(kt) and kt > 0 and ka > 0:
        kappa = ka / kt
        se = math.sqrt(_rel_se(along) ** 2 + _rel_se(through) ** 2)
        ci = (kappa * math.exp(-1.96 * se), kappa * math.exp(1.96 * se))
    else:
        kappa, ci = float("nan"), (float("nan"), float("nan"))
        notes.append("no pore intercepts in the film interior: laminar coefficient undefined")
    ar, n_ar = _aspect_ratio(pore & interior, interior, cache)
    bias = float("nan")
    if math.isfinite(kappa):
        bias, note = film_kappa_bias(pore, interior, along=along, through=through,
                                     calibration=calibration, n_lines=n_lines, seed=seed)
        if note:
            notes.append(note)
    return Laminar(kappa, ci, along, through, ar, n_ar, bias, 0.0, 0.0, tuple(notes))


def _rel_se(res: InterceptResult) -> float:
    lo, hi = res.ci95
    if not (math.isfinite(lo) and math.isfinite(hi)) or res.mean <= 0:
        return float("nan")
    return (hi - lo) / (2 * 1.96 * res.mean)


def _aspect_ratio(pore_int: np.ndarray, interior: np.ndarray,
                  cache: dict[str, Any] | None = None) -> tuple[float, int]:
    """:func:`~semscan.measure.cross_section._aspect.aspect_ratio` (the area-weighted mean
    moment-ellipse aspect ratio of the pores within 30 degrees of the film plane)."""
    return aspect_ratio(pore_int, interior, cache=cache)


# --------------------------------------------------------------------------- resolution bias
def crossing_loss(pore_px: float, solid_px: float, *, loss_px: float = LOSS_PX) -> float:
    """Fraction of the boundary crossings lost along a direction, ``(loss/2)(1/Lp + 1/Ls)``.

    Parameters
    ----------
    pore_px, solid_px : float
        Mean pore and solid intercepts along the direction, in pixels.
    loss_px : float
        Shortest chord that survives imaging and segmentation, in pixels.

    Returns
    -------
    float
        In [0, 0.9]; NaN when an intercept is not a positive number.

    Examples
    --------
    >>> round(crossing_loss(10.0, 10.0, loss_px=1.0), 3)
    0.1
    """
    if not (pore_px > 0 and solid_px > 0) or not math.isfinite(pore_px + solid_px):
        return float("nan")
    return min(0.5 * loss_px * (1.0 / pore_px + 1.0 / solid_px), 0.9)


def expected_kappa_bias(
    *,
    along_pore_px: float,
    along_solid_px: float,
    through_pore_px: float,
    through_solid_px: float,
    loss_px: float = LOSS_PX,
) -> float:
    """Expected relative bias of kappa from crossings lost at the resolution limit.

    ``(1 - f_through) / (1 - f_along) - 1`` with ``f`` from :func:`crossing_loss`: negative
    (kappa reads low) when the intercepts through the film are the shorter ones.

    Parameters
    ----------
    along_pore_px, along_solid_px, through_pore_px, through_solid_px : float
        Mean pore and solid intercepts along and through the film, in pixels (as measured).
    loss_px : float
        Shortest chord that survives imaging and segmentation, in pixels.

    Returns
    -------
    float
        E.g. -0.08 for "reads about 8 % low"; NaN when an intercept is undefined.

    Examples
    --------
    >>> b = expected_kappa_bias(along_pore_px=40.0, along_solid_px=40.0,
    ...                         through_pore_px=14.0, through_solid_px=14.0, loss_px=1.0)
    >>> round(100 * b, 1)
    -4.8
    >>> expected_kappa_bias(along_pore_px=20.0, along_solid_px=20.0,
    ...                     through_pore_px=20.0, through_solid_px=20.0)
    0.0
    """
    fa = crossing_loss(along_pore_px, along_solid_px, loss_px=loss_px)
    ft = crossing_loss(through_pore_px, through_solid_px, loss_px=loss_px)
    if not (math.isfinite(fa) and math.isfinite(ft)):
        return float("nan")
    return (1.0 - ft) / (1.0 - fa) - 1.0


def resolved_through_px(kappa: float, *, bias: float = RESOLVED_BIAS,
                        loss_px: float = LOSS_PX) -> float:
    """Mean pore intercept through the film (px) at which kappa's expected bias is ``bias``.

    For equal pore and solid intercepts, ``L = loss_px (1 - 1/kappa) / bias`` to first order.

    Examples
    --------
    >>> round(resolved_through_px(3.0, bias=0.04, loss_px=1.8), 1)
    30.0
    """
    if not (math.isfinite(kappa) and kappa > 1.0):
        return 0.0
    return loss_px * (1.0 - 1.0 / kappa) / bias


def resolution_warning(
    bias: float,
    *,
    through_pore_px: float,
    through_solid_px: float,
    kappa: float,
    bias_range: tuple[float, float] | None = None,
    threshold: float = RESOLVED_BIAS,
) -> str | None:
    """The warning for a kappa whose expected bias exceeds ``threshold``, else None.

    Parameters
    ----------
    bias : float
        Expected relative bias (negative: reads low).
    through_pore_px, through_solid_px : float
        Mean pore and solid intercepts through the film (px), named in the text.
    kappa : float
        The measured kappa.
    bias_range : (float, float), optional
        The bias for the smallest and largest loss of :data:`LOSS_RANGE_PX`, named in the text.
    threshold : float
        Largest |bias| that goes without a warning.

    Examples
    --------
    >>> w = resolution_warning(-0.09, through_pore_px=12.4, through_solid_px=13.0,
    ...                        kappa=2.62, bias_range=(-0.07, -0.11))
    >>> import textwrap
    >>> print(textwrap.fill(w, 88))
    pores are 12 px and walls 13 px through the thickness (mean intercepts): kappa 2.62 may
    read ~9 % low (7-11 % on the synthetic films semscan was checked on; about 2.88 if
    resolved); image at a higher magnification (pores >= 28 px through the thickness)
    >>> resolution_warning(-0.01, through_pore_px=40.0, through_solid_px=40.0,
    ...                    kappa=3.0) is None
    True
    """
    if not math.isfinite(bias) or abs(bias) <= threshold:
        return None
    sense = "low" if bias < 0 else "high"
    spread = ""
    if bias_range is not None and all(math.isfinite(b) for b in bias_range):
        lo, hi = sorted(100 * abs(b) for b in bias_range)
        spread = f"{lo:.0f}-{hi:.0f} % on the synthetic films semscan was checked on; "
    need = resolved_through_px(kappa, bias=threshold)
    want = f" (pores >= {math.ceil(need)} px through the thickness)" if need > 0 else ""
    return (f"pores are {through_pore_px:.0f} px and walls {through_solid_px:.0f} px through "
            f"the thickness (mean intercepts): kappa {kappa:.2f} may read "
            f"~{100 * abs(bias):.0f} % {sense} ({spread}about {kappa / (1.0 + bias):.2f} if "
            f"resolved); image at a higher magnification{want}")


def film_kappa_bias(
    pore: np.ndarray,
    interior: np.ndarray,
    *,
    along: InterceptResult,
    through: InterceptResult,
    calibration: Calibration,
    n_lines: int = 50,
    seed: int = 0,
) -> tuple[float, str | None]:
    """Expected resolution bias of a measured kappa and its warning (None when resolved).

    Measures the solid intercepts along and through the film (rows and columns of the film
    frame) on the same interior and lines as the pore intercepts ``along`` / ``through``
    (METHODS.md 1 results) and applies :func:`expected_kappa_bias`.

    Parameters
    ----------
    pore : ndarray of bool
        Pores in the film frame (rows along the film).
    interior : ndarray of bool
        The film interior the laminar coefficient was measured on.
    along, through : InterceptResult
        The pore intercepts along and through the film.
    calibration : Calibration
    n_lines, seed : int
        As for the pore intercepts.

    Returns
    -------
    bias : float
        Expected relative bias of kappa (NaN when undefined).
    warning : str or None

    Examples
    --------
    >>> from semscan.calibration import UNCALIBRATED
    >>> from semscan.measure.intercept import intercept_method
    >>> m = np.zeros((200, 200), bool)
    >>> for r in range(0, 200, 8):
    ...     m[r:r + 4, :] = True                  # flat pores 4 px thick, walls 4 px
    >>> m[:, ::50] = False                        # and 1 px cuts 50 px apart along the film
    >>> region = np.ones(m.shape, bool)
    >>> kw = dict(calibration=UNCALIBRATED, region=region, window_um="full")
    >>> a, t = (intercept_method(m, angle_deg=d, **kw) for d in (0.0, 90.0))
    >>> bias, note = film_kappa_bias(m, region, along=a, through=t, calibration=UNCALIBRATED)
    >>> bool(bias < -RESOLVED_BIAS), note.startswith("pores are 4 px and walls 4 px through")
    (True, True)
    """
    pore = np.asarray(pore, bool)
    solid = interior & ~pore
    kw: dict[str, Any] = dict(calibration=calibration, region=interior, n_lines=n_lines,
                              window_um="full", seed=seed, phase="solid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the pore intercepts already said what matters
        s_along = intercept_method(solid, angle_deg=0.0, **kw)
        s_through = intercept_method(solid, angle_deg=90.0, **kw)
    px = calibration.to_px
    lengths = dict(along_pore_px=px(float(along.mean)), along_solid_px=px(float(s_along.mean)),
                   through_pore_px=px(float(through.mean)),
                   through_solid_px=px(float(s_through.mean)))
    bias = expected_kappa_bias(**lengths)
    spread = tuple(expected_kappa_bias(**lengths, loss_px=e) for e in LOSS_RANGE_PX)
    kappa = float(along.mean) / float(through.mean) if through.mean > 0 else float("nan")
    note = resolution_warning(bias, through_pore_px=lengths["through_pore_px"],
                              through_solid_px=lengths["through_solid_px"], kappa=kappa,
                              bias_range=spread)  # type: ignore[arg-type]
    return bias, note


def porosity_resolution_warning(
    porosity: float, *, along_px: float, through_px: float, loss_px: float = LOSS_PX,
    tolerance: float = POROSITY_TOLERANCE,
) -> str | None:
    """The warning for a layer whose pores are at the resolution limit, else None.

    A pore chord loses up to ``loss_px`` to the probe blur and the threshold (the chord
    that just vanishes, :data:`LOSS_PX`), so pores whose mean intercept ``L`` (the shorter
    of along and through the film) is under ``loss_px / tolerance`` px may lose more than
    ``tolerance`` of their area, and smaller pores vanish: the porosity is a lower bound. A
    layer without any pore intercept has no pore resolved at all. Measured on the rendered
    separator (``tests/measure/test_shutdown.py``, seeds 0-4, closed layer on top and at the
    bottom): the polyolefin layer closed to 0.10 (pores 7.6 px across, mean intercepts
    5.2-5.9 px) reads 0.074-0.088 for 0.096-0.104 (15-24 % low), the one closed to 0.02
    (pores 3.3 px across, 8-10 px in area: even without the noisy section's cleanup of
    specks <= 20 px only 18 % of them are seen, at a fraction of their area) 0.000-0.006
    for 0.019-0.021; the open layers (intercepts >= 19.6 px) read -5 % to +1.5 % off and
    are not warned about. ``loss_px / L`` bounds the loss from above there (32 % at 5.6 px
    for 15-24 % measured, 9 % at 20 px for <= 5 %).

    Parameters
    ----------
    porosity : float
        The layer's measured areal porosity.
    along_px, through_px : float
        Its mean pore intercepts along and through the film (px; NaN when none).
    loss_px, tolerance : float

    Returns
    -------
    str or None

    Examples
    --------
    >>> import textwrap
    >>> nan = float("nan")
    >>> print(textwrap.fill(porosity_resolution_warning(0.0, along_px=nan, through_px=nan), 80))
    no pore resolved (porosity 0.000): pores below the resolved size are not seen,
    so the porosity is a lower bound; image at a higher magnification
    >>> w = porosity_resolution_warning(0.079, along_px=5.7, through_px=5.6)
    >>> w.startswith("pores are 6 px across")
    True
    >>> porosity_resolution_warning(0.45, along_px=21.0, through_px=22.0) is None
    True
    """
    sizes = [v for v in (along_px, through_px) if math.isfinite(v) and v > 0]
    need = math.ceil(loss_px / tolerance)
    if not sizes:
        if not math.isfinite(porosity):
            return None
        return (f"no pore resolved (porosity {porosity:.3f}): pores below the resolved size "
                "are not seen, so the porosity is a lower bound; image at a higher "
                "magnification")
    size = min(sizes)
    if loss_px / size <= tolerance:
        return None
    return (f"pores are {size:.0f} px across (mean intercept, the shorter of along and "
            f"through the film), near the resolved size: blur and threshold may take up to "
            f"~{100 * loss_px / size:.0f} % of their area and the smallest pores, so the "
            f"porosity {porosity:.3f} is a lower bound; image at a higher magnification "
            f"(pores >= {need} px)")
