"""The film frame: film coordinates, and the masks resampled so that rows run along the film.

Film coordinates (pixels) of image pixel ``(r, c)`` for a film at ``t`` degrees
(counter-clockwise as displayed): ``x' = c cos t - r sin t`` along the film and
``y' = c sin t + r cos t`` along its normal, origin at pixel (0, 0). They are computed here
only (:func:`film_coordinates`, :func:`image_coordinates`, :func:`film_grid`), for the film
detector, the frame and the overlays alike.

A :class:`FilmFrame` holds the pore and specimen masks resampled onto the integer film
coordinates (nearest pixel, which is an isometry of the sampling used by angled lines in
METHODS.md 1; beyond 2° a light anti-aliasing, see :func:`film_frame`), so that lines along
and through the film are its rows and columns. It is built once per analysis and passed to
:func:`~semscan.measure.cross_section.depth_profile` and
:func:`~semscan.measure.cross_section.laminar_coefficient`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import ndimage as ndi

from semscan.errors import MeasurementError
from semscan.measure.cross_section._memo import memoised
from semscan.measure.intercept import InterceptResult, intercept_method

if TYPE_CHECKING:
    from semscan.measure.cross_section.film import FilmGeometry

__all__ = ["FilmFrame", "film_coordinates", "film_frame", "film_grid", "image_coordinates"]

_ANTI_ALIAS_SIGMA = 1.0


def film_coordinates(rows: Any, cols: Any, angle_deg: float) -> tuple[Any, Any]:
    """Film coordinates ``(x', y')`` of image positions ``(row, column)`` (pixels).

    Parameters
    ----------
    rows, cols : float or ndarray
        Image positions (any shape; float32 arrays stay float32).
    angle_deg : float
        Film direction, counter-clockwise as displayed.

    Returns
    -------
    x, y : float or ndarray
        Along the film and along its normal.

    Examples
    --------
    >>> x, y = film_coordinates(np.array([0.0, 10.0]), np.array([10.0, 0.0]), 90.0)
    >>> np.round(x, 9).tolist(), np.round(y, 9).tolist()
    ([0.0, -10.0], [10.0, 0.0])
    """
    t = math.radians(angle_deg)
    return cols * math.cos(t) - rows * math.sin(t), cols * math.sin(t) + rows * math.cos(t)


def image_coordinates(x: Any, y: Any, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Image positions ``(row, column)`` of film coordinates ``(x', y')`` (pixels).

    The inverse of :func:`film_coordinates`.

    Examples
    --------
    >>> r, c = image_coordinates(-10.0, 0.0, 90.0)
    >>> round(float(r), 9), abs(round(float(c), 9))
    (10.0, 0.0)
    """
    t = math.radians(angle_deg)
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    return -x * math.sin(t) + y * math.cos(t), x * math.cos(t) + y * math.sin(t)


