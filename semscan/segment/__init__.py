"""Image -> masks: preprocessing, thresholds, cleanup and a trainable pixel classifier.

The entry point is :func:`segment_micrograph`, which returns a :class:`Segmentation`
(pore / solid / excluded masks with the method used, its reason, and quality signals).
"""

from semscan.segment._segment import METHODS, Segmentation, segment_micrograph
from semscan.segment.classifier import PixelClassifier, load_pixel_classifier, pixel_features
from semscan.segment.cleanup import remove_small_features, saturated_regions
from semscan.segment.local_threshold import hysteresis_pores, sauvola_threshold
from semscan.segment.preprocess import (
    Preprocessed,
    denoise_image,
    flatten_background,
    preprocess,
)
from semscan.segment.threshold import (
    GroundPeak,
    choose_method,
    global_threshold,
    ground_peak,
    residual_nonuniformity,
    structure_scale_px,
)

__all__ = [
    "METHODS",
    "GroundPeak",
    "PixelClassifier",
    "Preprocessed",
    "Segmentation",
    "choose_method",
    "denoise_image",
    "flatten_background",
    "global_threshold",
    "ground_peak",
    "hysteresis_pores",
    "load_pixel_classifier",
    "pixel_features",
    "preprocess",
    "remove_small_features",
    "residual_nonuniformity",
    "saturated_regions",
    "sauvola_threshold",
    "segment_micrograph",
    "structure_scale_px",
]
