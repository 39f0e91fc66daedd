"""The Review queue widget in real napari (under xvfb-run): step, accept, reject, correct."""

from __future__ import annotations

import os

import pandas as pd
import pytest

napari = pytest.importorskip(
    "napari", reason="napari is not installed: pip install 'semscan[napari]' pyqt6 pytest-qt"
)
pytest.importorskip("pytestqt", reason="pytest-qt is not installed (the dev extra has it)")
if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    pytest.skip("no display for Qt: run under xvfb-run (python3 tasks.py test does)",
                allow_module_level=True)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::PendingDeprecationWarning")


def test_review_queue_widget(make_napari_viewer, tmp_path):
    from semscan.napari._queue import review_queue_widget
    from tests.report.test_review_queue import make_batch

    out = make_batch(tmp_path)
    viewer = make_napari_viewer()
    w = review_queue_widget(viewer)
    viewer.window.add_dock_widget(w)
    w[0].value = out
    w[1].clicked.emit()
    assert w[4].value.startswith("1/4: d_broken.tif [failed]")
    assert "cannot open d_broken.tif" in w[9].value  # the failure says why, nothing shown
    w[3].clicked.emit()  # Next: the noise image, flagged, with its layers
    assert w[4].value.startswith("2/4: c_noise.tif [")
    assert any("semscan_result" in ly.metadata for ly in viewer.layers)
    w[5].value = "rev"
    w[7].clicked.emit()  # Reject: recorded, on to the next
    assert w[4].value.startswith("3/4: a_clean.tif [ok]")
    w[6].clicked.emit()  # Accept
    assert w[4].value.startswith("4/4: b_clean.tif")
    w[2].clicked.emit()  # Previous
    assert w[4].value == "3/4: a_clean.tif [ok], accepted"
    n_layers = len(viewer.layers)
    remeasure = w[8].clicked.emit() or w.remeasure
    assert remeasure[0].value == next(ly.name for ly in w.shown if "semscan_result" in ly.metadata)
    assert len(viewer.layers) == n_layers  # stepping replaced the layers, did not pile up
    table = pd.read_csv(out / "results.csv").set_index("name")
    assert table.loc["c_noise.tif", "review_status"] == "rejected"
    assert table.loc["c_noise.tif", "reviewer"] == "rev"
    assert table.loc["a_clean.tif", "review_status"] == "accepted"
    assert pd.isna(table.loc["b_clean.tif", "review_status"])
