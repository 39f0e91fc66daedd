"""The trained models an analysis uses, loaded once: :class:`Models` and :func:`load_models`.

A batch loads them once (:func:`load_models`) and hands the same :class:`Models` to every
image, so that a model file is read and checked before the first image is analysed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from semscan.classify.model import StructureModel, load_model
from semscan.classify.model_file import default_model_path
from semscan.config import AnalysisConfig
from semscan.segment import PixelClassifier, load_pixel_classifier

__all__ = ["Models", "load_models"]

_CACHE_SIZE = 8
_STRUCTURE_CACHE: dict[tuple[object, ...], StructureModel] = {}
"""Validated structure models by the file's identity (:func:`_file_key`)."""


def _file_key(p: Path) -> tuple[object, ...]:
    """What identifies a file's content without reading it: its resolved path, device and
    inode, size, and modification and change times in ns. Rewriting a file changes its
    change time (which no user call can set back), so a rewritten model is loaded again."""
    st = p.stat()
    return (str(p.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
            st.st_ctime_ns)


def cached_structure_model(path: str | Path | None) -> StructureModel:
    """:func:`~semscan.classify.model.load_model` once per file content.

    The key is the file's identity (:func:`_file_key`: path, inode, size, modification and
    change times), so a file that is rewritten is loaded (and validated) again; the
    models are frozen and shared read-only. A missing file raises the loader's
    :class:`~semscan.errors.ModelError`.

    Examples
    --------
    >>> cached_structure_model(None) is cached_structure_model(None)
    True
    """
    p = Path(path) if path is not None else default_model_path()
    try:
        key = _file_key(p)
    except OSError:
        return load_model(path)  # the loader says what is wrong with the file
    model = _STRUCTURE_CACHE.get(key)
    if model is None:
        model = load_model(path)
        if len(_STRUCTURE_CACHE) >= _CACHE_SIZE:
            _STRUCTURE_CACHE.pop(next(iter(_STRUCTURE_CACHE)))
        _STRUCTURE_CACHE[key] = model
    return model


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
    one, the structure model when classifying (validated once per file content and
    process: :func:`cached_structure_model`).

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
    structure = (cached_structure_model(config.classify.model_path)
                 if config.classify.enabled else None)
    return Models(structure=structure, pixel_classifier=pixel_classifier)
