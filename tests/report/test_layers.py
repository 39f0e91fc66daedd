"""layers.csv and shutdown.csv (semscan.report.layers): from records, through a batch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from semscan.config import AnalysisConfig
from semscan.io.tasks import make_tasks
from semscan.phantoms.films import render_cross_section
from semscan.phantoms.layers import two_layer_cross_section
from semscan.pipeline.drawn_layers import interface_paths
from semscan.report.batch import run_batch
from semscan.report.layers import layer_rows, shutdown_rows
from tests._synthetic import write_fei_tiff


def _row(state, layer, p, d, file=None, sample="S"):
    return {"sample": sample, "state": state, "file": file or f"{state}.tif", "layer": layer,
            "areal_porosity": p, "areal_porosity_ci95_low": p - 0.01,
            "areal_porosity_ci95_high": p + 0.01, "d_along_um": d,
            "d_along_ci95_low_um": 0.95 * d, "d_along_ci95_high_um": 1.05 * d}


def test_layer_rows_put_the_image_in_front():
    rows = layer_rows([{"row": {"file": "a.tif", "output_stem": "a-1", "sample": "S",
                                "state": ""}, "layers": [{"layer": 1}, {"layer": 2}]},
                       {"row": {"file": "b.tif"}, "layers": None}])
    assert [list(r)[:5] for r in rows] == [["file", "output_stem", "sample", "state", "layer"]] * 2


def test_shutdown_needs_a_reference_state_and_pairs_each_treatment():
    rows = [_row("as-made", 1, 0.5, 0.55), _row("as-made", 2, 0.45, 0.19),
            _row("150C", 1, 0.5, 0.55), _row("150C", 2, 0.2, 0.1),
            _row("120C", 1, 0.5, 0.55), _row("120C", 2, 0.44, 0.19),
            _row("150C", 1, 0.5, 0.5, sample="T"), _row("", 1, 0.5, 0.5, sample="U")]
    out = shutdown_rows(rows)
    assert {(r["state_after"], r["verdict"]) for r in out} == {
        ("120C", "no layer closed"), ("150C", "thermoplastic layer closed, aramid layer kept")}
    assert {r["sample"] for r in out} == {"S"}          # T has no as-made, U no state
    # two as-made sections of one sample are combined
    two = shutdown_rows([*rows[:4], _row("as-made", 1, 0.48, 0.56, file="x.tif"),
                         _row("as-made", 2, 0.47, 0.2, file="x.tif")])
    assert {r["n_images_before"] for r in two} == {2}
    # sections that disagree on the number of layers cannot be paired
    odd = shutdown_rows([*rows[:4], _row("as-made", 1, 0.48, 0.56, file="x.tif")])
    assert odd[0]["verdict"] == "undetermined"


@pytest.fixture(scope="module")
def shutdown_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sep")
    for name, closed in (("sep_asmade_xs.tif", False), ("sep_150C_xs.tif", True)):
        pore, spec, _t = two_layer_cross_section((560, 1024), thickness_px=400,
                                                 waviness_px=10, seed=2028, closed=closed)
        write_fei_tiff(folder / name, render_cross_section(pore, spec, seed=9),
                       pixel_size_um=0.01)
    (folder / "m.csv").write_text("path,sample,view,state\n"
                                  "sep_asmade_xs.tif,sep,xs,as-made\n"
                                  "sep_150C_xs.tif,sep,xs,150C-10min\n")
    out = folder / "out"
    cfg = AnalysisConfig().with_overrides({"classify.enabled": False,
                                           "measure.local_thickness": False})
    summary = run_batch(make_tasks([], manifest=folder / "m.csv"), out_dir=out, config=cfg)
    assert summary.ok
    return out


def test_batch_writes_layers_and_shutdown(shutdown_folder):
    out = shutdown_folder
    results = pd.read_csv(out / "results.csv")
    assert sorted(results["state"]) == ["150C-10min", "as-made"]
    assert (results["xs_n_layers"] == 2).all()
    layers = pd.read_csv(out / "layers.csv")
    assert len(layers) == 4 and set(layers["layer"]) == {1, 2}
    assert {"thickness_mean_um", "areal_porosity", "d_along_um", "d_through_um", "kappa",
            "interface_below_ra_um"} <= set(layers.columns)
    shut = pd.read_csv(out / "shutdown.csv")
    assert list(shut["layer_status"]) == ["kept", "closed"]
    assert (shut["verdict"] == "thermoplastic layer closed, aramid layer kept").all()
    assert shut.loc[1, "porosity_after"] == pytest.approx(0.2, abs=0.03)


def test_overlay_draws_the_interface_where_it_was_found(shutdown_folder):
    from semscan.io import read_micrograph
    from semscan.pipeline import analyze_micrograph

    folder = shutdown_folder.parent
    m = read_micrograph(folder / "sep_asmade_xs.tif")
    res = analyze_micrograph(m, config=AnalysisConfig().with_overrides(
        {"classify.enabled": False, "measure.local_thickness": False}), view="cross-section")
    (curve,) = interface_paths(res)
    # the interface lies at the film's mid-plane (row 279.5 of the image), +-10 px of wave
    assert np.abs(curve[:, 0] - 279.5).max() < 10 + 0.02 * 400
    from semscan.report.overlay import render_overlay

    rgb = render_overlay(res)
    r, c = (int(v) for v in np.round(curve[len(curve) // 2]))
    patch = rgb[r - 2:r + 3, c - 1:c + 2].reshape(-1, 3)
    assert ((patch[:, 1] > 200) & (patch[:, 2] > 200) & (patch[:, 0] < 60)).any()  # cyan


@pytest.mark.parametrize("closed_porosity", [0.02, 0.10])
def test_shutdown_from_a_manifest_without_views(tmp_path, closed_porosity):
    """The manifest gives sample and state, no view column, and the file names do not
    match ``*_xs*``: both sections are detected as cross-sections (the closed one by its
    dense layer: before, ``surface``, no layers and no shutdown.csv) and the pair gives the
    verdict. The separator of tests/measure/test_shutdown.py, polyolefin on top, seed 0."""
    from semscan.phantoms.layers import ARAMID, POLYOLEFIN

    for name, closed in (("sep_asmade.tif", False), ("sep_150C.tif", True)):
        pore, spec, _t = two_layer_cross_section(
            (560, 1200), thickness_px=420, waviness_px=12, seed=0, top=POLYOLEFIN,
            bottom=ARAMID, closed=closed, closed_layer="top", closed_porosity=closed_porosity)
        write_fei_tiff(tmp_path / name, render_cross_section(pore, spec, seed=100),
                       pixel_size_um=0.01)
    (tmp_path / "m.csv").write_text("path,sample,state\n"
                                    "sep_asmade.tif,sep,as-made\n"
                                    "sep_150C.tif,sep,150C-10min\n")
    tasks = make_tasks([], manifest=tmp_path / "m.csv")
    assert [(t.view, t.view_source) for t in tasks] == [(None, "")] * 2
    out = tmp_path / "out"
    cfg = AnalysisConfig().with_overrides({"classify.enabled": False,
                                           "measure.local_thickness": False})
    assert run_batch(tasks, out_dir=out, config=cfg).ok
    results = pd.read_csv(out / "results.csv")
    assert list(results["view"]) == ["cross-section"] * 2
    assert results["view_source"].str.startswith("detected").all()
    assert (results["xs_n_layers"] == 2).all()
    shut = pd.read_csv(out / "shutdown.csv")
    assert list(shut["layer_status"]) == ["closed", "kept"]
    assert set(shut["verdict"]) == {"thermoplastic layer closed, aramid layer kept"}
