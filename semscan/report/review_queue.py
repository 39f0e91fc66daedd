"""The review queue of a batch's output folder: what to look at first, and the decisions.

:func:`review_queue` lists the folder's images, flagged first (failed, then verdict
``unreliable``, then ``review``, then the rest, each by file name); :func:`record_review`
writes a reviewer's decision into the image's record and rebuilds the tables:
``review_status`` ``'accepted'`` (the numbers stand) or ``'rejected'`` (the row is kept,
marked, for the reader of the tables to leave out), with ``reviewed_at`` and ``reviewer``.
A correction is :func:`semscan.report.review.save_reviewed` (``review_status``
``'corrected'``). The napari review-queue widget only steps through this list.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from semscan.errors import SemscanError
from semscan.report.batch import rebuild_tables
from semscan.report.lock import FolderLock
from semscan.report.outputs import atomic_write
from semscan.report.records import scan_records

__all__ = ["DECISIONS", "QueueItem", "ReviewQueueError", "record_review", "review_queue"]

#: What a reviewer decides on an image, and the ``review_status`` it records.
DECISIONS = {"accept": "accepted", "reject": "rejected"}
_PRIORITY = {"failed": 0, "unreliable": 1, "review": 2}


class ReviewQueueError(SemscanError):
    """An output folder or decision the review queue cannot use."""


@dataclass(frozen=True)
class QueueItem:
    """One image of the queue.

    Attributes
    ----------
    stem : str
        The record's name (``images/<stem>.json`` or ``failures/<stem>.json``).
    kind : {'result', 'failure'}
    file : str
        The input file.
    flag : str
        ``'failed'``, or the verdict (``'unreliable'``, ``'review'``, ``'ok'``, '').
    reason : str
        The verdict's reason, or the failure's error.
    review_status : str
        The decision recorded so far ('' when none).
    record : Path
        The record file (what the napari output reader opens).
    """

    stem: str
    kind: str
    file: str
    flag: str
    reason: str
    review_status: str
    record: Path

    @property
    def flagged(self) -> bool:
        """Failed, unreliable or to review."""
        return self.flag in _PRIORITY


def review_queue(out_dir: str | Path) -> list[QueueItem]:
    """The images of an output folder, flagged first.

    Order: failed inputs, verdict ``unreliable``, verdict ``review``, then the others; by
    file name within each group. Each input appears once (its latest record).

    Raises
    ------
    ReviewQueueError
        If ``out_dir`` holds no records (not a ``semscan analyze --out`` folder).
    """
    out = Path(out_dir)
    latest, _ = scan_records(out)
    if not latest:
        raise ReviewQueueError(
            f"{out} holds no image records (images/*.json, failures/*.json); open the output "
            "folder of a batch (semscan analyze --out DIR)"
        )
    items = []
    for rec in latest.values():
        if rec.kind == "failure":
            data = _read(out / "failures" / f"{rec.name}.json")
            items.append(QueueItem(rec.name, "failure", str(rec.row.get("file")), "failed",
                                   str(rec.row.get("error") or ""),
                                   str(data.get("review_status") or ""),
                                   out / "failures" / f"{rec.name}.json"))
        else:
            row = rec.row
            items.append(QueueItem(rec.name, "result", str(row.get("file")),
                                   str(row.get("verdict") or ""),
                                   str(row.get("verdict_reason") or ""),
                                   str(row.get("review_status") or ""),
                                   out / "images" / f"{rec.name}.json"))
    return sorted(items, key=lambda i: (_PRIORITY.get(i.flag, 3), Path(i.file).name, i.file))


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def record_review(
    out_dir: str | Path, item: QueueItem, decision: str, *, reviewer: str = ""
) -> dict:
    """Record ``decision`` (``'accept'`` or ``'reject'``) on a queue item; rebuild the tables.

    A result's row gets ``review_status`` (``'accepted'`` / ``'rejected'``),
    ``reviewed_at`` (ISO 8601, UTC) and ``reviewer``, in ``images/<stem>.json`` (also under
    its ``review``) and so in ``results.csv`` / ``results.parquet``; its numbers are not
    changed. A failure's decision is written into ``failures/<stem>.json``.

    Returns
    -------
    dict
        What was recorded.

    Raises
    ------
    ReviewQueueError
        On another decision, or a record that is gone.
    """
    if decision not in DECISIONS:
        raise ReviewQueueError(
            f"decision {decision!r} is not one of {sorted(DECISIONS)}; to correct the mask, "
            "re-measure and save it (semscan.report.review.save_reviewed)"
        )
    out = Path(out_dir)
    review = {
        "review_status": DECISIONS[decision],
        "reviewed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "reviewer": reviewer,
    }
    with FolderLock(out, wait=False):
        try:
            data = _read(item.record)
        except (OSError, ValueError) as exc:
            raise ReviewQueueError(
                f"cannot read {item.record} ({exc}); reopen the folder's queue"
            ) from exc
        if item.kind == "result":
            data["row"].update(review)
            data["review"] = {**data.get("review", {}), **review}
        else:
            data.update(review)
        atomic_write(item.record, json.dumps(data, indent=1, ensure_ascii=False))
        rebuild_tables(out)
    return review
