"""The trained models an analysis uses, loaded once: :class:`Models` and :func:`load_models`.

A batch loads them once (:func:`load_models`) and hands the same :class:`Models` to every
image, so that a model file is read and checked before the first image is analysed.
"""

from __future__ import annotations

from dataclasses import dataclass

from semscan.classify.model import StructureModel, load_model
from semscan.config import AnalysisConfig
from semscan.segment import PixelClassifier, load_pixel_classifier

__all__ = ["Models", "load_models"]


@dataclass(frozen=True, eq=False)
class Models:
    """Loaded models, read-only.

    Attributes
    ----------
    structure : semscan.classify.model.StructureModel or None
        The structure classifier (METHODS.md 8); None: not loaded (the analysis then
        loads ``config.classify.model_path`` itself when it classifies).
    pixel_classifier : semscan.segment.PixelClassifier or None
        The pixel classifier of ``segment.method = 'classifier'``; None: not loaded (the
        segmentation then loads ``segment.classifier_path`` itself).

    Examples
    --------
    >>> Models().structure is None
    True
    """

    structure: StructureModel | None = None
    pixel_classifier: PixelClassifier | None = None


def load_models(config: AnalysisConfig) -> Models:
    """Load the models ``config`` needs, once: the pixel classifier when segmenting with
    one, the structure model when classifying.

    Raises the loader's :class:`~semscan.errors.ModelError` for a missing or foreign file.

    Examples
    --------
    >>> m = load_models(AnalysisConfig().with_overrides({"classify.enabled": False}))
    >>> m.structure is None and m.pixel_classifier is None
    True
    """
    pixel_classifier = None
    if config.segment.method == "classifier" and config.segment.classifier_path:
        pixel_classifier = load_pixel_classifier(config.segment.classifier_path)
    structure = load_model(config.classify.model_path) if config.classify.enabled else None
    return Models(structure=structure, pixel_classifier=pixel_classifier)
