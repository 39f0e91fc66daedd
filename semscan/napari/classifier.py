"""The trainable pixel classifier in napari: strokes -> model -> live preview -> JSON.

Paint strokes on a Labels layer over a micrograph (1 pore, 2 solid, 3 excluded, 0 not
labelled, the labels of :class:`semscan.segment.classifier.PixelClassifier`), press Train:
:func:`train_from_strokes` fits the classifier (it needs the ``train`` extra,
scikit-learn) and :func:`preview_labels` shows the segmentation ``semscan analyze`` would
make with it (0 solid, 1 pore, 2 excluded, in the file's grid as ``--save-masks`` writes
it); Save writes the JSON model that ``semscan analyze --classifier-path`` uses. With
"live" on, every stroke retrains and refreshes the preview. The two functions import no
napari and are tested without a viewer; :func:`classifier_widget` only calls them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["STROKE_COLORS", "classifier_widget", "preview_labels", "train_from_strokes"]

#: Stroke-layer colours (RGBA, 0-1): 1 pore blue, 2 solid green, 3 excluded orange.
STROKE_COLORS: dict[int | None, tuple[float, float, float, float]] = {
    None: (0.0, 0.0, 0.0, 0.0),
    0: (0.0, 0.0, 0.0, 0.0),
    1: (40 / 255, 140 / 255, 1.0, 1.0),
    2: (40 / 255, 230 / 255, 60 / 255, 1.0),
    3: (1.0, 150 / 255, 30 / 255, 1.0),
}


def train_from_strokes(
    micrograph: Any,
    strokes: np.ndarray,
    *,
    sigma_max_px: float = 16,
    n_estimators: int = 50,
    seed: int = 0,
) -> Any:
    """Train a pixel classifier on strokes painted over a micrograph.

    Parameters
    ----------
    micrograph : semscan.micrograph.Micrograph
        The image as semscan measures it (data bar cropped).
    strokes : ndarray of int, shape ``micrograph.shape`` or ``micrograph.file_shape``
        0 not labelled, 1 pore, 2 solid, 3 excluded; strokes on the data bar's rows of a
        file-grid layer are ignored.
    sigma_max_px, n_estimators, seed
        As :meth:`PixelClassifier.train <semscan.segment.classifier.PixelClassifier.train>`.

    Returns
    -------
    semscan.segment.classifier.PixelClassifier
        Trained at the micrograph's pixel size.

    Raises
    ------
    semscan.errors.SegmentationError
        Strokes of another shape, other values, or fewer than two classes painted.

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.micrograph import Micrograph
    >>> img = np.full((32, 32), 0.8, np.float32); img[:, :12] = 0.1
    >>> s = np.zeros((32, 32), np.uint8); s[:, 2] = 1; s[:, 25] = 2
    >>> clf = train_from_strokes(Micrograph.from_array(img), s, sigma_max_px=4, n_estimators=5)
    >>> clf.n_training_pixels
    64
    """
    from semscan.errors import SegmentationError
    from semscan.segment.classifier import PixelClassifier

    arr = np.asarray(strokes)
    rows, cols = micrograph.shape
    if arr.shape == tuple(micrograph.file_shape):
        arr = arr[:rows, :cols]
    if arr.shape != (rows, cols):
        raise SegmentationError(
            f"the strokes have shape {arr.shape}, but the micrograph is {(rows, cols)} "
            f"(file {tuple(micrograph.file_shape)}); paint on a layer of the image's shape"
        )
    return PixelClassifier.train(
        micrograph.image, arr, calibration=micrograph.calibration,
        sigma_max_px=sigma_max_px, n_estimators=n_estimators, seed=seed,
    )


def preview_labels(micrograph: Any, classifier: Any, *, config: Any = None) -> np.ndarray:
    """The segmentation ``semscan analyze --classifier-path`` makes with ``classifier``.

    The pipeline's segmentation step (:func:`semscan.segment.segment_micrograph` with the
    configuration's segmentation options and ``method='classifier'``), as the label image
    in the file's grid (0 solid, 1 pore, 2 excluded, the data bar excluded): what
    ``--save-masks`` writes for a surface image.

    Parameters
    ----------
    micrograph : semscan.micrograph.Micrograph
    classifier : semscan.segment.classifier.PixelClassifier
    config : semscan.config.AnalysisConfig, optional
        Its ``[segment]`` options (denoise, minimum feature, saturated regions ...).

    Returns
    -------
    ndarray of uint8, shape ``micrograph.file_shape``

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.micrograph import Micrograph
    >>> img = np.full((32, 32), 0.8, np.float32); img[:, :12] = 0.1
    >>> s = np.zeros((32, 32), np.uint8); s[:, 2] = 1; s[:, 25] = 2
    >>> m = Micrograph.from_array(img)
    >>> clf = train_from_strokes(m, s, sigma_max_px=4, n_estimators=5)
    >>> preview_labels(m, clf)[0, [0, 31]].tolist()
    [1, 0]
    """
    from semscan.config import AnalysisConfig
    from semscan.segment import segment_micrograph

    cfg = config or AnalysisConfig()
    opts = dataclasses.asdict(cfg.segment)
    opts.update(method="classifier", classifier_path=None)
    seg = segment_micrograph(micrograph, **opts, classifier=classifier)
    return micrograph.to_file_grid(seg.labels(), fill=2)


def classifier_widget(viewer: Any) -> Any:
    """Pixel classifier: a strokes layer, Train (and live retraining), preview, Save.

    Choose a semscan image layer (opened with the semscan reader), press "New strokes" and
    paint with label 1 (pore), 2 (solid) and 3 (excluded); "Train" fits the classifier and
    shows the segmentation it gives as the "preview" Labels layer; with "live" on, each
    stroke retrains. "Save model" writes the JSON that ``semscan analyze
    --classifier-path`` reads.
    """
    from magicgui import widgets
    from napari.layers import Image, Labels
    from qtpy.QtCore import QTimer

    image_box = widgets.ComboBox(label="image", choices=lambda _w: [
        ly.name for ly in viewer.layers
        if isinstance(ly, Image) and ly.metadata.get("semscan_path")])
    new = widgets.PushButton(text="New strokes")
    trees = widgets.SpinBox(label="trees", min=1, max=500, value=50)
    live = widgets.CheckBox(label="live (retrain after each stroke)", value=False)
    train = widgets.PushButton(text="Train")
    path = widgets.FileEdit(label="model JSON", mode="w", filter="*.json")
    save = widgets.PushButton(text="Save model")
    status = widgets.Label(value="")
    box = widgets.Container(widgets=[image_box, new, trees, live, train, path, save, status])
    box.classifier = None
    box.micrograph = None

    def refresh(*_: Any) -> None:
        image_box.reset_choices()

    viewer.layers.events.inserted.connect(refresh)
    viewer.layers.events.removed.connect(refresh)

    def image_layer() -> Any:
        return viewer.layers[image_box.value] if image_box.value else None

    def micrograph() -> Any:
        """The chosen image layer's micrograph, read once per file; None (with a status)
        when no semscan image is chosen."""
        from semscan.io import read_micrograph

        img = image_layer()
        if img is None:
            status.value = "open a micrograph with the semscan reader first"
            return None
        path = img.metadata["semscan_path"]
        if box.micrograph is None or box.micrograph.path != path:
            box.micrograph = read_micrograph(path)
        return box.micrograph

    def strokes_layer() -> Any:
        for ly in viewer.layers:
            if isinstance(ly, Labels) and ly.metadata.get("semscan_strokes_of") == image_box.value:
                return ly
        return None

    @new.clicked.connect
    def new_strokes() -> Any:
        m = micrograph()
        if m is None:
            return None
        img = image_layer()
        layer = viewer.add_labels(
            np.zeros(m.shape, np.uint8), name=f"strokes ({img.name})",
            scale=img.scale, metadata={"semscan_strokes_of": img.name},
            colormap=STROKE_COLORS,
        )
        layer.selected_label = 1
        layer.mode = "paint"
        # A stroke's paint event comes before napari writes a programmatic paint into the
        # data: retrain on the next turn of the event loop, when the stroke is in.
        layer.events.paint.connect(
            lambda _e: live.value and QTimer.singleShot(0, train_now))
        status.value = "paint 1 pore, 2 solid, 3 excluded; then Train"
        return layer

    @train.clicked.connect
    def train_now() -> Any:
        from semscan.errors import SemscanError

        strokes = strokes_layer()
        if strokes is None:
            status.value = "press New strokes and paint first"
            return None
        m = micrograph()
        if m is None:
            return None
        try:
            clf = train_from_strokes(m, np.asarray(strokes.data), n_estimators=int(trees.value))
            preview = preview_labels(m, clf)
        except SemscanError as exc:
            status.value = str(exc)
            return None
        box.classifier = clf
        if "preview" in viewer.layers:
            viewer.layers["preview"].data = preview
        else:
            from semscan.napari.layers import LABEL_COLORS

            viewer.add_labels(preview, name="preview", scale=strokes.scale, opacity=0.5,
                              colormap=LABEL_COLORS)
        pore = preview == 1
        status.value = (f"trained on {clf.n_training_pixels} pixels; preview: "
                        f"{pore.sum() / max(1, int((preview != 2).sum())):.1%} pore")
        return preview

    @save.clicked.connect
    def save_now() -> Any:
        target = Path(str(path.value))
        if box.classifier is None or str(path.value) in ("", "."):
            status.value = "train first, and choose where to save the model"
            return None
        box.classifier.save(target)
        status.value = f"saved {target}: semscan analyze --classifier-path {target}"
        return target

    return box
