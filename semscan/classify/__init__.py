"""Structure classification (METHODS.md 8): features, synthetic training data, the model.

- :func:`semscan.classify.features.structure_features` turns pore / solid masks into
  scale-free features (:data:`~semscan.classify.features.FEATURE_NAMES`);
- :func:`semscan.classify.model.classify_structure` gives the class, its probabilities and
  the three features that decided it, with the model shipped in
  ``semscan/classify/models/`` (:func:`~semscan.classify.model.load_model`);
- :func:`semscan.classify.fields.classify_fields` classifies an image of any size in
  fields of the size the model was trained on and averages their probabilities (what
  ``semscan analyze`` does);
- :mod:`semscan.classify.training_data` generates the synthetic training structures and
  :func:`~semscan.classify.model.train_structure_model` retrains the model;
  :func:`~semscan.classify.model.evaluate_structure_model` scores a model on a fresh
  synthetic set of another seed.

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
    "CLASSES": "semscan.classify.training_data",
    "FEATURE_NAMES": "semscan.classify.features",
    "StructureFeatures": "semscan.classify.features",
    "structure_features": "semscan.classify.features",
    "StructureClass": "semscan.classify.model",
    "classify_structure": "semscan.classify.model",
    "classify_fields": "semscan.classify.fields",
    "evaluate_structure_model": "semscan.classify.model",
    "load_model": "semscan.classify.model",
    "train_structure_model": "semscan.classify.model",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'semscan.classify' has no attribute {name!r}")