def film_grid(shape: tuple[int, ...], angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Film coordinates ``x', y'`` of every pixel of an image of ``shape`` (float32).

    Examples
    --------
    >>> x, y = film_grid((2, 3), 0.0)
    >>> x.dtype.name, x[1].tolist(), y[:, 0].tolist()
    ('float32', [0.0, 1.0, 2.0], [0.0, 1.0])
    """
    r = np.arange(shape[0], dtype=np.float32)[:, None]
    c = np.arange(shape[1], dtype=np.float32)[None, :]
    return film_coordinates(r, c, angle_deg)  # float32 (NumPy's rule for Python scalars)


@dataclass(frozen=True, eq=False)
class FilmFrame:
    """A cross-section's masks in the film frame, whose rows run along the film.

    Frame pixel ``(i, j)`` is at film coordinates ``x' = x0_px + j``, ``y' = y0_px + i``
    (see :func:`film_coordinates`). Build it with :func:`film_frame`.

    Attributes
    ----------
    angle_deg : float
        The film direction it was built for (:attr:`FilmGeometry.direction_deg`).
    x0_px, y0_px : float
        Film coordinates of frame pixel (0, 0).
    image_shape : tuple of int
        Shape of the image the frame was resampled from.
    pore : ndarray of bool
        Pores of the specimen, in the frame.
    valid : ndarray of bool
        The specimen minus excluded pixels, in the frame.
    depth_top_px, depth_bottom_px : ndarray of float
        Distance of each frame pixel below the top / above the bottom surface along the
        normal (pixels; +inf where that surface is not visible).
    """

    angle_deg: float
    x0_px: float
    y0_px: float
    image_shape: tuple[int, int]
    pore: np.ndarray
    valid: np.ndarray
    depth_top_px: np.ndarray
    depth_bottom_px: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """Rows (across the film) and columns (along it) of the frame."""
        return self.pore.shape  # type: ignore[return-value]

    def to_film(self, rows: Any, cols: Any) -> tuple[Any, Any]:
        """Film coordinates ``(x', y')`` of image positions (:func:`film_coordinates`)."""
        return film_coordinates(rows, cols, self.angle_deg)

    def to_image(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Image ``(row, column)`` of film coordinates (:func:`image_coordinates`)."""
        return image_coordinates(x, y, self.angle_deg)

    def frame_to_image(self, frame_rows: Any, frame_cols: Any) -> tuple[np.ndarray, np.ndarray]:
        """Image ``(row, column)`` of frame positions, e.g. the lines of ``laminar.along``."""
        return self.to_image(np.asarray(frame_cols, float) + self.x0_px,
                             np.asarray(frame_rows, float) + self.y0_px)

    def image_to_frame(self, rows: Any, cols: Any) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``(row, column)`` of image positions."""
        x, y = self.to_film(np.asarray(rows, float), np.asarray(cols, float))
        return y - self.y0_px, x - self.x0_px


def film_frame(
    film: FilmGeometry, pore: np.ndarray, *, excluded: np.ndarray | None = None,
    cache: dict[str, Any] | None = None,
) -> FilmFrame:
    """Resample a cross-section's pore mask and specimen into the film frame.

    Within 2° of the rows the nearest pixel is used; beyond, the pore mask is smoothed
    (Gaussian, sigma 1 px), interpolated linearly and thresholded at one half, which keeps
    the areas and straightens the stairs of a boundary nearly parallel to the lines. A film
    at exactly 0° is copied.

    Parameters
    ----------
    film : FilmGeometry
        From :func:`~semscan.measure.cross_section.detect_film`.
    pore : ndarray of bool, shape (rows, columns)
    excluded : ndarray of bool, optional
        Pixels left out (data bar ...).
    cache : dict, optional
        Kept between frames of one film (re-measures of edits): the frame's geometry, i.e.
        which image pixel each frame pixel takes (within 2°) and the depths below / above
        the surfaces, which depend on the film and the image shape only. The frame is the
        one built without it.

    Returns
    -------
    FilmFrame

    Raises
    ------
    MeasurementError
        If the masks' shapes differ from the film's.

    Examples
    --------
    >>> from semscan.calibration import UNCALIBRATED
    >>> from semscan.measure.cross_section import detect_film
    >>> from semscan.phantoms.films import synthetic_cross_section
    >>> pore, spec, _ = synthetic_cross_section((160, 200), thickness_px=80, a_px=6, b_px=3,
    ...                                         tilt_deg=10, seed=0)
    >>> film = detect_film((~pore & spec).astype(float), calibration=UNCALIBRATED)
    >>> fr = film_frame(film, pore)
    >>> fr.image_shape, fr.shape[1] > 200
    ((160, 200), True)
    """
    pore = np.asarray(pore, bool)
    if pore.shape != film.specimen.shape:
        raise MeasurementError(
            f"pore mask shape {pore.shape} differs from the film's {film.specimen.shape}; "
            "pass the mask the film was detected on"
        )
    if excluded is not None and np.asarray(excluded).shape != pore.shape:
        raise MeasurementError(
            f"excluded mask shape {np.asarray(excluded).shape} differs from the film's "
            f"{pore.shape}"
        )
    rows, cols = pore.shape
    t = film.direction_deg
    valid_src = film.specimen.copy()
    if excluded is not None:
        valid_src &= ~np.asarray(excluded, bool)
    geo = cache.get("frame_geometry") if cache is not None else None
    if geo is None or geo["film"] is not film or geo["shape"] != (rows, cols):
        geo = _frame_geometry(film, (rows, cols))
        if cache is not None:
            cache["frame_geometry"] = geo
    xs, ys, take = geo["xs"], geo["ys"], geo["take"]
    if t == 0.0:
        pore_f = pore.copy()
        valid_f = valid_src
    elif take is not None:  # within 2 degrees: the nearest pixel, gathered
        inside = take >= 0
        pore_f = np.zeros(take.shape, bool)
        valid_f = np.zeros(take.shape, bool)
        pore_f[inside] = pore.ravel()[take[inside]]
        valid_f[inside] = valid_src.ravel()[take[inside]]
    else:
        # Nearest-pixel resampling of a staircase boundary nearly parallel to the lines
        # splits runs (aliasing); a light smoothing before linear interpolation and a
        # threshold at one half keeps the areas and straightens the stairs.
        coords = geo["coords"]
        soft = ndi.gaussian_filter(pore.astype(np.float32), _ANTI_ALIAS_SIGMA)
        pore_f = ndi.map_coordinates(soft, coords, order=1, cval=0.0) >= 0.5
        valid_f = ndi.map_coordinates(valid_src.astype(np.uint8), coords, order=0, cval=0) > 0
    return FilmFrame(float(t), float(xs[0]), float(ys[0]), (rows, cols), pore_f & valid_f,
                     valid_f, geo["d_top"], geo["d_bot"])


def _frame_geometry(film: FilmGeometry, shape: tuple[int, int]) -> dict[str, Any]:
    """What a film frame of ``film`` on an image of ``shape`` takes from the geometry alone:
    its film coordinates, the depths below / above the surfaces (read-only) and, within
    2 degrees of the rows, the image pixel (flat index, -1 outside) each frame pixel takes.

    Within 2 degrees the plain nearest pixel is used (smoothing would merge thin walls and
    lengthen the through-film chords); that pixel is found once, by
    :func:`scipy.ndimage.map_coordinates` (order 0) of the pixels' flat indices, so gathering
    a mask through it is that resampling of the mask, value for value.
    """
    rows, cols = shape
    t = film.direction_deg
    cr = np.array([0, 0, rows - 1, rows - 1], float)
    cc = np.array([0, cols - 1, 0, cols - 1], float)
    xc, yc = film_coordinates(cr, cc, t)
    x0, x1 = math.floor(xc.min()), math.ceil(xc.max())
    y0, y1 = math.floor(yc.min()), math.ceil(yc.max())
    xs = np.arange(x0, x1 + 1, dtype=float)
    ys = np.arange(y0, y1 + 1, dtype=float)
    take = coords = None
    if t != 0.0:
        # image_coordinates of the (ys, xs) grid, written straight into one (2, H, W)
        # array: the same products and sums per element, without the meshgrid and the
        # stacked copy
        a = math.radians(t)
        sa, ca = math.sin(a), math.cos(a)
        xr, yc = xs[None, :], ys[:, None]
        coords = np.empty((2, len(ys), len(xs)))
        np.add(-xr * sa, yc * ca, out=coords[0])
        np.add(xr * ca, yc * sa, out=coords[1])
        if abs(t) <= 2.0:
            index = np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)
            take = ndi.map_coordinates(index, coords, order=0, cval=-1.0).astype(np.intp)
            coords = None
    top = film.top_at(xs) if film.has_top else np.full(xs.shape, -np.inf)
    bot = film.bottom_at(xs) if film.has_bottom else np.full(xs.shape, np.inf)
    d_top = ys[:, None] - top[None, :]
    d_bot = bot[None, :] - ys[:, None]
    for a in (d_top, d_bot):
        a.flags.writeable = False  # shared by every frame of this film
    return {"film": film, "shape": (rows, cols), "xs": xs, "ys": ys, "take": take,
            "coords": coords, "d_top": d_top, "d_bot": d_bot}


def _resolve_frame(
    film: FilmGeometry, pore: np.ndarray, excluded: np.ndarray | None, frame: FilmFrame | None
) -> FilmFrame:
    """``frame`` once checked against ``film`` and ``pore``, else the frame built from them."""
    pore = np.asarray(pore, bool)
    if frame is None:
        return film_frame(film, pore, excluded=excluded)
    if frame.angle_deg != film.direction_deg or frame.image_shape != pore.shape:
        raise MeasurementError(
            f"the film frame was built for a film at {frame.angle_deg}° on a "
            f"{frame.image_shape} image, not this one ({film.direction_deg}°, {pore.shape}); "
            "build it with film_frame(film, pore, excluded=...)"
        )
    return frame


def _frame_intercept(mask: np.ndarray, notes: list[str], *,
                     cache: dict[str, Any] | None = None, **kw: Any) -> InterceptResult:
    """:func:`~semscan.measure.intercept.intercept_method` on a frame mask; warnings to notes.

    With a ``cache`` (:mod:`~semscan.measure.cross_section._memo`), a measurement of the
    same mask and region with the same options is the one made before.
    """
    def run() -> tuple[InterceptResult, tuple[str, ...]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = intercept_method(mask, **kw)
        return res, tuple(str(w.message) for w in caught)

    region = kw.get("region")
    params = tuple(sorted((k, v) for k, v in kw.items() if k != "region"))
    arrays = (mask,) if region is None else (mask, region)
    res, caught = memoised(cache, "intercept", arrays, (params, region is None), run)
    notes.extend(caught)
    return res
