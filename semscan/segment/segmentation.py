"""The result of segmenting a micrograph: :class:`Segmentation`, its masks and quality.

The masks' fractions, the phases' separability and the quality warnings are computed here
(:func:`_quality`), for a fresh segmentation (:mod:`semscan.segment._segment`) and for masks
a reviewer corrected (:meth:`Segmentation.with_masks`) alike.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from semscan.errors import SegmentationError

__all__ = ["MAX_ONE_PHASE", "Segmentation"]

# Quality limits (see segment_micrograph, "Quality signals").
MAX_ONE_PHASE = 0.97
_QUALITY_PREFIXES = ("low contrast", "almost all", "no specimen", "pores brighter", "pores darker")


@dataclass(frozen=True, eq=False)
class Segmentation:
    """Pore / solid / excluded masks of a micrograph and how they were obtained.

    Attributes
    ----------
    pore, solid, excluded : ndarray of bool, shape (rows, columns)
        Mutually exclusive; their union is every pixel.
    method : str
        The method actually used (``'otsu'``, ``'multiotsu'``, ... never ``'auto'``).
    method_reason : str
        Why it was chosen (``method='auto'``) or ``'requested'``.
    threshold : float or None
        Grey level of the preprocessed image (None for Sauvola, whose threshold varies per
        pixel, for the classifier, and for a constant image).
    pore_fraction, solid_fraction : float
        Fractions of the non-excluded pixels (0 when everything is excluded).
    excluded_fraction : float
        Fraction of all pixels.
    contrast : float
        Separability of the phases in the preprocessed grey: ``(mean_solid - mean_pore) /
        pooled SD`` (sign flipped for bright pores, so a correct segmentation is positive);
        0 when a phase is empty. About 2.7 for one unimodal histogram cut at its mean.
    preprocessing : str
        What was done before thresholding.
    warnings : tuple of str
        Why the result may be unreliable (low contrast, one phase, saturated regions ...).
    contrast_grey : ndarray of float32 or None
        The grey the contrast is measured on: the preprocessed image, minus the per-pixel
        threshold for Sauvola (so a local method is judged by local contrast). Kept to
        recompute :attr:`contrast` in :meth:`with_excluded`; not part of the row form.
    pores : str
        ``'dark'`` or ``'bright'``, as segmented.
    whisker : ndarray of bool or None
        Whiskers, a third phase (``semscan analyze --whiskers``;
        :mod:`semscan.segment.whiskers`): a subset of ``solid`` (so pore / solid /
        excluded still cover every pixel once), label 3 in :meth:`labels`; None when
        whiskers were not looked for.
    voids : ndarray of bool or None
        The dark voids counted as pore (a subset of ``pore``;
        :func:`~semscan.segment.voids.dark_voids`), None when none were.
    """

    pore: np.ndarray
    solid: np.ndarray
    excluded: np.ndarray
    method: str
    method_reason: str
    threshold: float | None
    pore_fraction: float
    solid_fraction: float
    excluded_fraction: float
    contrast: float
    preprocessing: str
    warnings: tuple[str, ...]
    contrast_grey: np.ndarray | None = field(default=None, repr=False)
    pores: str = "dark"
    whisker: np.ndarray | None = field(default=None, repr=False)
    voids: np.ndarray | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return (int(self.pore.shape[0]), int(self.pore.shape[1]))

    def labels(self) -> np.ndarray:
        """Label image, uint8: 0 solid, 1 pore, 2 excluded (3 whisker, when looked for).

        Examples
        --------
        >>> import numpy as np
        >>> from semscan.micrograph import Micrograph
        >>> from semscan.segment import segment_micrograph
        >>> img = np.tile(np.array([0.1, 0.9], np.float32), (4, 2))
        >>> segment_micrograph(Micrograph.from_array(img), denoise="none").labels()[0].tolist()
        [1, 0, 1, 0]
        """
        out = np.zeros(self.pore.shape, np.uint8)
        out[self.pore] = 1
        if self.whisker is not None:
            out[self.whisker & ~self.excluded] = 3
        out[self.excluded] = 2
        return out

    def to_dict(self) -> dict[str, object]:
        """Flat row: ``seg_method``, ``seg_method_reason``, ``seg_threshold``, ...,
        ``seg_warnings`` (joined with ``'; '``)."""
        return {
            "seg_method": self.method,
            "seg_method_reason": self.method_reason,
            "seg_threshold": self.threshold,
            "seg_pore_fraction": self.pore_fraction,
            "seg_solid_fraction": self.solid_fraction,
            "seg_excluded_fraction": self.excluded_fraction,
            "seg_contrast": self.contrast,
            "seg_preprocessing": self.preprocessing,
            "seg_warnings": "; ".join(self.warnings),
        }

    def with_excluded(self, extra: np.ndarray) -> Segmentation:
        """A copy where the ``extra`` pixels are excluded too; fractions, contrast and the
        quality warnings are recomputed.

        Raises
        ------
        SegmentationError
            If ``extra`` does not have the masks' shape.

        Examples
        --------
        >>> import numpy as np
        >>> from semscan.micrograph import Micrograph
        >>> from semscan.segment import segment_micrograph
        >>> img = np.tile(np.array([0.1, 0.9], np.float32), (4, 2))
        >>> seg = segment_micrograph(Micrograph.from_array(img), denoise="none")
        >>> half = np.zeros((4, 4), bool); half[:2] = True
        >>> new = seg.with_excluded(half)
        >>> new.excluded_fraction, new.pore_fraction
        (0.5, 0.5)
        """
        extra = np.asarray(extra, bool)
        if extra.shape != self.pore.shape:
            raise SegmentationError(
                f"extra excluded mask has shape {extra.shape}, expected {self.pore.shape}"
            )
        return self.with_masks(self.pore & ~extra, self.solid & ~extra, self.excluded | extra)

    def with_masks(
        self, pore: np.ndarray, solid: np.ndarray, excluded: np.ndarray, **changes: object
    ) -> Segmentation:
        """A copy with these masks (e.g. corrected by a reviewer); fractions, contrast and
        the quality warnings are recomputed, ``changes`` replace other fields."""
        kept = tuple(w for w in self.warnings if not w.startswith(_QUALITY_PREFIXES))
        fields_ = _masks_and_quality(self.contrast_grey, pore, solid, excluded, self.pores, kept)
        if self.whisker is not None:  # whiskers stay whiskers where they stay solid
            fields_["whisker"] = self.whisker & np.asarray(solid, bool)
        if self.voids is not None:
            fields_["voids"] = self.voids & np.asarray(pore, bool)
        fields_.update(changes)
        return dataclasses.replace(self, **fields_)


def _masks_and_quality(
    grey: np.ndarray | None,
    pore: np.ndarray,
    solid: np.ndarray,
    excluded: np.ndarray,
    pores: str,
    notes: tuple[str, ...],
) -> dict[str, Any]:
    """The masks, their fractions and contrast, and ``notes`` + the quality warnings: the
    :class:`Segmentation` fields that follow from the masks."""
    q = _quality(grey, pore, solid, excluded, pores)
    return {"pore": pore, "solid": solid, "excluded": excluded, **q,
            "warnings": notes + q["warnings"]}


def _quality(
    grey: np.ndarray | None,
    pore: np.ndarray,
    solid: np.ndarray,
    excluded: np.ndarray,
    pores: str,
) -> dict[str, Any]:
    """Fractions, separability and the quality warnings."""
    n_all = pore.size
    n_pore = int(np.count_nonzero(pore))
    n_solid = int(np.count_nonzero(solid))
    n_valid = n_pore + n_solid
    warnings_: list[str] = []
    if n_valid == 0:
        warnings_.append("no specimen pixels left: everything is excluded")
        return {
            "pore_fraction": 0.0,
            "solid_fraction": 0.0,
            "excluded_fraction": 1.0 if n_all else 0.0,
            "contrast": 0.0,
            "warnings": tuple(warnings_),
        }
    pore_fraction = n_pore / n_valid
    solid_fraction = n_solid / n_valid
    contrast = 0.0
    if grey is not None and n_pore and n_solid:
        g = np.ascontiguousarray(grey, dtype=np.float32)
        mp, sp = (float(v[0, 0]) for v in cv2.meanStdDev(g, mask=pore.view(np.uint8)))
        ms, ss = (float(v[0, 0]) for v in cv2.meanStdDev(g, mask=solid.view(np.uint8)))
        pooled = np.sqrt((n_pore * sp * sp + n_solid * ss * ss) / n_valid)
        diff = (ms - mp) if pores == "dark" else (mp - ms)
        contrast = float(diff / pooled) if pooled > 1e-9 else float(np.sign(diff) * 1e3)
        contrast = float(np.clip(contrast, -1e3, 1e3))
        if diff < 0:
            tone = "brighter" if pores == "dark" else "darker"
            warnings_.append(
                f"pores {tone} than solid on average: check pores='dark'/'bright'"
            )
        # Whether the phases are real is judged by semscan.segment.verdict (the
        # segmentation verdict on the result), not by this separability alone: it is
        # below 3 on clean porous micrographs too (porous_si 2.9, retic 2.9).
    if pore_fraction > MAX_ONE_PHASE:
        warnings_.append(
            f"almost all pore ({pore_fraction:.1%} of the specimen): check the segmentation"
        )
    elif solid_fraction > MAX_ONE_PHASE:
        warnings_.append(
            f"almost all solid ({solid_fraction:.1%} of the specimen): check the segmentation"
        )
    return {
        "pore_fraction": round(pore_fraction, 6),
        "solid_fraction": round(solid_fraction, 6),
        "excluded_fraction": round(1.0 - n_valid / n_all, 6),
        "contrast": round(contrast, 4),
        "warnings": tuple(warnings_),
    }
