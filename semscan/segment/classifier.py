"""A trainable pixel classifier: a random forest on multiscale pixel features.

Like ``skimage.future.fit_segmenter`` with ``skimage.feature.multiscale_basic_features``,
it learns from a few labelled strokes: a label image with 0 = unlabelled, 1 = pore,
2 = solid and, optionally, 3 = excluded. The features are computed with OpenCV in float32
for speed: at each scale sigma (geometric from ``sigma_min_px`` to ``sigma_max_px``, one
per octave) the Gaussian-smoothed grey, its gradient magnitude, and the two eigenvalues of
its Hessian (scale-normalised by sigma and sigma²).

The model file is semscan's binary model format (``.smodel``, :mod:`semscan._modelbin`) or
JSON (``.json``, ``.json.gz``), holding the forest as arrays
(:class:`semscan._forest.TreeEnsemble`), the feature parameters (sigmas in px and the
pixel size it was trained at), the classes, the semscan version and the sha256 of the
training labels. Nothing is unpickled on load, and a file whose format or feature
parameters do not match this code is refused with :class:`~semscan.errors.ModelError`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from semscan._forest import TreeEnsemble, read_model, require_sklearn, write_model
from semscan._modelfile import CORRUPT, field, int_field, number_field
from semscan._ndimage import blur
from semscan.calibration import UNCALIBRATED, Calibration
from semscan.errors import ModelError, SegmentationError

__all__ = [
    "FEATURE_KIND",
    "FORMAT",
    "LABELS",
    "PixelClassifier",
    "load_pixel_classifier",
    "pixel_features",
]

FORMAT = "semscan-pixel-classifier/1"
FEATURE_KIND = "cv2-gaussian-gradmag-hessian-eig/1"
FEATURES_PER_SIGMA = 4
LABELS = {1: "pore", 2: "solid", 3: "excluded"}
_CHUNK = 1 << 18
_MAX_SAMPLES = 200_000
# What a model file may ask for: more or larger scales would make pixel_features slow
# or huge (16 px is the default largest scale, one scale per octave).
_MAX_SIGMAS = 32
_MAX_SIGMA_PX = 4096.0


def _sigmas(sigma_min_px: float, sigma_max_px: float) -> tuple[float, ...]:
    for name, value in (("sigma_min_px", sigma_min_px), ("sigma_max_px", sigma_max_px)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value > 0
        ):
            raise SegmentationError(f"{name} must be a positive number of px, got {value!r}")
    if sigma_max_px < sigma_min_px:
        raise SegmentationError(
            f"sigma_max_px ({sigma_max_px}) must be >= sigma_min_px ({sigma_min_px})"
        )
    num = math.floor(math.log2(sigma_max_px / sigma_min_px) + 1e-9) + 1
    values = np.geomspace(sigma_min_px, sigma_max_px, num) if num > 1 else [sigma_min_px]
    return tuple(round(float(v), 6) for v in values)


def pixel_features(image: np.ndarray, *, sigmas_px: tuple[float, ...] | list[float]) -> np.ndarray:
    """Multiscale features of every pixel.

    Parameters
    ----------
    image : ndarray, shape (rows, columns)
        Grey values in [0, 1].
    sigmas_px : sequence of float
        Gaussian scales in px.

    Returns
    -------
    ndarray of float32, shape (rows, columns, 4 * len(sigmas_px))
        Per sigma: smoothed grey, sigma * gradient magnitude, sigma² * Hessian eigenvalues
        (larger, smaller).

    Examples
    --------
    >>> import numpy as np
    >>> pixel_features(np.zeros((8, 8), np.float32), sigmas_px=[1.0, 2.0]).shape
    (8, 8, 8)
    """
    img = np.ascontiguousarray(image, dtype=np.float32)
    rows, cols = img.shape
    out = np.empty((rows, cols, FEATURES_PER_SIGMA * len(sigmas_px)), np.float32)
    border = cv2.BORDER_REFLECT
    for i, s in enumerate(sigmas_px):
        g = blur(img, float(s), border="reflect")
        gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3, scale=0.125, borderType=border)
        gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3, scale=0.125, borderType=border)
        gxx = cv2.Sobel(g, cv2.CV_32F, 2, 0, ksize=3, scale=0.25, borderType=border)
        gyy = cv2.Sobel(g, cv2.CV_32F, 0, 2, ksize=3, scale=0.25, borderType=border)
        gxy = cv2.Sobel(g, cv2.CV_32F, 1, 1, ksize=3, scale=0.25, borderType=border)
        half_trace = 0.5 * (gxx + gyy)
        root = np.sqrt((0.5 * (gxx - gyy)) ** 2 + gxy * gxy)
        s2 = np.float32(s * s)
        k = FEATURES_PER_SIGMA * i
        out[..., k] = g
        out[..., k + 1] = np.float32(s) * np.sqrt(gx * gx + gy * gy)
        out[..., k + 2] = s2 * (half_trace + root)
        out[..., k + 3] = s2 * (half_trace - root)
    return out


def _labels_sha256(labels: np.ndarray) -> str:
    h = hashlib.sha256(f"{labels.shape[0]}x{labels.shape[1]}:".encode())
    h.update(np.ascontiguousarray(labels, dtype=np.uint8).tobytes())
    return h.hexdigest()


def _version() -> str:
    from semscan import __version__

    return __version__


@dataclass(frozen=True, eq=False)
class PixelClassifier:
    """A trained pixel classifier (state: the forest and its feature parameters).

    Attributes
    ----------
    ensemble : TreeEnsemble
        The random forest, as arrays.
    sigmas_px : tuple of float
        Feature scales in px at the training pixel size.
    pixel_size_um : float or None
        Pixel size of the training image (None: uncalibrated).
    labels_sha256 : str
        sha256 of the training label image (provenance).
    semscan_version : str
        Version that trained it.
    n_training_pixels : int
        Labelled pixels used for training.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.full((32, 32), 0.8, np.float32); img[:, :12] = 0.1
    >>> labels = np.zeros((32, 32), np.uint8); labels[:, 2] = 1; labels[:, 25] = 2
    >>> clf = PixelClassifier.train(img, labels, sigma_max_px=4, n_estimators=5)
    >>> clf.predict(img)[0, [0, 31]].tolist()
    [1, 2]
    """

    ensemble: TreeEnsemble
    sigmas_px: tuple[float, ...]
    pixel_size_um: float | None = None
    labels_sha256: str = ""
    semscan_version: str = ""
    n_training_pixels: int = 0

    @property
    def classes(self) -> tuple[int, ...]:
        """Label values the classifier predicts (subset of 1 pore, 2 solid, 3 excluded)."""
        return tuple(int(c) for c in self.ensemble.classes)

    @classmethod
    def train(
        cls,
        image: np.ndarray,
        labels: np.ndarray,
        *,
        calibration: Calibration | None = None,
        sigma_min_px: float = 1,
        sigma_max_px: float = 16,
        n_estimators: int = 50,
        max_depth: int = 12,
        seed: int = 0,
    ) -> PixelClassifier:
        """Train on labelled strokes.

        Parameters
        ----------
        image : ndarray, shape (rows, columns)
            Grey values in [0, 1] (the raw micrograph image).
        labels : ndarray of int, shape (rows, columns)
            0 unlabelled, 1 pore, 2 solid, 3 excluded (optional). At least two classes.
        calibration : Calibration, optional
            Pixel size of ``image``; stored so that images at another pixel size get their
            feature scales converted.
        sigma_min_px, sigma_max_px : float
            Range of the feature scales in px (one scale per octave).
        n_estimators, max_depth, seed
            Of the scikit-learn ``RandomForestClassifier``. At most 200 000 labelled pixels
            (a seeded random subset) are used.

        Raises
        ------
        SegmentationError
            If the shapes differ, labels are outside 0-3, or fewer than two classes are
            labelled.
        """
        img = np.asarray(image, dtype=np.float32)
        lab = np.asarray(labels)
        if img.ndim != 2 or lab.shape != img.shape:
            raise SegmentationError(
                f"labels shape {lab.shape} must equal the 2-D image shape {img.shape}"
            )
        if not np.issubdtype(lab.dtype, np.integer) and lab.dtype != bool:
            if not np.array_equal(lab, np.round(lab)):
                raise SegmentationError("labels must be integers 0-3")
        lab = lab.astype(np.int64)
        bad = np.setdiff1d(np.unique(lab), [0, 1, 2, 3])
        if bad.size:
            raise SegmentationError(
                f"labels must be 0 (unlabelled), 1 (pore), 2 (solid) or 3 (excluded); "
                f"found {bad.tolist()}"
            )
        present = sorted(set(np.unique(lab).tolist()) - {0})
        if len(present) < 2:
            raise SegmentationError(
                f"label at least two classes (1 pore, 2 solid); found only {present}"
            )
        for name, value in (("n_estimators", n_estimators), ("max_depth", max_depth)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SegmentationError(f"{name} must be a positive integer, got {value!r}")
        require_sklearn("training a pixel classifier")
        from sklearn.ensemble import RandomForestClassifier

        sigmas = _sigmas(sigma_min_px, sigma_max_px)
        feats = pixel_features(img, sigmas_px=sigmas)
        idx = np.flatnonzero(lab.ravel())
        if idx.size > _MAX_SAMPLES:
            rng = np.random.default_rng(seed)
            idx = np.sort(rng.choice(idx, _MAX_SAMPLES, replace=False))
        X = feats.reshape(-1, feats.shape[-1])[idx]
        y = lab.ravel()[idx]
        rf = RandomForestClassifier(
            n_estimators=n_estimators, max_depth=max_depth, random_state=seed, n_jobs=1
        ).fit(X, y)
        # Round trip through the stored form, so a fresh model predicts exactly like a
        # loaded one.
        ensemble = TreeEnsemble.from_dict(TreeEnsemble.from_sklearn(rf).to_dict())
        cal = calibration or UNCALIBRATED
        return cls(
            ensemble=ensemble,
            sigmas_px=sigmas,
            pixel_size_um=cal.pixel_size_um,
            labels_sha256=_labels_sha256(lab),
            semscan_version=_version(),
            n_training_pixels=int(idx.size),
        )

    def _effective_sigmas(self, calibration: Calibration | None) -> tuple[float, ...]:
        cal = calibration or UNCALIBRATED
        if cal.pixel_size_um is None or self.pixel_size_um is None:
            return self.sigmas_px
        ratio = self.pixel_size_um / cal.pixel_size_um
        return tuple(s * ratio for s in self.sigmas_px)

    def scale_warnings(self, calibration: Calibration | None = None) -> tuple[str, ...]:
        """Notes on applying the model at another pixel size than it was trained at."""
        cal = calibration or UNCALIBRATED
        if self.pixel_size_um is None and cal.pixel_size_um is None:
            return ()
        if self.pixel_size_um is None or cal.pixel_size_um is None:
            return (
                "pixel classifier: cannot compare pixel sizes (training "
                f"{self.pixel_size_um} µm, image {cal.pixel_size_um} µm); features used at "
                "their trained px scales",
            )
        ratio = self.pixel_size_um / cal.pixel_size_um
        if 0.5 <= ratio <= 2.0:
            return ()
        return (
            f"pixel classifier trained at {self.pixel_size_um:g} µm/px, image is "
            f"{cal.pixel_size_um:g} µm/px: feature scales converted by {ratio:.3g}; "
            "the grey-level features may not transfer",
        )

    def describe(self) -> str:
        """Short text: scales and forest size."""
        sig = ", ".join(f"{s:g}" for s in self.sigmas_px)
        return f"sigmas {sig} px, {len(self.ensemble.trees)} trees"

    def predict_proba(
        self, image: np.ndarray, *, calibration: Calibration | None = None
    ) -> np.ndarray:
        """Class probabilities, float32 (rows, columns, n_classes) in :attr:`classes` order."""
        img = np.asarray(image, dtype=np.float32)
        if img.ndim != 2:
            raise SegmentationError(f"expected a 2-D grey image, got shape {img.shape}")
        feats = pixel_features(img, sigmas_px=self._effective_sigmas(calibration))
        X = feats.reshape(-1, feats.shape[-1])
        out = np.empty((X.shape[0], len(self.classes)), np.float32)
        for start in range(0, X.shape[0], _CHUNK):
            out[start : start + _CHUNK] = self.ensemble.predict_proba(X[start : start + _CHUNK])
        return out.reshape(*img.shape, len(self.classes))

    def predict(self, image: np.ndarray, *, calibration: Calibration | None = None) -> np.ndarray:
        """Label image, uint8 (rows, columns): 1 pore, 2 solid, 3 excluded.

        ``calibration`` is the image's; when it and the training pixel size are both known,
        the feature scales are converted to the image's pixels.
        """
        proba = self.predict_proba(image, calibration=calibration)
        lut = np.asarray(self.classes, np.uint8)
        return lut[np.argmax(proba, axis=-1)]

    # ------------------------------------------------------------------ file form
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (see the module docstring)."""
        return {**self._fields(), "forest": self.ensemble.to_dict()}

    def _fields(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "semscan_version": self.semscan_version,
            "features": {
                "kind": FEATURE_KIND,
                "sigmas_px": list(self.sigmas_px),
                "n_features": FEATURES_PER_SIGMA * len(self.sigmas_px),
                "pixel_size_um": self.pixel_size_um,
            },
            "classes": list(self.classes),
            "labels_sha256": self.labels_sha256,
            "n_training_pixels": self.n_training_pixels,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "model",
                  arrays: dict[str, np.ndarray] | None = None) -> PixelClassifier:
        """Rebuild from :meth:`to_dict` output, refusing other formats or features.

        Raises
        ------
        ModelError
            On another format, another feature kind, inconsistent feature parameters or
            classes, a field that is missing or of the wrong type or range, or a corrupt
            forest; the message names the file and the first problem.
        """
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            got = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ModelError(
                f"{source} is not a semscan pixel-classifier model (format {got!r}, expected "
                f"{FORMAT!r}); train one with PixelClassifier.train(...).save(path)"
            )
        feats = field(data, "features", source, dict)
        kind = field(feats, "kind", source, str)
        if kind != FEATURE_KIND:
            raise ModelError(
                f"{source} was trained with other pixel features ({kind!r}); this semscan "
                f"computes {FEATURE_KIND!r}: retrain the classifier"
            )
        sigmas = field(feats, "sigmas_px", source, list)
        if not (1 <= len(sigmas) <= _MAX_SIGMAS and all(
            type(s) in (int, float) and math.isfinite(s) and 0 < s <= _MAX_SIGMA_PX
            for s in sigmas
        )):
            raise ModelError(
                f"{source}: feature sigmas must be 1 to {_MAX_SIGMAS} positive numbers of px "
                f"up to {_MAX_SIGMA_PX}, got {sigmas[:_MAX_SIGMAS + 1]!r}; {CORRUPT}"
            )
        sigmas = tuple(float(s) for s in sigmas)
        n_features = int_field(feats, "n_features", source, low=1,
                               high=FEATURES_PER_SIGMA * _MAX_SIGMAS)
        pixel_size = field(feats, "pixel_size_um", source, (int, float, type(None)),
                           default=None)
        if pixel_size is not None:
            pixel_size = number_field(feats, "pixel_size_um", source, low=1e-6, high=1e4)
        classes = field(data, "classes", source, list)
        if not set(map(type, classes)) <= {int}:
            raise ModelError(f"{source}: classes must be integers, got {classes[:8]!r}; {CORRUPT}")
        labels_sha = field(data, "labels_sha256", source, str, default="")
        n_train = int_field(data, "n_training_pixels", source, low=0, high=2**53, default=0)
        version = field(data, "semscan_version", source, str, default="")
        if n_features != FEATURES_PER_SIGMA * len(sigmas):
            raise ModelError(
                f"{source}: feature parameters do not match: {len(sigmas)} sigmas give "
                f"{FEATURES_PER_SIGMA * len(sigmas)} features, the file says {n_features}"
            )
        if len(classes) < 2 or not set(classes) <= set(LABELS) or len(set(classes)) != len(
            classes
        ):
            raise ModelError(f"{source}: classes must be two or more of 1, 2, 3; got {classes}")
        ensemble = TreeEnsemble.from_dict(field(data, "forest", source, dict), source=source,
                                          arrays=arrays)
        if ensemble.n_features != n_features:
            raise ModelError(
                f"{source}: the forest expects {ensemble.n_features} features but the feature "
                f"parameters give {n_features}"
            )
        if [int(c) for c in ensemble.classes.tolist()] != classes:
            raise ModelError(
                f"{source}: forest classes {ensemble.classes.tolist()} differ from {classes}"
            )
        return cls(
            ensemble=ensemble,
            sigmas_px=sigmas,
            pixel_size_um=pixel_size,
            labels_sha256=labels_sha,
            semscan_version=version,
            n_training_pixels=n_train,
        )

    def save(self, path: str | Path) -> None:
        """Write the model: binary (``.smodel``), or JSON when the name ends in ``.json``
        (gzip-compressed: ``.json.gz``)."""
        write_model(path, self._fields(), self.ensemble)

    @classmethod
    def load(cls, path: str | Path) -> PixelClassifier:
        """Read a model written by :meth:`save`.

        Raises
        ------
        ModelError
            If the file is missing, damaged, or not a matching pixel-classifier model.
        """
        payload, arrays, _ = read_model(path)
        return cls.from_dict(payload, source=f"model file {path}", arrays=arrays)


def load_pixel_classifier(path: str | Path) -> PixelClassifier:
    """Load a pixel classifier saved with :meth:`PixelClassifier.save` (see there).

    Examples
    --------
    >>> load_pixel_classifier("no-such-model.json")
    Traceback (most recent call last):
    ...
    semscan.errors.ModelError: model file no-such-model.json does not exist
    """
    return PixelClassifier.load(path)
