"""Local thresholds: Sauvola's adaptive threshold and hysteresis growth from phase cores.

Conventions as in :mod:`semscan.segment.threshold`: thresholds are grey levels of the
*preprocessed* image in [0, 1], in the image's own polarity; with ``pores='dark'`` a pixel
is pore when its grey is ``<=`` the threshold. Only the ``valid`` pixels (not excluded)
enter the local statistics and the growth.
"""

from __future__ import annotations

import cv2
import numpy as np

from semscan.calibration import UNCALIBRATED, Calibration
from semscan.segment.preprocess import PORE_TONES, PoreTone, _check_choice, _length_px

__all__ = ["hysteresis_pores", "sauvola_threshold"]


def _box_mean(values: np.ndarray, weight: np.ndarray, window: int) -> np.ndarray:
    num = cv2.boxFilter(values * weight, cv2.CV_64F, (window, window), normalize=True,
                        borderType=cv2.BORDER_REFLECT)
    den = cv2.boxFilter(weight, cv2.CV_64F, (window, window), normalize=True,
                        borderType=cv2.BORDER_REFLECT)
    return num / np.maximum(den, 1e-9)


def sauvola_threshold(
    image: np.ndarray,
    *,
    calibration: Calibration = UNCALIBRATED,
    window_um: float | None = None,
    valid: np.ndarray | None = None,
    pores: PoreTone = "dark",
    k: float = 0.2,
) -> tuple[np.ndarray, int]:
    """Local Sauvola threshold for unevenly lit images.

    ``T = m * (1 + k * (s / R - 1))`` with the local mean ``m`` and standard deviation
    ``s`` of the valid pixels in a square window and ``R = 0.5`` (the largest SD of grey
    values in [0, 1]). Sauvola assumes dark objects on a bright ground; with
    ``pores='bright'`` it runs on the inverted image and the threshold is mapped back.

    Parameters
    ----------
    image : ndarray of float, shape (rows, columns)
        Preprocessed grey image in [0, 1].
    calibration : Calibration
        Converts ``window_um``; when uncalibrated it is read as px.
    window_um : float, optional
        Window side in µm. None chooses 1/8 of the image's short side (at least 15 px),
        which should hold both phases. Rounded to an odd number of px >= 3.
    valid : ndarray of bool, optional
        Pixels that enter the local statistics.
    pores : {'dark', 'bright'}
        Grey level of the pores.
    k : float
        Sauvola's sensitivity.

    Returns
    -------
    threshold : ndarray of float32, shape (rows, columns)
        Per-pixel threshold (use with :func:`pore_side`).
    window_px : int
        The window side used.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.tile(np.array([0.1, 0.1, 0.8, 0.8], np.float32), (8, 4))
    >>> t, w = sauvola_threshold(img, window_um=5)
    >>> (img <= t)[0].tolist()[:4], w
    ([True, True, False, False], 5)
    """
    _check_choice("pores", pores, PORE_TONES)
    img = np.asarray(image, dtype=np.float64)
    rows, cols = img.shape
    if window_um is None:
        size = max(15.0, min(rows, cols) / 8.0)
    else:
        size = _length_px(window_um, calibration, "sauvola_window_um")
    window = max(3, round(size) // 2 * 2 + 1)
    work = img if pores == "dark" else 1.0 - img
    weight = np.ones(img.shape) if valid is None else valid.astype(np.float64)
    mean = _box_mean(work, weight, window)
    sq = _box_mean(work * work, weight, window)
    sd = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    t = mean * (1.0 + k * (sd / 0.5 - 1.0))
    if pores == "bright":
        t = 1.0 - t
    return t.astype(np.float32), window


def hysteresis_pores(
    image: np.ndarray,
    *,
    low: float,
    high: float,
    grow: str,
    pores: PoreTone = "dark",
    valid: np.ndarray | None = None,
) -> np.ndarray:
    """Pore mask from a hysteresis threshold that grows one phase from its cores.

    The phase ``grow`` (``'solid'`` or ``'pore'``) holds every pixel on its side of ``low``
    that is 8-connected, through such pixels, to a pixel on its side of ``high`` (Otsu's
    level: the phase's unambiguous cores). With ``grow='solid'`` and dark pores, ``low`` is
    below ``high``: particle interiors dimmer than Otsu's level stay solid when they are
    joined to a bright rim, and isolated faint texture of the ground stays pore.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.array([[0.1, 0.4, 0.9, 0.4, 0.1, 0.4, 0.1]], np.float32)
    >>> hysteresis_pores(img, low=0.3, high=0.6, grow="solid").astype(int).tolist()
    [[1, 0, 0, 0, 1, 1, 1]]
    """
    _check_choice("pores", pores, PORE_TONES)
    img = np.ascontiguousarray(image, dtype=np.float32)
    grow_bright = (grow == "solid") == (pores == "dark")
    if grow_bright:
        region, seeds = img > low, img > high
    else:
        region, seeds = img <= low, img <= high
    if valid is not None:
        region &= valid
        seeds &= valid
    n, labels = cv2.connectedComponents(region.view(np.uint8), connectivity=8,
                                        ltype=cv2.CV_32S)
    keep = np.zeros(n, bool)
    keep[np.unique(labels[seeds & region])] = True
    keep[0] = False
    grown = keep[labels]
    inside = np.ones(img.shape, bool) if valid is None else np.asarray(valid, bool)
    return (inside & ~grown) if grow == "solid" else grown
