"""Structure class of a feature vector, with probabilities and the features that decided it.

:func:`classify_structure` classifies one feature vector with a
:class:`~semscan.classify.model_file.StructureModel`; :func:`feature_vector`,
:func:`attribution` and :func:`make_class` are its steps, which
:func:`semscan.classify.fields.classify_fields` also uses to average fields.

Examples
--------
>>> import numpy as np
>>> from semscan.classify.model_file import load_model
>>> model = load_model()
>>> x = feature_vector(model.feature_medians, model)
>>> p, drops = attribution(x, model)
>>> bool(np.isclose(p.sum(), 1.0)), drops.shape == (len(x), len(model.classes))
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from semscan.classify.classes import PROBABILITY_FIELDS
from semscan.classify.features import StructureFeatures
from semscan.classify.model_file import StructureModel, default_model
from semscan.errors import ConfigError, ModelError

__all__ = [
    "UNCERTAIN",
    "StructureClass",
    "attribution",
    "attributions",
    "checked_threshold",
    "classify_structure",
    "feature_vector",
    "make_class",
]

UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class StructureClass:
    """The structure class of one image (METHODS.md 8).

    Attributes
    ----------
    label : str
        The most probable class, or ``'uncertain'`` when its probability is below the
        confidence threshold.
    probabilities : dict
        ``{class: probability}`` for every class of the model.
    confidence : float
        Probability of the most probable class.
    reasons : tuple of str
        Three features that pushed hardest toward the most probable class, each as
        ``"name = value (+0.12)"`` where the number is the drop in that class's
        probability when the feature is replaced by its training median.
    is_uncertain : bool
        True when ``confidence < threshold``.
    top_class : str
        The most probable class, even when ``label`` is ``'uncertain'``.
    scale_ratio : float
        Largest / smallest local pore size of the trend fitted over the field
        (:attr:`StructureFeatures.scale_ratio <semscan.classify.features.StructureFeatures>`;
        1 when the features were given as raw values).
    rectified : bool
        True when the features were computed after resampling the field to one scale
        (an oblique view; :mod:`semscan.classify.perspective`).
    n_fields : int
        Number of fields of the model's training size whose probabilities were averaged
        (:func:`semscan.classify.fields.classify_fields`; 1 for one feature vector).
    field_agreement : float
        Fraction of the analysed area, in fields, whose own most probable class is
        ``top_class`` (1 for one field).
    """

    label: str
    probabilities: dict[str, float]
    confidence: float
    reasons: tuple[str, ...]
    is_uncertain: bool
    top_class: str
    scale_ratio: float = 1.0
    rectified: bool = False
    n_fields: int = 1
    field_agreement: float = 1.0

    def to_dict(self) -> dict[str, object]:
        """Row form: class, class_confidence, p_<class> for the five classes, class_reasons,
        class_scale_ratio, class_fields, class_field_agreement."""
        row: dict[str, object] = {"class": self.label, "class_confidence": self.confidence}
        for cls, key in PROBABILITY_FIELDS.items():
            row[key] = float(self.probabilities.get(cls, math.nan))
        row["class_reasons"] = "; ".join(self.reasons)
        row["class_scale_ratio"] = float(self.scale_ratio)
        row["class_fields"] = int(self.n_fields)
        row["class_field_agreement"] = float(self.field_agreement)
        return row


def classify_structure(
    features: StructureFeatures | Sequence[float] | np.ndarray,
    *,
    model: StructureModel | None = None,
    confidence_threshold: float | None = None,
) -> StructureClass:
    """Classify a structure from its features, with probabilities and reasons.

    Parameters
    ----------
    features : StructureFeatures or sequence of float
        From :func:`~semscan.classify.features.structure_features`, or raw values in the
        order of ``FEATURE_NAMES``.
    model : StructureModel, optional
        Defaults to the shipped model (loaded once).
    confidence_threshold : float, optional
        In [0, 1]; below it the label is ``'uncertain'``. Default: the model's own
        (:attr:`StructureModel.confidence_threshold`).

    Returns
    -------
    StructureClass

    Raises
    ------
    ConfigError
        If the threshold is outside [0, 1].
    ModelError
        If the feature vector does not match the model.

    Notes
    -----
    The reasons are a local, model-agnostic attribution chosen by semscan (METHODS.md 8
    only asks for "the features that decided it"): for each feature, the probability of
    the chosen class minus the probability when that one feature is set to its training
    median. The three largest are reported, with the feature's value.

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.calibration import UNCALIBRATED
    >>> from semscan.classify.features import structure_features
    >>> solid = np.ones((64, 64), bool)
    >>> c = classify_structure(structure_features(~solid, solid, calibration=UNCALIBRATED))
    >>> c.label, len(c.reasons)
    ('non-porous', 3)
    """
    model = model or default_model()
    threshold = checked_threshold(model, confidence_threshold)
    x = feature_vector(features, model)
    p, drops = attribution(x, model)
    return make_class(p, drops, x, model=model, confidence_threshold=threshold,
                      scale_ratio=getattr(features, "scale_ratio", 1.0),
                      rectified=getattr(features, "rectified", False))


def checked_threshold(model: StructureModel, confidence_threshold: float | None) -> float:
    """``confidence_threshold``, or the model's own when None, checked to be in [0, 1].

    Raises
    ------
    ConfigError
        If the threshold is outside [0, 1].
    """
    if confidence_threshold is None:
        confidence_threshold = model.confidence_threshold
    if not 0.0 <= float(confidence_threshold) <= 1.0:
        raise ConfigError(
            f"confidence_threshold must be in [0, 1], got {confidence_threshold!r}"
        )
    return float(confidence_threshold)


def feature_vector(
    features: StructureFeatures | Sequence[float] | np.ndarray, model: StructureModel
) -> np.ndarray:
    """The finite feature vector ``model`` expects, checked against its feature names.

    Raises
    ------
    ModelError
        If the names, the length or the values do not fit the model.
    """
    if isinstance(features, StructureFeatures):
        if tuple(features.names) != model.feature_names:
            raise ModelError(
                "the features were computed with other names or order than the model's; "
                "recompute them with this semscan or load a matching model"
            )
        x = np.asarray(features.values, np.float64)
    else:
        x = np.asarray(features, np.float64).ravel()
    if x.shape != (len(model.feature_names),):
        raise ModelError(
            f"expected {len(model.feature_names)} feature values in FEATURE_NAMES order, "
            f"got {x.shape[0]}"
        )
    if not np.isfinite(x).all():
        raise ModelError("feature values must be finite; got NaN or infinity")
    return x


def attribution(x: np.ndarray, model: StructureModel) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities of ``x`` and what each feature adds to them.

    Returns
    -------
    p : ndarray, shape (n_classes,)
    drops : ndarray, shape (n_features, n_classes)
        ``drops[i, k]``: probability of class ``k`` minus its probability when feature
        ``i`` alone is set to its training median.
    """
    p, drops = attributions(np.asarray(x)[None, :], model)
    return p[0], drops[0]


