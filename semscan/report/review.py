"""Save a reviewer's correction into a batch's output folder, marked as reviewed.

:func:`save_reviewed` writes what :func:`semscan.pipeline.remeasure.remeasure` returned
(the corrected label TIFF, chords, overlay, image record) and rebuilds the folder's tables;
the row says ``reviewed`` with the edit and the time.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from semscan.pipeline.remeasure import LabelEdit, RemeasureError
from semscan.pipeline.result import ImageResult
from semscan.report.batch import rebuild_tables
from semscan.report.lock import FolderLock
from semscan.report.outputs import ImageOutputWriter, atomic_write
from semscan.report.records import read_image_json

__all__ = ["save_reviewed"]


def save_reviewed(
    out_dir: str | Path,
    stem: str,
    result: ImageResult,
    *,
    edit: LabelEdit,
    reviewer: str = "",
    overlays: bool = True,
) -> dict[str, Any]:
    """Write a re-measured result into a batch's output folder, marked as reviewed.

    Writes ``masks/<stem>_labels.tif`` (the corrected labels in the file's grid with the
    pixel size), ``chords/<stem>.parquet``, the overlay, and ``images/<stem>.json`` whose
    row has ``reviewed=True``, ``review_status='corrected'``, ``review_pixels_changed``
    (and the counts by new label),
    ``reviewed_at`` (ISO 8601, UTC) and ``reviewer``; then rebuilds ``results.csv``,
    ``results.parquet`` and ``chords.parquet`` from the folder's records. The input,
    task and run key of the original record are kept, so a re-run of the batch with the
    same configuration skips the reviewed image instead of overwriting it.

    Parameters
    ----------
    out_dir : str or Path
        The output folder (``semscan analyze --out``).
    stem : str
        The image's output name (``images/<stem>.json``).
    result : semscan.pipeline.ImageResult
        What :func:`remeasure` returned.
    edit : LabelEdit
        What changed (:func:`label_edit` of the original and the corrected labels).
    reviewer : str
        Who reviewed it (recorded).
    overlays : bool
        Rewrite the overlay PNG too.

    Returns
    -------
    dict
        The row written.
    """
    out = Path(out_dir)
    old = read_image_json(out, stem)
    if old is None:
        raise RemeasureError(
            f"{out / 'images' / (stem + '.json')} is missing or unreadable; save a review "
            "into the output folder the image was analysed into"
        )
    path = result.micrograph.path
    plan = {path: {"stem": stem, "input": old.get("input"), "task": old.get("task"),
                   "key": old.get("task_key")}}
    with FolderLock(out, wait=False):
        ImageOutputWriter(out, save_masks=True, overlays=overlays, plan=plan)(result)
        record_path = out / "images" / f"{stem}.json"
        record = json.loads(record_path.read_text(encoding="utf-8"))
        review = {
            "reviewed": True,
            "review_status": "corrected",
            **edit.to_dict(),
            "reviewed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "reviewer": reviewer,
        }
        record["row"].update(review)
        record["review"] = review
        atomic_write(record_path, json.dumps(record, indent=1, ensure_ascii=False))
        rebuild_tables(out)
    return record["row"]
