"""The plugin in real napari: readers through viewer.open, the widgets, a screenshot.

Run under a virtual X server (``xvfb-run``; ``python3 tasks.py test`` does it): Qt's
offscreen platform crashes when an Image layer is added (no GL context).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

napari = pytest.importorskip(
    "napari", reason="napari is not installed: pip install 'semscan[napari]' pyqt6 pytest-qt"
)
pytest.importorskip("pytestqt", reason="pytest-qt is not installed (the dev extra has it)")
if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    pytest.skip("no display for Qt: run under xvfb-run (python3 tasks.py test does)",
                allow_module_level=True)

from tests.napari._files import VENDOR_FILES  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::PendingDeprecationWarning")


def test_manifest_is_valid_and_found():
    from npe2 import PluginManager

    pm = PluginManager.instance()
    pm.discover()
    manifest = pm.get_manifest("semscan")
    assert {c.id for c in manifest.contributions.commands} >= {
        "semscan.read_micrograph", "semscan.read_output", "semscan.analyse_widget",
        "semscan.remeasure_widget"}
    import subprocess
    import sys
    from pathlib import Path

    npe2 = Path(sys.executable).with_name("npe2")
    res = subprocess.run([str(npe2), "validate", "semscan"], capture_output=True, text=True)
    assert res.returncode == 0 and "valid" in res.stdout, res.stdout + res.stderr


@pytest.mark.parametrize("name", sorted(VENDOR_FILES))
def test_open_gives_the_calibration_as_scale(make_napari_viewer, tmp_path, name):
    write, px, source, vendor, rows = VENDOR_FILES[name]
    path = write(tmp_path)
    viewer = make_napari_viewer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if px is None else "error", UserWarning)
        [layer] = viewer.open(str(path), plugin="semscan")
    assert layer.data.shape == (rows, 160)
    assert viewer.scale_bar.visible  # in the layer's unit
    assert layer.metadata["calibration_source"] == source
    assert layer.metadata["vendor"] == vendor
    if px is None:
        np.testing.assert_allclose(layer.scale, (1.0, 1.0))
        assert layer.metadata["unit"] == "px"
    else:
        np.testing.assert_allclose(layer.scale, (px, px))
        assert str(layer.units[0]) == "micrometer"


def _open_output(viewer, out_folder):
    record = sorted((out_folder / "images").glob("img0-*.json"))[0]
    layers = viewer.open(str(record), plugin="semscan")
    return record, {ly.name: ly for ly in layers}


def test_output_folder_layers(make_napari_viewer, out_folder):
    from napari.layers import Image, Labels, Shapes

    viewer = make_napari_viewer()
    _, layers = _open_output(viewer, out_folder)
    assert viewer.scale_bar.visible
    assert isinstance(layers["img0.tif"], Image)
    labels = layers["img0.tif labels"]
    assert isinstance(labels, Labels) and set(np.unique(labels.data)) <= {0, 1, 2}
    np.testing.assert_allclose(labels.scale, (0.01, 0.01))
    lines = layers["img0.tif lines"]
    assert isinstance(lines, Shapes) and len(lines.data) == 100
    assert list(lines.features.columns[:4]) == ["phase", "line", "voids", "intercepts"]
    assert np.allclose(labels.get_color(1)[:3], (40 / 255, 140 / 255, 1.0))


def test_remeasure_and_save_from_the_widget(make_napari_viewer, qtbot, out_folder):
    import json

    import pandas as pd

    from semscan.napari._widget import remeasure_widget

    viewer = make_napari_viewer()
    record, layers = _open_output(viewer, out_folder)
    labels = layers["img0.tif labels"]
    before = json.loads(record.read_text())["row"]
    widget = remeasure_widget(viewer)
    viewer.window.add_dock_widget(widget)
    widget[0].reset_choices()
    assert widget[0].value == labels.name
    # a reviewer excludes a rectangle drawn on a Shapes layer, and erases some pores
    shapes = viewer.add_shapes([np.array([[0, 0], [0, 40], [30, 40], [30, 0]])],
                               shape_type="polygon", name="scratch", scale=labels.scale)
    widget[1].reset_choices()
    widget[1].value = shapes.name
    widget[2].clicked.emit()
    data = np.array(labels.data)
    assert (data[:31, :41] == 2).all()
    pore = np.argwhere(data == 1)[:300]
    data[tuple(pore.T)] = 0
    labels.data = data
    widget[3].clicked.emit()
    assert "re-measured in" in widget[6].value
    quick_res = widget.last_result  # the complete re-measure: every measurement
    assert quick_res.local_thickness is not None and quick_res.verdict in (
        "ok", "review", "unreliable") and quick_res.porosity.n_pore_pixels == int(
        (data == 1).sum())
    worker = widget[5].clicked.emit() or widget.save_worker
    with qtbot.waitSignal(worker.finished, timeout=120_000):
        pass
    row = widget.saved_row
    region = int((data != 2).sum())
    table = pd.read_csv(out_folder / "results.csv").set_index("output_stem")
    saved = table.loc[record.stem]
    assert bool(saved["reviewed"]) and saved["review_pixels_changed"] == row[
        "review_pixels_changed"] == int((data != labels.metadata["semscan_labels_before"]).sum())
    assert saved["areal_porosity"] == pytest.approx(row["areal_porosity"], abs=1e-12)
    assert row["areal_porosity"] == pytest.approx(int((data == 1).sum()) / region, abs=1e-12)
    assert before["reviewed"] if "reviewed" in before else True


def test_analyse_widget_runs_in_a_thread(make_napari_viewer, qtbot, tmp_path):
    from semscan.napari._widget import analyse_widget
    from tests.napari._files import disc_image, write_fei

    grey, _ = disc_image(seed=2)
    path = write_fei(tmp_path / "a.tif", grey, bar=12)
    viewer = make_napari_viewer()
    widget = analyse_widget(viewer)
    widget[0].value = path
    widget[1].value = "surface"
    widget[5].value = "classify.enabled=false"
    widget[6].clicked.emit()
    assert widget.worker is not None
    with qtbot.waitSignal(widget.worker.finished, timeout=120_000):
        pass
    names = [ly.name for ly in viewer.layers]
    assert names[:3] == ["a.tif", "a.tif labels", "a.tif lines"]
    assert widget.last_result.view == "surface" and widget[8].value == 3
    assert widget[9].value.startswith(("ok", "review", "unreliable"))


def test_film_direction_from_a_drawn_line(make_napari_viewer, qtbot, tmp_path):
    from semscan.napari._widget import analyse_widget
    from tests.napari._files import disc_image, write_fei

    grey, _ = disc_image(seed=3)  # pores fill the field: no film edge visible
    path = write_fei(tmp_path / "a.tif", grey)
    viewer = make_napari_viewer()
    widget = analyse_widget(viewer)
    widget[0].value = path
    widget[5].value = "classify.enabled=false; measure.local_thickness=false"
    rise = 200 * np.tan(np.radians(0.5))  # 0.5 degrees: measured without rotating
    shapes = viewer.add_shapes([np.array([[100.0, 20.0], [100.0 - rise, 220.0]])],
                               shape_type="line", name="film", scale=(0.01, 0.01))
    widget[11].reset_choices()
    widget[11].value = shapes.name
    widget[12].clicked.emit()
    assert widget[3].value == pytest.approx(0.5, abs=1e-6)
    with qtbot.waitSignal(widget.worker.finished, timeout=120_000):
        pass
    res = widget.last_result
    assert res.view == "cross-section" and res.frame_rotation is None
    assert res.cross_section.film.direction_source == "user"
    assert res.cross_section.film.direction_deg == pytest.approx(0.5, abs=1e-6)


def test_a_shown_viewer_screenshot_is_not_blank(make_napari_viewer, out_folder, tmp_path):
    viewer = make_napari_viewer(show=True)
    _open_output(viewer, out_folder)
    viewer.reset_view()
    shot = viewer.screenshot(canvas_only=True, flash=False)
    rgb = shot[..., :3].astype(float)
    assert shot.shape[0] > 100 and shot.shape[1] > 100
    assert rgb.std() > 20  # the micrograph's structure, not one flat colour
    # the pores are tinted blue: many pixels have more blue than red
    assert ((rgb[..., 2] - rgb[..., 0]) > 30).mean() > 0.05


def test_pixel_classifier_trained_in_napari_gives_the_same_masks_in_analyze(
        make_napari_viewer, qtbot, tmp_path):
    pytest.importorskip("sklearn", reason="training needs the train extra (scikit-learn)")
    from semscan.napari.classifier import classifier_widget
    from tests.napari._files import disc_image, write_fei
    from tests.napari.test_classifier import analyzed_mask, strokes_of

    grey, pore = disc_image(seed=8)
    lot = tmp_path / "lot"
    lot.mkdir()
    path = write_fei(lot / "a.tif", grey, bar=16)
    viewer = make_napari_viewer()
    [image] = viewer.open(str(path), plugin="semscan")
    widget = classifier_widget(viewer)
    viewer.window.add_dock_widget(widget)
    widget[0].reset_choices()
    assert widget[0].value == image.name
    widget[1].clicked.emit()
    strokes = viewer.layers[f"strokes ({image.name})"]
    assert strokes.data.shape == grey.shape and tuple(strokes.scale) == tuple(image.scale)
    widget[2].value = 20
    strokes.data = strokes_of(pore)
    widget[4].clicked.emit()
    preview = viewer.layers["preview"]
    assert "trained on" in widget[7].value
    first = np.array(preview.data)
    # live: a stroke retrains and refreshes the preview
    widget[3].value = True
    n_before = widget.classifier.n_training_pixels
    strokes.paint((5, 5), 2)
    qtbot.waitUntil(lambda: widget.classifier.n_training_pixels > n_before, timeout=60_000)
    assert widget.classifier.n_training_pixels == int((strokes.data > 0).sum())
    shown = np.array(preview.data)
    assert shown.shape == first.shape
    model = tmp_path / "model.json"
    widget[5].value = model
    widget[6].clicked.emit()
    assert model.is_file() and "saved" in widget[7].value
    np.testing.assert_array_equal(analyzed_mask(lot, model, tmp_path / "out"), shown)


def test_sample_data_and_labels_writer_in_napari(make_napari_viewer, tmp_path):
    import tifffile

    from semscan.napari import _sample

    if not (_sample.DATA / "sample_surface.tif").is_file():
        pytest.skip("data/ is not in this checkout")
    viewer = make_napari_viewer()
    [image] = viewer.open_sample("semscan", "surface")
    assert image.data.shape == (768, 1024)  # the data bar cropped
    assert tuple(image.scale) == pytest.approx((0.01, 0.01))
    labels = viewer.add_labels((np.asarray(image.data) < 0.3).astype(np.uint8),
                               scale=image.scale, units=("um", "um"), name="dark")
    [written] = labels.save(str(tmp_path / "dark_labels.tif"), plugin="semscan")
    with tifffile.TiffFile(written) as tif:
        np.testing.assert_array_equal(tif.asarray(), labels.data)
        assert tif.imagej_metadata["unit"] == "micron"
        assert tif.pages[0].tags["XResolution"].value == (100, 1)


def test_layers_from_lines_drawn_in_napari(make_napari_viewer, qtbot, tmp_path):
    """A reviewer draws the interface of the bundled two-layer section as a line on a new
    Shapes layer (in µm, the viewer's world units), presses "Layers from lines": the
    re-measure measures the layers at the depth the line gives (the core conversion of the
    same line in pixels), shows the interface, and Save writes the given depth and layers
    into the output folder; "Find layers again" returns to semscan's own."""
    import json
    from pathlib import Path

    import pandas as pd

    from semscan.napari._widget import remeasure_widget
    from semscan.pipeline.drawn_layers import layer_depths_from_lines
    from tests.napari.conftest import run_cli

    sample = Path(__file__).resolve().parents[2] / "data" / "two_layer" / "sample_two_layer_xs.tif"
    lot = tmp_path / "lot"
    lot.mkdir()
    (lot / sample.name).write_bytes(sample.read_bytes())
    out = tmp_path / "out"
    res = run_cli("analyze", str(lot), "--out", str(out), "--jobs", "1", "--save-masks",
                  "--no-overlays")
    assert res.returncode == 0, res.stdout + res.stderr
    [record] = (out / "images").glob("*.json")
    viewer = make_napari_viewer()
    layers = {ly.name: ly for ly in viewer.open(str(record), plugin="semscan")}
    labels = layers[f"{sample.name} labels"]
    result = labels.metadata["semscan_result"]
    assert result.cross_section.layers.mode == "auto"
    widget = remeasure_widget(viewer)
    viewer.window.add_dock_widget(widget)
    top = float(np.nanmedian(result.cross_section.film.top_px))
    line_px = np.array([[top + 150.0, 100.0], [top + 150.0, 900.0]])
    pixel = float(labels.scale[0])
    shapes = viewer.add_shapes([line_px * pixel], shape_type="line", name="interface")
    widget[9].reset_choices()
    widget[9].value = shapes.name
    widget[10].clicked.emit()
    new = widget.last_result
    assert "re-measured in" in widget[6].value, widget[6].value
    depths = layer_depths_from_lines(result, [line_px])
    assert depths[0] == pytest.approx(1.5, abs=0.05)  # 150 px of 0.01 µm, surface found
    lay = new.cross_section.layers
    assert new.layer_depths_um == pytest.approx(depths, abs=1e-6)  # µm -> px rounding
    assert lay.mode == "given" and lay.n_layers == 2
    assert lay.interfaces[0].mean_depth_um == pytest.approx(depths[0], abs=1e-4)
    shown = viewer.layers[f"{labels.name} interfaces"]
    assert len(shown.data) == 1
    assert np.abs(shown.data[0][:, 0] - (top + 150.0)).max() < 15  # the surface's waves
    worker = widget[5].clicked.emit() or widget.save_worker
    with qtbot.waitSignal(worker.finished, timeout=180_000):
        pass
    saved = json.loads(record.read_text())
    assert saved["layer_depths_um"] == pytest.approx(list(depths))
    assert saved["row"]["xs_layers_mode"] == "given" and saved["row"]["reviewed"]
    table = pd.read_csv(out / "results.csv")
    assert table["layer_depths_um"].tolist() == pytest.approx(list(depths))
    widget[11].clicked.emit()
    assert widget.last_result.cross_section.layers.mode == "auto"
    assert widget.last_result.layer_depths_um == ()