def attributions(xs: np.ndarray, model: StructureModel) -> tuple[np.ndarray, np.ndarray]:
    """:func:`attribution` of every row of ``xs`` (shape (n_fields, n_features)) at once.

    All the probed vectors go through the forest in one batch
    (:meth:`~semscan._forest.TreeEnsemble.predict_proba_replaced`: a probe shares its
    row's path down to the first node that tests the replaced feature); every row is
    evaluated on its own, so the numbers equal one :func:`attribution` call per row.

    Returns
    -------
    p : ndarray, shape (n_fields, n_classes)
    drops : ndarray, shape (n_fields, n_features, n_classes)
    """
    xs = np.atleast_2d(np.asarray(xs, np.float64))
    # (m, n + 1, n_classes): each row, then each row with feature i at its training median
    proba = model.forest.predict_proba_replaced(xs, model.feature_medians)
    return proba[:, 0], proba[:, :1] - proba[:, 1:]


def make_class(
    p: np.ndarray,
    drops: np.ndarray,
    x: np.ndarray,
    *,
    model: StructureModel,
    confidence_threshold: float,
    **extra: Any,
) -> StructureClass:
    """The :class:`StructureClass` of probabilities ``p``, with the three features of
    ``x`` whose ``drops`` for the most probable class are largest as its reasons."""
    top = int(np.argmax(p))
    contrib = drops[:, top]
    order = np.argsort(-contrib, kind="stable")[:3]
    reasons = tuple(
        f"{model.feature_names[i]} = {x[i]:.3g} ({contrib[i]:+.2f})" for i in order
    )
    confidence = float(p[top])
    uncertain = confidence < confidence_threshold
    return StructureClass(
        label=UNCERTAIN if uncertain else model.classes[top],
        probabilities={c: float(v) for c, v in zip(model.classes, p, strict=True)},
        confidence=confidence,
        reasons=reasons,
        is_uncertain=uncertain,
        top_class=model.classes[top],
        **extra,
    )
