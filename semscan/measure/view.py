"""Which view an image shows: surface or cross-section (METHODS.md 0).

A view is given per file (manifest, filename pattern, configuration) or detected. The
detector calls an image a cross-section when a flat region (vacuum or a uniform embedding:
its local grey-level spread, over a scale of about one feature length, is < 35 % of the
specimen's) touches the image border and covers >= 2 % of the field while the textured
specimen covers >= 10 %. A porous surface has texture everywhere and stays ``'surface'``.
The decision records its source and the reason.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

import numpy as np

from semscan.calibration import Calibration
from semscan.errors import ConfigError

__all__ = ["ViewDecision", "decide_view", "detect_view"]

View = Literal["surface", "cross-section"]
ViewSource = Literal["detected", "manifest", "pattern", "config"]
_VIEWS = ("surface", "cross-section")


@dataclass(frozen=True)
class ViewDecision:
    """The view of an image and how it was decided.

    Attributes
    ----------
    view : {'surface', 'cross-section'}
    source : {'detected', 'manifest', 'pattern', 'config'}
    reason : str
    score : float
        Detector's cross-section score in [0, 1] (1 - texture ratio / 0.5, clipped); NaN
        when the view was given.
    """

    view: View
    source: ViewSource
    reason: str
    score: float = float("nan")

    def to_dict(self) -> dict[str, object]:
        """Row form: ``view``, ``view_source``, ``view_reason``, ``view_score``."""
        return {"view": self.view, "view_source": self.source, "view_reason": self.reason,
                "view_score": self.score}


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
    from semscan.measure.cross_section import _coarse_background

    del calibration
    bg = _coarse_background(np.asarray(image, float), excluded, None)
    score = float(np.clip(1.0 - bg.texture_ratio / 0.5, 0.0, 1.0)) if bg.found or (
        bg.background_fraction > 0) else 0.0
    view: View = "cross-section" if bg.found else "surface"
    return ViewDecision(view, "detected", bg.reason, score)


def decide_view(
    image: np.ndarray | None,
    *,
    calibration: Calibration,
    path: str | PurePath | None = None,
    excluded: np.ndarray | None = None,
    manifest_view: str | None = None,
    config_view: Literal["auto", "surface", "cross-section"] = "auto",
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
