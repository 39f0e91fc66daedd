"""Empty voids under a bright pore phase: a third, dark population that is pore space too.

With ``pores='bright'`` the pore phase is bright because something fills it (the dealloying
agent left in the pores of a liquid-metal-dealloyed alloy, an embedding resin, a brighter
second phase): the user says which phase is pore by its grey. A void or crack that is
empty has no material to emit secondary or backscattered electrons and reads black, far
below the matrix; it is pore space whatever its grey. A two-phase threshold cannot see
that: the voids sit on the matrix's side of any level between the two phases. The
authors of the dealloyed sections in ``../shared/data/real/gt/dealloyed_fe_ni`` counted
them as pore (their ImageJ macro: a second, dark threshold, despeckled and opened 3 x 3,
joined to the bright phase). The voids are added to the two-phase threshold's pores; they
are not set aside from its statistics (doing so moved the thresholds of CO_00 and CO_01,
IoU 0.94 -> 0.79 and 0.87).
"""

from __future__ import annotations

import cv2
import numpy as np

from semscan._ndimage import Histogram, histogram, otsu_of_histogram
from semscan.segment.preprocess import _sample

__all__ = ["VOID_SIGNAL", "dark_voids"]

# A void's grey is at most this fraction of the matrix's grey mode: closer to no signal
# (grey 0, the detector's black level, where the vacuum of the dealloyed sections lies) than
# to the matrix. Midway by a physical argument, not fitted; leave-one-out over the four
# dealloyed images of ../shared/data/real/gt over 0.3-0.8 is in README "Segmentation".
VOID_SIGNAL = 0.5


def dark_voids(
    image: np.ndarray,
    valid: np.ndarray,
    *,
    signal: float = VOID_SIGNAL,
    hist: Histogram | None = None,
) -> tuple[np.ndarray, str]:
    """The empty voids of a specimen whose pores are bright: a dark third population.

    The valid pixels of the preprocessed grey are split at Otsu's level; the dark side is
    the matrix (the solid, with bright pores), and its grey mode the matrix's signal. A void
    is a region at least 3 px across (a 3 x 3 opening, as the authors' macro does: a void
    is a region, not a noise pixel) whose grey is at most ``signal`` times that mode: with
    0.5, closer to no signal (grey 0) than to the matrix. (A level in matrix SDs below the
    mode does not carry over between images: the authors' void levels lie 2 SDs below the
    mode on RAC_13 and 11-14 SDs on CO_00 and CO_01, whose matrix peaks are narrow but
    whose dark flanks are long.)

    Parameters
    ----------
    image : ndarray of float32, shape (rows, columns)
        Preprocessed grey in [0, 1] (denoised, so single noise pixels are gone already).
    valid : ndarray of bool
        Specimen pixels.
    signal : float
        A void's largest grey as a fraction of the matrix's mode (:data:`VOID_SIGNAL`).
    hist : (counts, centers), optional
        The histogram of the sampled valid pixels of ``image``
        (``histogram(_sample(image), mask=_sample(valid))``, as the two-phase threshold has
        built it already); built when None.

    Returns
    -------
    (ndarray of bool, str)
        The voids (False outside ``valid``) and a note with the level and what decided it
        (empty when there are none).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> img = rng.normal(0.35, 0.03, (60, 60))                  # the matrix
    >>> img[:, ::6] = 0.8                                       # bright pores
    >>> img[20:26, 30:50] = 0.02                                # an empty crack
    >>> img[5, 5] = 0.02                                        # one dark pixel: not a void
    >>> voids, note = dark_voids(img.astype(np.float32), np.ones(img.shape, bool))
    >>> int(voids.sum()), bool(voids[5, 5])
    (120, False)
    """
    img = np.ascontiguousarray(image, dtype=np.float32)
    valid = np.asarray(valid, bool)
    none = np.zeros(img.shape, bool)
    if hist is None:
        hist = histogram(_sample(img), mask=_sample(np.ascontiguousarray(valid)))
    if hist is None:
        return none, ""
    counts, centers = hist
    t = otsu_of_histogram(counts, centers)
    side = centers <= t
    if not counts[side].any():
        return none, ""
    c = np.convolve(counts.astype(np.float64), np.ones(3) / 3.0, mode="same")
    mode = float(centers[int(np.argmax(np.where(side, c, -1.0)))])
    level = signal * mode
    dark = ((img <= level) & valid).view(np.uint8)
    voids = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8),
                             borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
    voids &= valid
    if not voids.any():
        return none, ""
    share = float(np.count_nonzero(voids)) / max(float(np.count_nonzero(valid)), 1.0)
    note = (f"dark voids counted as pore ({share:.1%} of the specimen: grey <= {level:.3f}, "
            f"{signal:g} of the matrix mode {mode:.3f}, regions >= 3 px across)")
    return voids, note
