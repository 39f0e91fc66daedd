"""Synthetic two-layer film cross-sections (a laminated separator) with exactly known layers.

A film of thickness ``thickness_px`` (flat surfaces, at ``tilt_deg``) holds two porous
layers separated by a wavy interface at ``interface_depth_px + waviness_px sin(2 pi x' /
period)`` below the top surface (along the film normal). Each layer's pores are a Boolean
model of aligned ellipses (:func:`semscan.phantoms.geometry.boolean_ellipses`) with its own
semi-axes and porosity (:class:`LayerSpec`): the defaults are the meta-aramid separator of
the source documents, an aramid layer with flattened pores (``a/b = 3``, so its laminar
coefficient ``kappa = a/b = 3``) on top of a polyolefin layer with round pores (``kappa =
1``). For a Boolean model the porosity is ``1 - exp(-lambda pi a b)`` and the mean pore
chord along the film ``p / (lambda (1 - p) 2 b)`` (through: ``2 a``), exactly.

``closed=True`` is the same film after a shutdown heat treatment: the thermoplastic layer
(``closed_layer``, the polyolefin by default) has melted and its pores are closed down to
the residual porosity ``closed_porosity`` (the same germ intensity, each ellipse shrunk by
one factor so that the porosity is the residual one: smaller pores of the same shape);
the other layer is unchanged, pixel for pixel. The default residual porosity is 0.2 (a 56 %
drop from the polyolefin's 0.45). A layer closed further (0.15 and below) is as flat as the
vacuum; semscan's film detector takes it as a dense layer of the film by its grey
(:func:`semscan.measure.cross_section._texture._dense_layers`) when the film is rendered
(:func:`~semscan.phantoms.films.render_cross_section`).

Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from semscan.errors import ConfigError
from semscan.phantoms.films import film_coordinates
from semscan.phantoms.geometry import boolean_ellipses

__all__ = ["ARAMID", "POLYOLEFIN", "LayerSpec", "two_layer_cross_section"]


@dataclass(frozen=True)
class LayerSpec:
    """The pores of one layer of a synthetic film (a Boolean model of aligned ellipses).

    Attributes
    ----------
    a_px, b_px : float
        Semi-axes along the film and through it (pixels); ``kappa = a_px / b_px``.
    porosity : float
        Pore fraction of the layer, in (0, 1).
    name : str
        What the layer stands for (recorded in the truth).
    """

    a_px: float
    b_px: float
    porosity: float
    name: str = ""

    @property
    def intensity_per_px2(self) -> float:
        """Germs per px² giving :attr:`porosity`."""
        return -math.log(1.0 - self.porosity) / (math.pi * self.a_px * self.b_px)

    def truth(self) -> dict[str, float | str]:
        """Porosity, kappa and the mean pore chords along / through (closed forms, px)."""
        lam, p = self.intensity_per_px2, self.porosity
        return {
            "name": self.name,
            "porosity": p,
            "kappa": self.a_px / self.b_px,
            "a_px": self.a_px,
            "b_px": self.b_px,
            "intercept_along_px": p / (lam * (1.0 - p) * 2.0 * self.b_px),
            "intercept_through_px": p / (lam * (1.0 - p) * 2.0 * self.a_px),
        }


ARAMID = LayerSpec(24.0, 8.0, 0.5, "aramid (flattened pores)")
"""Meta-aramid porous layer: flattened pores, ``kappa = 3``, porosity 0.5."""

POLYOLEFIN = LayerSpec(9.0, 9.0, 0.45, "polyolefin (round pores)")
"""Heat-melting thermoplastic porous layer: round pores, ``kappa = 1``, porosity 0.45."""


def _check(spec: LayerSpec, which: str) -> None:
    if not (spec.a_px > 0 and spec.b_px > 0):
        raise ConfigError(f"{which} layer semi-axes must be > 0, got {spec.a_px}, {spec.b_px}")
    if not 0.0 < spec.porosity < 1.0:
        raise ConfigError(f"{which} layer porosity must be in (0, 1), got {spec.porosity}")


def _realised(pore: np.ndarray, region: np.ndarray, tilt_deg: float) -> tuple[float, float]:
    """Areal porosity and dense kappa (crossings per pixel pair through / along) of this
    realisation in a layer's exact region; kappa only for an untilted film (NaN else)."""
    n = np.count_nonzero(region)
    porosity = float(np.count_nonzero(pore & region)) / n if n else float("nan")
    if tilt_deg != 0.0:
        return porosity, float("nan")
    p = pore & region
    ra, rt = region[:, 1:] & region[:, :-1], region[1:] & region[:-1]
    xa = np.count_nonzero(ra & (p[:, 1:] != p[:, :-1]))
    xt = np.count_nonzero(rt & (p[1:] != p[:-1]))
    if xa == 0 or xt == 0:
        return porosity, float("nan")
    return porosity, float((xt / np.count_nonzero(rt)) / (xa / np.count_nonzero(ra)))


