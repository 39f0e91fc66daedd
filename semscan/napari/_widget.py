"""napari widgets: Analyse, and Re-measure / Save of a corrected label layer.

Thin callers of :func:`semscan.pipeline.analyze_path`, :func:`semscan.pipeline.remeasure.remeasure`
and :func:`semscan.report.review.save_reviewed`, which are tested without a viewer. The
analysis runs in napari's ``thread_worker``, so napari stays responsive; it reports its
stages (read, segment and measure, layers) on a progress bar and Cancel stops it between
stages (a stage in progress runs to its end, its result is then dropped).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from semscan.napari.layers import result_layers

__all__ = ["analyse_widget", "drawn_lines", "exclude_polygons", "remeasure_widget"]


def _add_layers(viewer: Any, layers: list[Any]) -> list[Any]:
    added = []
    for data, kwargs, kind in layers:
        added.append(getattr(viewer, f"add_{kind}")(data, **kwargs))
    viewer.scale_bar.visible = True  # in the layers' unit (µm, px when uncalibrated)
    return added


def _set_table(table: Any, values: dict[str, Any]) -> None:
    table.value = {
        "data": [[k, "" if v is None else str(v)] for k, v in values.items()],
        "columns": ["quantity", "value"],
    }


def _analysis_config(config_file: Path | None, overrides: str) -> Any:
    from semscan.config import AnalysisConfig

    cfg = AnalysisConfig()
    if config_file is not None and str(config_file) not in ("", "."):
        cfg = AnalysisConfig.from_toml(Path(config_file).read_text(encoding="utf-8"))
    pairs = {}
    for item in filter(None, (s.strip() for s in overrides.replace("\n", ";").split(";"))):
        key, _, value = item.partition("=")
        pairs[key.strip()] = _parse_value(value.strip())
    return cfg.with_overrides(pairs) if pairs else cfg


def _parse_value(text: str) -> Any:
    import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def analyse_widget(viewer: Any) -> Any:
    """The Analyse widget: a file, the options of ``semscan analyze``, Run and Cancel.

    Options: view, pixel size (µm), film direction (degrees), a configuration TOML
    file (``semscan analyze --config``) and overrides ``section.option=value; ...`` (the
    CLI's ``--set``), so every analysis option of the CLI is reachable. "Film direction
    from line" sets the film direction from the last line drawn on a Shapes layer
    (:func:`~semscan.napari.layers.film_direction_from_line`) and analyses again as a
    cross-section.
    """
    from magicgui import widgets
    from napari.qt.threading import thread_worker

    file = widgets.FileEdit(label="micrograph", mode="r")
    view = widgets.ComboBox(label="view", choices=["auto", "surface", "cross-section"])
    pixel = widgets.FloatSpinBox(label="pixel size µm (0: file)", min=0.0, max=1e4,
                                 step=0.0001, value=0.0)
    film = widgets.FloatSpinBox(label="film direction ° (0: auto)", min=-180, max=180, value=0)
    config_file = widgets.FileEdit(label="config TOML", mode="r", filter="*.toml")
    overrides = widgets.LineEdit(label="overrides", value="")
    run = widgets.PushButton(text="Analyse")
    cancel = widgets.PushButton(text="Cancel", enabled=False)
    progress = widgets.ProgressBar(label="progress", min=0, max=3, value=0)
    status = widgets.Label(value="")
    table = widgets.Table(value={"data": [], "columns": ["quantity", "value"]})
    line_box = widgets.ComboBox(label="film line", choices=lambda _w: [
        ly.name for ly in viewer.layers if type(ly).__name__ == "Shapes"])
    from_line = widgets.PushButton(text="Film direction from line, re-analyse")
    box = widgets.Container(widgets=[file, view, pixel, film, config_file, overrides, run,
                                     cancel, progress, status, table, line_box, from_line])
    box.worker = None
    viewer.layers.events.inserted.connect(lambda *_: line_box.reset_choices())
    viewer.layers.events.removed.connect(lambda *_: line_box.reset_choices())

    @thread_worker
    def work(path: str, cfg: Any, view_: str | None, px: float | None, fd: float | None):
        from semscan.io import read_micrograph
        from semscan.pipeline import analyze_micrograph

        yield 0, "reading"
        m = read_micrograph(path, pixel_size_um=px if px is not None else cfg.io.pixel_size_um,
                            page=cfg.io.page, keep_databar=cfg.io.keep_databar,
                            strict_calibration=cfg.io.strict_calibration,
                            max_pixels=cfg.io.max_pixels)
        yield 1, "segmenting and measuring"
        res = analyze_micrograph(m, config=cfg, view=view_, sample=Path(path).parent.name,
                                 sample_source="folder", film_direction_deg=fd)
        yield 2, "building layers"
        from semscan.pipeline.remeasure import prepare_remeasure

        prepare_remeasure(res)  # the Re-measure of an edit then recomputes only what changed
        return res, result_layers(res)

    def on_yield(step: tuple[int, str]) -> None:
        progress.value, status.value = step[0], step[1]

    def on_done(out: Any) -> None:
        res, layers = out
        _add_layers(viewer, layers)
        progress.value = 3
        status.value = f"{res.verdict}: {res.verdict_reason}" if res.verdict else "done"
        from semscan.napari.layers import result_table

        _set_table(table, result_table(res))
        box.last_result = res

    def on_error(exc: Exception) -> None:
        status.value = f"failed: {exc}"

    def finished() -> None:
        run.enabled, cancel.enabled = True, False

    @run.clicked.connect
    def _start() -> None:
        try:
            cfg = _analysis_config(config_file.value, overrides.value)
        except Exception as exc:  # a bad TOML or override: show it, run nothing
            status.value = f"bad options: {exc}"
            return
        worker = work(
            str(file.value),
            cfg,
            None if view.value == "auto" else view.value,
            pixel.value or None,
            film.value or None,
        )
        worker.yielded.connect(on_yield)
        worker.returned.connect(on_done)
        worker.errored.connect(on_error)
        worker.finished.connect(finished)
        box.worker = worker
        run.enabled, cancel.enabled = False, True
        progress.value = 0
        worker.start()

    @from_line.clicked.connect
    def _from_line() -> None:
        from semscan.errors import SemscanError
        from semscan.napari.layers import film_direction_from_line

        if not line_box.value:
            status.value = "draw the film direction as a line on a Shapes layer"
            return
        shapes = viewer.layers[line_box.value]
        lines = [d for d, t in zip(shapes.data, shapes.shape_type, strict=True)
                 if t in ("line", "path")]
        if not lines:
            status.value = f"{shapes.name} has no line; draw one along the film"
            return
        try:
            film.value = film_direction_from_line(lines[-1], scale=shapes.scale)
        except SemscanError as exc:
            status.value = str(exc)
            return
        if view.value == "auto":
            view.value = "cross-section"
        _start()

    @cancel.clicked.connect
    def _cancel() -> None:
        if box.worker is not None:
            box.worker.quit()
            status.value = "cancelled"

    return box


def exclude_polygons(labels: np.ndarray, polygons: list[np.ndarray]) -> np.ndarray:
    """``labels`` with every pixel inside the polygons set to 2 (excluded).

    Parameters
    ----------
    labels : ndarray of int, shape (rows, columns)
    polygons : list of ndarray, shape (k, 2)
        Vertices (row, column) in pixels of the label image.

    Examples
    --------
    >>> import numpy as np
    >>> out = exclude_polygons(np.zeros((6, 6), np.uint8),
    ...                        [np.array([[1, 1], [1, 3], [3, 3], [3, 1]])])
    >>> int((out == 2).sum())
    9
    """
    from skimage.draw import polygon

    out = np.array(labels, copy=True)
    for poly in polygons:
        rr, cc = polygon(np.asarray(poly)[:, 0], np.asarray(poly)[:, 1], shape=out.shape)
        out[rr, cc] = 2
        # skimage's polygon leaves out the vertices on the far edges; include the border
        from skimage.draw import polygon_perimeter

        pr, pc = polygon_perimeter(np.asarray(poly)[:, 0], np.asarray(poly)[:, 1],
                                   shape=out.shape)
        out[pr, pc] = 2
    return out


def drawn_lines(labels: Any, shapes: Any) -> list[np.ndarray]:
    """The lines and paths of a Shapes layer, as (row, column) vertices in pixels of a
    Labels layer (the file's grid), through the two layers' world transforms (so a Shapes
    layer in µm or in pixels gives the same)."""
    out = []
    for data, kind in zip(shapes.data, shapes.shape_type, strict=True):
        if kind in ("line", "path"):
            out.append(np.array([labels.world_to_data(shapes.data_to_world(v))[-2:]
                                 for v in np.asarray(data, float)]))
    return out


def _show_interfaces(viewer: Any, labels: Any, result: Any) -> None:
    """The re-measured section's interfaces as a Shapes layer ``<labels> interfaces``."""
    from semscan.pipeline.drawn_layers import interface_paths

    if result.cross_section is None:
        return
    name = f"{labels.name} interfaces"
    paths = interface_paths(result)
    if name in viewer.layers:
        viewer.layers.remove(name)
    if paths:
        viewer.add_shapes(paths, shape_type="path", name=name, edge_color="magenta",
                          edge_width=2.0, scale=labels.scale, translate=labels.translate)


def remeasure_widget(viewer: Any) -> Any:
    """Re-measure / Save: measure a corrected semscan Labels layer again and save it.

    Paint pores (label 1) or solid (label 0, the eraser) on the Labels layer, or draw
    polygons on a Shapes layer and press "Exclude polygons" (label 2); "Re-measure"
    recomputes every measurement from the edited labels (well under a second for a
    1536 x 1103 image: what the edit did not change is kept from the measurement before,
    :func:`~semscan.pipeline.remeasure.prepare_remeasure`; "quick" skips local thickness,
    the verdict and the class), "Save reviewed" re-measures everything in a background
    thread and writes it into the output folder the layer was read from, marked reviewed.

    Layers of a laminated section: draw each interface as a line or path across the film
    on a Shapes layer, choose it under "interfaces" and press "Layers from lines": each
    line becomes a depth below the top surface
    (:func:`~semscan.pipeline.drawn_layers.layer_depths_from_lines`), re-measure and save
    measure those layers, and an "interfaces" Shapes layer shows where they were measured;
    "Find layers again" goes back to the layers semscan finds.
    """
    from magicgui import widgets
    from napari.layers import Labels, Shapes
    from napari.qt.threading import thread_worker

    layer_box = widgets.ComboBox(label="labels", choices=lambda _w: [
        ly.name for ly in viewer.layers
        if isinstance(ly, Labels) and "semscan_result" in ly.metadata])
    shapes_box = widgets.ComboBox(label="polygons", choices=lambda _w: [
        ly.name for ly in viewer.layers if isinstance(ly, Shapes)])
    exclude = widgets.PushButton(text="Exclude polygons")
    again = widgets.PushButton(text="Re-measure")
    reviewer = widgets.LineEdit(label="reviewer", value="")
    save = widgets.PushButton(text="Save reviewed")
    status = widgets.Label(value="")
    table = widgets.Table(value={"data": [], "columns": ["quantity", "value"]})
    quick = widgets.CheckBox(text="quick (no local thickness, verdict, class)", value=False)
    lines_box = widgets.ComboBox(label="interfaces", choices=lambda _w: [
        ly.name for ly in viewer.layers if isinstance(ly, Shapes)])
    from_lines = widgets.PushButton(text="Layers from lines, re-measure")
    find_again = widgets.PushButton(text="Find layers again, re-measure")
    box = widgets.Container(widgets=[layer_box, shapes_box, exclude, again, reviewer, save,
                                     status, table, quick, lines_box, from_lines, find_again])
    box.layer_depths = None  # None: the result's own; () found by semscan; else given

    def refresh(*_: Any) -> None:
        layer_box.reset_choices()
        shapes_box.reset_choices()
        lines_box.reset_choices()

    viewer.layers.events.inserted.connect(refresh)
    viewer.layers.events.removed.connect(refresh)

    def layer() -> Any:
        return viewer.layers[layer_box.value] if layer_box.value else None

    @exclude.clicked.connect
    def _exclude() -> None:
        lab, shp = layer(), shapes_box.value
        if lab is None or not shp:
            status.value = "choose a semscan labels layer and a shapes layer with polygons"
            return
        sh = viewer.layers[shp]
        polys = [np.asarray(d) for d, t in zip(sh.data, sh.shape_type, strict=True)
                 if t in ("polygon", "rectangle", "ellipse")]
        lab.data = exclude_polygons(np.asarray(lab.data), polys)
        status.value = f"excluded {len(polys)} polygon(s)"

    @again.clicked.connect
    def remeasure_now() -> Any:
        from semscan.errors import SemscanError
        from semscan.napari.layers import result_table
        from semscan.pipeline.remeasure import label_edit, remeasure

        lab = layer()
        if lab is None:
            status.value = "no semscan labels layer"
            return None
        try:
            res = remeasure(lab.metadata["semscan_result"], np.asarray(lab.data),
                            quick=bool(quick.value), layer_depths_um=box.layer_depths)
        except SemscanError as exc:
            status.value = f"not re-measured: {exc}"
            return None
        edit = label_edit(lab.metadata["semscan_labels_before"], np.asarray(lab.data))
        _set_table(table, result_table(res))
        status.value = (f"re-measured in {res.timings['remeasure']:.2f} s, "
                        f"{edit.pixels_changed} pixels changed")
        _show_interfaces(viewer, lab, res)
        box.last_result = res
        return res

    @from_lines.clicked.connect
    def _from_lines() -> Any:
        from semscan.errors import SemscanError
        from semscan.pipeline.drawn_layers import layer_depths_from_lines

        lab = layer()
        if lab is None or not lines_box.value:
            status.value = ("choose a semscan labels layer and a Shapes layer with the "
                            "interfaces drawn as lines")
            return None
        lines = drawn_lines(lab, viewer.layers[lines_box.value])
        try:
            depths = layer_depths_from_lines(lab.metadata["semscan_result"], lines)
        except SemscanError as exc:
            status.value = f"no layers from the lines: {exc}"
            return None
        box.layer_depths = depths
        return remeasure_now()

    @find_again.clicked.connect
    def _find_again() -> Any:
        box.layer_depths = ()
        return remeasure_now()

    @thread_worker
    def save_work(lab_meta: dict[str, Any], data: np.ndarray, who: str,
                  depths: tuple[float, ...] | None):
        from semscan.pipeline.remeasure import label_edit, remeasure
        from semscan.report.review import save_reviewed

        res = remeasure(lab_meta["semscan_result"], data, layer_depths_um=depths)
        edit = label_edit(lab_meta["semscan_labels_before"], data)
        row = save_reviewed(lab_meta["semscan_out_dir"], lab_meta["semscan_stem"], res,
                            edit=edit, reviewer=who)
        return res, row

    @save.clicked.connect
    def _save() -> Any:
        lab = layer()
        if lab is None or "semscan_out_dir" not in lab.metadata:
            status.value = "open an output folder (semscan analyze --out) to save into it"
            return None
        worker = save_work(dict(lab.metadata), np.array(lab.data), reviewer.value,
                           box.layer_depths)

        def done(out: Any) -> None:
            from semscan.napari.layers import result_table

            res, row = out
            _set_table(table, result_table(res))
            status.value = f"saved, {row['review_pixels_changed']} pixels changed"
            box.saved_row = row

        worker.returned.connect(done)
        worker.errored.connect(lambda exc: setattr(status, "value", f"save failed: {exc}"))
        box.save_worker = worker
        worker.start()
        return worker

    return box
