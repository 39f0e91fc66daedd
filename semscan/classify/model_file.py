"""The structure classifier's model file: format, validation, loading (METHODS.md 8).

The model is an extremely randomised tree ensemble over
:data:`~semscan.classify.features.FEATURE_NAMES`, stored through
:class:`semscan._forest.TreeEnsemble` in semscan's binary model format (``.smodel``: a JSON
header and raw arrays, :mod:`semscan._modelbin`) or as JSON (``.json``, ``.json.gz``, still
read and written): loading never unpickles and needs no
scikit-learn, and both formats are validated the same way.

Where the shipped model lives
-----------------------------
The model file is package data, ``semscan/classify/models/structure.smodel``, so that
it loads from an editable install and from a wheel alike (:func:`default_model_path`).
Its model card (training recipe, feature order, versions, sha256 of the model file,
held-out accuracy and confusion matrix) is ``models/structure.card.json`` in the
repository, beside ``models/README.md``.

Model file format (``"format": "semscan-structure-model/1"``)
--------------------------------------------------------------
The JSON payload (of a binary file: its header's ``"model"``, the forest's arrays apart)
holds ``feature_names`` (the order the forest expects), ``feature_medians`` (training medians,
used by the explanations), ``classes``, ``forest`` (a tree-ensemble dict), ``training``
(recipe, seeds, versions). A file with another format version or other feature names is
refused with :class:`~semscan.errors.ModelError`.

Examples
--------
>>> from semscan.classify.features import FEATURE_NAMES
>>> load_model().feature_names == FEATURE_NAMES
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from semscan._forest import MAX_CLASSES, TreeEnsemble, read_model, write_model
from semscan._forest import MAX_FEATURES as _MAX_FOREST_FEATURES
from semscan._modelfile import corrupt, field, number_field, str_list_field
from semscan.classify.features import FEATURE_NAMES
from semscan.errors import ModelError

__all__ = [
    "DEFAULT_CONFIDENCE_THRESHOLD",
    "MODEL_FORMAT",
    "StructureModel",
    "default_model",
    "default_model_path",
    "load_model",
]

MODEL_FORMAT = "semscan-structure-model/1"
_MODEL_NAME = "structure.smodel"
DEFAULT_CONFIDENCE_THRESHOLD = 0.6


def default_model_path() -> Path:
    """Path of the model shipped inside the package (``semscan/classify/models/``)."""
    return Path(str(resources.files("semscan.classify").joinpath("models", _MODEL_NAME)))


@dataclass(frozen=True, eq=False)
class StructureModel:
    """A loaded structure classifier.

    Attributes
    ----------
    forest : TreeEnsemble
        The trees.
    feature_names : tuple of str
        Feature order the forest expects (equal to ``FEATURE_NAMES``).
    feature_medians : ndarray of float64
        Median of each feature over the training set.
    classes : tuple of str
        Class labels in probability-column order.
    training : dict
        Training recipe and versions, as stored in the file.
    confidence_threshold : float
        The model's default threshold below which a class is 'uncertain' (stored in the
        file; 0.6 for files that do not store one).
    path : str
        File it was loaded from ('' when built in memory).
    sha256 : str
        SHA-256 of the file's bytes ('' when built in memory).
    """

    forest: TreeEnsemble
    feature_names: tuple[str, ...]
    feature_medians: np.ndarray
    classes: tuple[str, ...]
    training: dict[str, Any]
    confidence_threshold: float = DEFAULT_CONFIDENCE_THRESHOLD
    path: str = ""
    sha256: str = ""

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns as :attr:`classes`."""
        return self.forest.predict_proba(np.atleast_2d(np.asarray(X, np.float64)))

    def to_dict(self) -> dict[str, Any]:
        """The JSON payload of a model file."""
        return {**self._fields(), "forest": self.forest.to_dict()}

    def _fields(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "feature_names": list(self.feature_names),
            "feature_medians": [float(v) for v in self.feature_medians],
            "classes": list(self.classes),
            "confidence_threshold": self.confidence_threshold,
            "training": self.training,
        }

    def save(self, path: str | Path, *, compress: bool = False) -> None:
        """Write the model: binary (``.smodel``, optionally zlib-``compress``-ed), or JSON
        when the name ends in ``.json`` / ``.json.gz`` (see :func:`semscan._forest.write_model`)."""
        write_model(path, self._fields(), self.forest, compress=compress)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, path: str = "", sha256: str = "",
        arrays: dict[str, np.ndarray] | None = None,
    ) -> StructureModel:
        """Validate a model payload: format version, feature names, classes, every field.

        Every field this class or semscan reads is type- and range-checked here (the
        forest by :meth:`TreeEnsemble.from_dict <semscan._forest.TreeEnsemble.from_dict>`),
        so a loaded model cannot hang, read out of bounds or fail later on a bad value.

        Raises
        ------
        ModelError
            On another format version, other features, a field that is missing or of the
            wrong type or range, or a corrupt forest; the message names the first problem.
        """
        where = f"model file {path}" if path else "the model"
        if not isinstance(data, Mapping) or data.get("format") != MODEL_FORMAT:
            got = data.get("format") if isinstance(data, Mapping) else type(data).__name__
            raise ModelError(
                f"{where} has format {got!r}, expected {MODEL_FORMAT!r}; "
                "retrain it with `semscan train-classifier` for this semscan version"
            )
        names = tuple(str_list_field(data, "feature_names", where, max_len=_MAX_FOREST_FEATURES))
        if names != FEATURE_NAMES:
            missing = [n for n in FEATURE_NAMES if n not in names]
            extra = [n for n in names if n not in FEATURE_NAMES]
            detail = (
                f"missing {missing}, unknown {extra}" if missing or extra else "another order"
            )
            raise ModelError(
                f"{where} was trained with other features ({detail}); this semscan computes "
                f"{len(FEATURE_NAMES)} features in the order of "
                "semscan.classify.features.FEATURE_NAMES; retrain it with "
                "`semscan train-classifier`"
            )
        classes = tuple(str_list_field(data, "classes", where, max_len=MAX_CLASSES))
        medians = field(data, "feature_medians", where, list)
        if len(medians) != len(names) or not set(map(type, medians)) <= {int, float}:
            raise corrupt(where, f"'feature_medians' is not {len(names)} numbers")
        medians = np.asarray(medians, np.float64)
        if not np.isfinite(medians).all():
            raise corrupt(where, "'feature_medians' holds a number that is not finite")
        threshold = number_field(data, "confidence_threshold", where, low=0.0, high=1.0,
                                 default=DEFAULT_CONFIDENCE_THRESHOLD)
        training = field(data, "training", where, dict, default={})
        _check_training(training, where)
        forest = TreeEnsemble.from_dict(field(data, "forest", where, dict), source=where,
                                        arrays=arrays)
        if tuple(forest.classes.tolist()) != classes or forest.n_features != len(names):
            raise corrupt(where, f"the forest's classes {forest.classes.tolist()} and "
                                 f"{forest.n_features} features disagree with the file's "
                                 f"{list(classes)} and {len(names)}")
        return cls(forest, names, medians, classes, dict(training), float(threshold), path,
                   sha256)