def two_layer_cross_section(
    shape: tuple[int, int],
    *,
    thickness_px: float,
    interface_depth_px: float | None = None,
    top: LayerSpec = ARAMID,
    bottom: LayerSpec = POLYOLEFIN,
    waviness_px: float = 0.0,
    wave_period_px: float | None = None,
    tilt_deg: float = 0.0,
    closed: bool = False,
    closed_layer: Literal["top", "bottom"] = "bottom",
    closed_porosity: float = 0.2,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """A two-layer film cross-section with a wavy interface and known layers.

    Parameters
    ----------
    shape : (rows, columns)
    thickness_px : float
        Film thickness perpendicular to its plane (pixels); the film is centred.
    interface_depth_px : float, optional
        Mean depth of the interface below the top surface (default: half the thickness).
    top, bottom : LayerSpec
        The pores of each layer.
    waviness_px, wave_period_px : float
        Amplitude and period (default: half the image width) of the interface's sinusoid.
    tilt_deg : float
        Film direction, counter-clockwise as displayed.
    closed : bool
        The film after a shutdown: ``closed_layer``'s pores shrunk to ``closed_porosity``.
    closed_layer : {'top', 'bottom'}
    closed_porosity : float
        Residual porosity of the closed layer, in [0, its porosity).
    seed : int

    Returns
    -------
    pore : ndarray of bool
        Pores inside the film.
    specimen : ndarray of bool
        The film.
    truth : dict
        ``thickness_px``, ``direction_deg``, ``interface_depth_px`` (mean),
        ``interface_px`` (the depth below the top surface of each image column for an
        untilted film, shape (columns,)), ``waviness_px``, ``wave_period_px``,
        ``interface_ra_px`` / ``interface_rms_px`` (of the sinusoid: ``2 A / pi`` and
        ``A / sqrt 2``), ``layers`` (top first: :meth:`LayerSpec.truth` plus
        ``thickness_px``, ``porosity_realised`` and ``kappa_realised``: this realisation's
        areal porosity and kappa (crossings per pixel pair through over along, NaN when
        tilted) in the layer's exact region; the closed layer's ``porosity`` is
        ``closed_porosity``) and ``closed``. The realised values are the image's truth:
        a layer 210 px x 1200 px of the default grains holds only ~300 of them, so its
        porosity departs from the nominal by up to 0.035 (seeds 0-9) and its kappa by up
        to 3 %.

    Raises
    ------
    ConfigError
        On a thickness, interface depth, porosity or wave that does not fit.

    Examples
    --------
    >>> pore, spec, truth = two_layer_cross_section((200, 300), thickness_px=120, seed=0)
    >>> [round(layer["kappa"], 1) for layer in truth["layers"]]
    [3.0, 1.0]
    >>> truth["interface_depth_px"], bool(spec[100, 150]), bool(spec[5, 150])
    (60.0, True, False)
    """
    if thickness_px <= 0:
        raise ConfigError(f"thickness_px must be > 0, got {thickness_px}")
    _check(top, "top")
    _check(bottom, "bottom")
    depth = thickness_px / 2.0 if interface_depth_px is None else float(interface_depth_px)
    if not abs(waviness_px) < depth < thickness_px - abs(waviness_px):
        raise ConfigError(
            f"the interface at {depth} px (waviness {waviness_px} px) must lie inside the "
            f"film of {thickness_px} px; choose interface_depth_px between the waviness and "
            "the thickness minus it"
        )
    if closed_layer not in ("top", "bottom"):
        raise ConfigError(f"closed_layer must be 'top' or 'bottom', got {closed_layer!r}")
    shut = top if closed_layer == "top" else bottom
    if closed and not 0.0 <= closed_porosity < shut.porosity:
        raise ConfigError(
            f"closed_porosity must be in [0, {shut.porosity}) (below the open layer's), "
            f"got {closed_porosity}"
        )
    x, y = film_coordinates(shape, tilt_deg)
    period = wave_period_px if wave_period_px else shape[1] / 2.0
    wave = waviness_px * np.sin(2.0 * math.pi * x / period)
    depth_top = y + thickness_px / 2.0
    specimen = (depth_top >= 0) & (depth_top < thickness_px)
    in_top = depth_top < depth + wave
    fields = []
    for i, spec in enumerate((top, bottom)):
        scale = 1.0
        if closed and spec is shut:
            # every ellipse shrunk by s: porosity 1 - exp(-lam pi a b s^2)
            lam = spec.intensity_per_px2
            scale = (math.sqrt(-math.log(1.0 - closed_porosity) / (lam * math.pi * spec.a_px
                                                                  * spec.b_px))
                     if closed_porosity > 0 else 0.0)
        if scale == 0.0:
            fields.append(np.zeros(shape, bool))
            continue
        fields.append(boolean_ellipses(
            shape, intensity_per_px2=spec.intensity_per_px2, a_px=spec.a_px * scale,
            b_px=spec.b_px * scale, angle_deg=tilt_deg, seed=seed + 7919 * i,
            germ_window="padded",
        ))
    pore = np.where(in_top, fields[0], fields[1]) & specimen
    cols = np.arange(shape[1], dtype=float) - (shape[1] - 1) / 2.0
    layers = []
    for i, spec in enumerate((top, bottom)):
        t = spec.truth()
        if closed and spec is shut:
            t["porosity"] = float(closed_porosity)
            t["intercept_along_px"] = t["intercept_through_px"] = float("nan")
        t["thickness_px"] = depth if i == 0 else thickness_px - depth
        region = specimen & (in_top if i == 0 else ~in_top)
        t["porosity_realised"], t["kappa_realised"] = _realised(pore, region, tilt_deg)
        layers.append(t)
    truth: dict[str, object] = {
        "thickness_px": float(thickness_px),
        "direction_deg": float(tilt_deg),
        "interface_depth_px": depth,
        "interface_px": depth + waviness_px * np.sin(2.0 * math.pi * cols / period),
        "waviness_px": float(waviness_px),
        "wave_period_px": float(period),
        "interface_ra_px": 2.0 * abs(waviness_px) / math.pi,
        "interface_rms_px": abs(waviness_px) / math.sqrt(2.0),
        "layers": layers,
        "closed": bool(closed),
        "closed_layer": closed_layer if closed else "none",
    }
    return pore, specimen, truth
