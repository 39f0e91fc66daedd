"""Corrected label images on disk: which TIFF belongs to which input, and reading one.

``semscan analyze --masks DIR`` measures from label TIFFs (0 solid, 1 pore, 2 excluded, in
the input file's pixel grid) instead of segmenting: :func:`find_mask` is the matching rule,
:func:`attach_masks` applies it to a batch's tasks and :func:`read_label_image` reads one.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import tifffile

from semscan.errors import SemscanError
from semscan.io.tasks import BatchTask, file_sha256

__all__ = ["MaskFileError", "attach_masks", "find_mask", "read_label_image",
           "reviewed_layer_depths"]

_SUFFIXES = (".tif", ".tiff")


class MaskFileError(SemscanError):
    """A label TIFF that cannot be used (unreadable, not one 2-D image)."""


def _safe_stem(path: Path) -> str:
    # The file-safe stem of semscan.report.outputs.image_stem (masks/<stem>-<sha8>_labels.tif).
    return re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem).strip("_")[:100] or "image"


def find_mask(image: str | os.PathLike[str], masks_dir: str | os.PathLike[str]) -> Path | None:
    """The label TIFF in ``masks_dir`` for the input ``image``, or None.

    The matching rule, first match wins (``masks_dir`` may also be a batch's output folder,
    whose ``masks/`` subfolder is then searched):

    1. ``<stem>-<sha8>_labels.tif``: what ``--save-masks`` and a napari review write
       (``sha8``, the first 8 hex digits of the image's SHA-256, picks one when the same
       stem has several);
    2. ``<stem>_labels.tif`` (or ``.tiff``);
    3. ``<stem>.tif`` (or ``.tiff``): a label TIFF named like its image (never the image
       itself).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "a_labels.tif").write_bytes(b"")
    0
    >>> find_mask("lot/a.tif", d).name, find_mask("lot/b.tif", d)
    ('a_labels.tif', None)
    """
    folder = Path(masks_dir)
    if (folder / "masks").is_dir():
        folder = folder / "masks"
    img = Path(image)
    stem = _safe_stem(img)
    saved = sorted(p for p in folder.glob(f"{glob_escape(stem)}-*_labels.tif")
                   if re.fullmatch(re.escape(stem) + r"-[0-9a-f]{8}_labels\.tif", p.name))
    if len(saved) > 1 and img.is_file():
        sha8 = file_sha256(img)[:8]
        saved = [p for p in saved if p.name == f"{stem}-{sha8}_labels.tif"] or saved
    if saved:
        return saved[0]
    names = [f"{img.stem}_labels{s}" for s in _SUFFIXES] + [f"{img.stem}{s}" for s in _SUFFIXES]
    for name in names:
        candidate = folder / name
        if candidate.is_file() and not (img.exists() and candidate.samefile(img)):
            return candidate
    return None


def glob_escape(text: str) -> str:
    """``text`` with glob metacharacters bracketed (``a[1]`` matches itself)."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def attach_masks(
    tasks: Sequence[BatchTask], masks_dir: str | os.PathLike[str]
) -> tuple[list[BatchTask], list[str]]:
    """Give each task its label TIFF from ``masks_dir`` (:func:`find_mask`).

    A label TIFF saved by a review into an output folder (``masks/<stem>_labels.tif``)
    comes with its record ``images/<stem>.json``; the layer depths the reviewer gave there
    (:func:`reviewed_layer_depths`) are the task's, unless the task (its manifest row)
    gives its own.

    Returns
    -------
    tasks : list of BatchTask
        With ``masks`` set where a label TIFF was found (and ``layer_depths_um`` where its
        review gave them).
    missing : list of str
        The inputs without one (they are segmented as usual).

    Raises
    ------
    MaskFileError
        If ``masks_dir`` is not a folder.
    """
    folder = Path(masks_dir)
    if not folder.is_dir():
        raise MaskFileError(
            f"--masks {folder} is not a folder; give the folder of corrected label TIFFs "
            "(masks/<stem>_labels.tif, as --save-masks or a napari review write them)"
        )
    out, missing = [], []
    for task in tasks:
        found = find_mask(task.path, folder)
        if found is None:
            missing.append(task.path)
            out.append(task)
        else:
            depths = task.layer_depths_um or reviewed_layer_depths(found)
            out.append(dataclasses.replace(task, masks=str(found), layer_depths_um=depths))
    return out, missing


def reviewed_layer_depths(mask: str | os.PathLike[str]) -> tuple[float, ...]:
    """The layer depths (µm) recorded with a label TIFF saved into an output folder.

    ``<out>/masks/<stem>_labels.tif`` (or ``<stem>-<sha8>_labels.tif``) has the record
    ``<out>/images/<stem>.json``, whose ``layer_depths_um`` are the interfaces the user gave
    (a manifest, lines drawn in a napari review); () when there is no such record, or it
    gives none.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> (out / "masks").mkdir(); (out / "images").mkdir()
    >>> _ = (out / "images" / "a.json").write_text(json.dumps({"layer_depths_um": [1.5]}))
    >>> reviewed_layer_depths(out / "masks" / "a_labels.tif")
    (1.5,)
    >>> reviewed_layer_depths(out / "masks" / "b_labels.tif")
    ()
    """
    import json

    path = Path(mask)
    if not path.name.endswith("_labels.tif"):
        return ()
    record = path.parent.parent / "images" / (path.name[: -len("_labels.tif")] + ".json")
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        depths = data.get("layer_depths_um") or ()
        return tuple(float(d) for d in depths)
    except (OSError, ValueError, TypeError, AttributeError):
        return ()


def read_label_image(path: str | os.PathLike[str]) -> np.ndarray:
    """A label TIFF as a 2-D integer array (0 solid, 1 pore, 2 excluded; values checked by
    the re-measure, :func:`semscan.pipeline.remeasure.segmentation_from_labels`).

    Raises
    ------
    MaskFileError
        If the file cannot be read or does not hold one 2-D image.
    """
    try:
        arr = np.squeeze(tifffile.imread(path))
    except (OSError, ValueError, tifffile.TiffFileError) as exc:
        raise MaskFileError(
            f"cannot read the label TIFF {path}: {exc}; give a TIFF of 0 solid, 1 pore, "
            "2 excluded"
        ) from exc
    if arr.ndim != 2:
        raise MaskFileError(
            f"the label TIFF {path} holds an array of shape {arr.shape}, not one 2-D image; "
            "give one label image per micrograph (0 solid, 1 pore, 2 excluded)"
        )
    return arr