def _check_training(training: Mapping[str, Any], where: str) -> None:
    """The training fields semscan reads (the field size, the canvas range) are sound."""
    if "image_shape" in training:
        shape = training["image_shape"]
        if not (isinstance(shape, list) and len(shape) == 2
                and all(type(v) is int and 32 <= v <= 32768 for v in shape)):
            raise corrupt(where, f"'training.image_shape' is {shape!r}, expected two "
                                 "integers from 32 to 32768 px")
    if "canvas_scale" in training:
        scale = training["canvas_scale"]
        if not (isinstance(scale, list) and len(scale) == 2
                and all(type(v) in (int, float) for v in scale)
                and 1.0 <= scale[0] <= scale[1] <= 100.0):
            raise corrupt(where, f"'training.canvas_scale' is {scale!r}, expected "
                                 "[low, high] with 1 <= low <= high <= 100")


def load_model(path: str | Path | None = None) -> StructureModel:
    """Load a structure classifier from a model file (binary ``.smodel`` or JSON).

    Parameters
    ----------
    path : str or Path, optional
        Model file; None loads the shipped model (:func:`default_model_path`).

    Returns
    -------
    StructureModel

    Raises
    ------
    ModelError
        If the file is missing, damaged (any check of :func:`semscan._forest.read_model`
        and :meth:`StructureModel.from_dict`), of another format version, or trained with
        other features.

    Examples
    --------
    >>> load_model().classes
    ('cellular', 'coarse', 'non-porous', 'percolation', 'spherical-particle')
    """
    p = Path(path) if path is not None else default_model_path()
    if not p.is_file():
        hint = (
            "; the shipped model is missing from the installation — reinstall semscan or "
            "train one with `semscan train-classifier`"
            if path is None
            else ""
        )
        raise ModelError(f"model file {p} does not exist{hint}")
    payload, arrays, digest = read_model(p)
    return StructureModel.from_dict(payload, path=str(p), sha256=digest, arrays=arrays)


_DEFAULT: dict[str, StructureModel] = {}


def default_model() -> StructureModel:
    """The shipped model, loaded once per process."""
    if "model" not in _DEFAULT:
        _DEFAULT["model"] = load_model()
    return _DEFAULT["model"]
