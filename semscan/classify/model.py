"""The structure classifier: load, predict, explain, train (METHODS.md 8), in one import.

The model is an extremely randomised tree ensemble (scikit-learn ``ExtraTreesClassifier``)
over :data:`~semscan.classify.features.FEATURE_NAMES`, trained on segmentations of
synthetic SEM images (:mod:`semscan.classify.training_data`). Its parts:

- :mod:`semscan.classify.model_file`: the model file's format, validation and loading
  (:func:`load_model`, :class:`StructureModel`; no scikit-learn, no unpickling);
- :mod:`semscan.classify.predict`: :func:`classify_structure` and its explanations;
- :mod:`semscan.classify.training`: :func:`train_structure_model` (needs scikit-learn,
  ``pip install "semscan[train]"``) and :func:`evaluate_structure_model`.

This module re-exports their public names, so that
``from semscan.classify.model import load_model, train_structure_model`` keeps working
(the training names are imported on first use, so that an analysis does not load the
training data generator).

Examples
--------
>>> from semscan.classify.features import FEATURE_NAMES
>>> load_model().feature_names == FEATURE_NAMES
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from semscan.classify.model_file import (
    DEFAULT_CONFIDENCE_THRESHOLD,
    MODEL_FORMAT,
    StructureModel,
    default_model_path,
    load_model,
)
from semscan.classify.predict import (
    UNCERTAIN,
    StructureClass,
    attribution,
    attributions,
    classify_structure,
    feature_vector,
    make_class,
)

if TYPE_CHECKING:
    from semscan.classify.training import (
        MAX_FEATURES,
        TARGET_PRECISION,
        ClassScores,
        EvaluationReport,
        TrainingReport,
        build_dataset,
        choose_confidence_threshold,
        evaluate_structure_model,
        train_structure_model,
    )

#: The training names, imported on first use: the training data generator pulls in the
#: phantoms and scipy.spatial (0.4 s), which loading and predicting never need.
_TRAINING = ("MAX_FEATURES", "TARGET_PRECISION", "ClassScores", "EvaluationReport",
             "TrainingReport", "build_dataset", "choose_confidence_threshold",
             "evaluate_structure_model", "train_structure_model")


def __getattr__(name: str) -> Any:
    if name in _TRAINING:
        from semscan.classify import training

        return getattr(training, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DEFAULT_CONFIDENCE_THRESHOLD",
    "MAX_FEATURES",
    "MODEL_FORMAT",
    "TARGET_PRECISION",
    "UNCERTAIN",
    "ClassScores",
    "EvaluationReport",
    "StructureClass",
    "StructureModel",
    "TrainingReport",
    "attribution",
    "attributions",
    "build_dataset",
    "choose_confidence_threshold",
    "classify_structure",
    "default_model_path",
    "evaluate_structure_model",
    "feature_vector",
    "load_model",
    "make_class",
    "train_structure_model",
]
