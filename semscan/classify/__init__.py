"""Structure classification (METHODS.md 8): features, synthetic training data, the model.

- :func:`semscan.classify.features.structure_features` turns pore / solid masks into
  scale-free features (:data:`~semscan.classify.features.FEATURE_NAMES`);
- :func:`semscan.classify.model.classify_structure` gives the class, its probabilities and
  the three features that decided it, with the model shipped in
  ``semscan/classify/models/`` (:func:`~semscan.classify.model.load_model`);
- :func:`semscan.classify.fields.classify_fields` classifies an image of any size in
  fields of the size the model was trained on and averages their probabilities (what
  ``semscan analyze`` does);
- :data:`~semscan.classify.classes.CLASSES` are the classes, in one place;
- :mod:`semscan.classify.training_data` generates the synthetic training data and
  :func:`~semscan.classify.training.train_structure_model` retrains the model (needs
  ``semscan[train]``); :func:`~semscan.classify.training.evaluate_structure_model` scores
  a model on a fresh synthetic set of another seed.

Heavy modules are imported lazily.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CLASSES",
    "FEATURE_NAMES",
    "StructureClass",
    "StructureFeatures",
    "classify_fields",
    "classify_structure",
    "evaluate_structure_model",
    "load_model",
    "structure_features",
    "train_structure_model",
]

_WHERE = {
    "CLASSES": "semscan.classify.classes",
    "FEATURE_NAMES": "semscan.classify.features",
    "StructureFeatures": "semscan.classify.features",
    "structure_features": "semscan.classify.features",
    "StructureClass": "semscan.classify.predict",
    "classify_structure": "semscan.classify.predict",
    "classify_fields": "semscan.classify.fields",
    "evaluate_structure_model": "semscan.classify.training",
    "load_model": "semscan.classify.model_file",
    "train_structure_model": "semscan.classify.training",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'semscan.classify' has no attribute {name!r}")
