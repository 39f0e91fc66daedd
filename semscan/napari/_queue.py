"""napari Review queue widget: step through a batch folder, flagged first; accept / reject /
correct.

A thin caller of :func:`semscan.report.review_queue.review_queue` (the order) and
:func:`~semscan.report.review_queue.record_review` (the decisions), which are tested
without a viewer; "Correct" docks the Re-measure widget on the image's labels layer,
whose Save records ``review_status='corrected'``
(:func:`semscan.report.review.save_reviewed`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["review_queue_widget"]


def review_queue_widget(viewer: Any) -> Any:
    """Review queue: open an output folder, Previous / Next, Accept / Reject / Correct."""
    from magicgui import widgets

    from semscan.errors import SemscanError
    from semscan.report.review_queue import record_review, review_queue

    folder = widgets.FileEdit(label="output folder", mode="d")
    open_ = widgets.PushButton(text="Open queue")
    prev = widgets.PushButton(text="Previous")
    nxt = widgets.PushButton(text="Next")
    info = widgets.Label(value="")
    reviewer = widgets.LineEdit(label="reviewer", value="")
    accept = widgets.PushButton(text="Accept")
    reject = widgets.PushButton(text="Reject")
    correct = widgets.PushButton(text="Correct")
    status = widgets.Label(value="")
    box = widgets.Container(widgets=[folder, open_, prev, nxt, info, reviewer, accept, reject,
                                     correct, status])
    box.queue = []
    box.index = -1
    box.shown = []

    def show(index: int) -> None:
        for layer in box.shown:
            if layer in viewer.layers:
                viewer.layers.remove(layer)
        box.shown = []
        box.index = index
        item = box.queue[index]
        flagged = f" [{item.flag}]" if item.flag else ""
        done = f", {item.review_status}" if item.review_status else ""
        info.value = f"{index + 1}/{len(box.queue)}: {Path(item.file).name}{flagged}{done}"
        status.value = item.reason
        target = str(item.record) if item.kind == "result" else item.file
        try:
            box.shown = list(viewer.open(target, plugin="semscan"))
        except Exception as exc:  # a failed input may be unreadable: say so, go on
            status.value = f"{item.reason} (cannot open {Path(item.file).name}: {exc})"

    @open_.clicked.connect
    def open_queue() -> None:
        try:
            box.queue = review_queue(Path(str(folder.value)))
        except SemscanError as exc:
            status.value = str(exc)
            return
        show(0)

    @prev.clicked.connect
    def previous() -> None:
        if box.queue:
            show(max(0, box.index - 1))

    @nxt.clicked.connect
    def following() -> None:
        if box.queue:
            show(min(len(box.queue) - 1, box.index + 1))

    def decide(decision: str) -> None:
        if not box.queue:
            status.value = "open a queue first"
            return
        item = box.queue[box.index]
        try:
            record_review(Path(str(folder.value)), item, decision, reviewer=reviewer.value)
        except SemscanError as exc:
            status.value = str(exc)
            return
        box.queue = review_queue(Path(str(folder.value)))
        index = next(i for i, q in enumerate(box.queue) if q.record == item.record)
        status.value = f"{Path(item.file).name}: {box.queue[index].review_status}"
        if index + 1 < len(box.queue):
            show(index + 1)

    accept.clicked.connect(lambda: decide("accept"))
    reject.clicked.connect(lambda: decide("reject"))

    @correct.clicked.connect
    def correct_now() -> Any:
        from semscan.napari._widget import remeasure_widget

        if not box.queue or box.queue[box.index].kind != "result":
            status.value = "a failed image has no mask to correct; re-analyse it"
            return None
        if getattr(box, "remeasure", None) is None:
            box.remeasure = remeasure_widget(viewer)
            viewer.window.add_dock_widget(box.remeasure, name="Re-measure")
        box.remeasure[0].reset_choices()
        labels = [ly.name for ly in box.shown if "semscan_result" in ly.metadata]
        if labels:
            box.remeasure[0].value = labels[0]
        status.value = "paint on the labels layer, then Re-measure and Save reviewed"
        return box.remeasure

    return box
