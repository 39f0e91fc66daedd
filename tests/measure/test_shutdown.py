"""Shutdown comparison (semscan.measure.shutdown): thresholds, and a phantom pair."""

from __future__ import annotations

import pytest

from semscan.calibration import Calibration
from semscan.measure.cross_section import analyze_cross_section
from semscan.measure.shutdown import (
    CLOSED_DROP,
    KEPT_CHANGE,
    LayerState,
    combine_states,
    compare_shutdown,
    is_reference_state,
)
from semscan.phantoms.layers import two_layer_cross_section

A = LayerState(1, 0.50, (0.48, 0.52), 0.55, (0.52, 0.58))
P = LayerState(2, 0.45, (0.43, 0.47), 0.19, (0.18, 0.20))


def _p(layer, porosity, hw=0.01, d=0.19, dhw=0.01):
    return LayerState(layer, porosity, (porosity - hw, porosity + hw), d, (d - dhw, d + dhw))


def test_thresholds_decide_each_layer():
    assert CLOSED_DROP == 0.5 and KEPT_CHANGE == 0.2
    closed = compare_shutdown([A, P], [A, _p(2, 0.45 * 0.49)])
    assert [c.status for c in closed.changes] == ["kept", "closed"]
    assert closed.verdict == "thermoplastic layer closed, aramid layer kept"
    # a drop of 45 % is not a closure
    partly = compare_shutdown([A, P], [A, _p(2, 0.45 * 0.55)])
    assert partly.changes[1].status == "changed" and partly.verdict == "no layer closed"
    # a 50 % drop whose intervals overlap is noise, not a closure
    noisy = compare_shutdown([A, _p(2, 0.45, hw=0.2)], [A, _p(2, 0.2, hw=0.2)])
    assert noisy.changes[1].status == "changed"
    # kept needs the d intervals to overlap
    moved = compare_shutdown([A, P], [_p(1, 0.5, d=0.8), _p(2, 0.1)])
    assert moved.changes[0].status == "changed" and moved.verdict == "layers changed"
    both = compare_shutdown([A, P], [_p(1, 0.1), _p(2, 0.1)])
    assert both.verdict == "every layer closed"


def test_unpaired_layers_are_undetermined():
    res = compare_shutdown([A, P], [A], sample="s1", state_after="150C-10min")
    assert res.verdict == "undetermined" and "cannot be paired" in res.reason
    assert res.rows() == [{"sample": "s1", "state_before": "as-made",
                           "state_after": "150C-10min", "verdict": "undetermined",
                           "verdict_reason": res.reason, "closed_drop_threshold": 0.5,
                           "kept_change_threshold": 0.2}]


def test_rows_and_combination():
    res = compare_shutdown([A, P], [A, _p(2, 0.1)], sample="s", state_after="150C")
    rows = res.rows()
    assert [r["layer"] for r in rows] == [1, 2]
    assert rows[1]["porosity_change"] == pytest.approx(-0.35)
    assert rows[1]["layer_status"] == "closed" and "d_before_um" in rows[1]
    two = combine_states([A, _p(1, 0.4, hw=0.02)])
    assert two[0].n_images == 2 and two[0].porosity == pytest.approx(0.45)
    assert is_reference_state(" as-made ") and not is_reference_state("150C-10min")


def test_phantom_pair_gives_the_shutdown_verdict():
    """As-made and closed sections of the synthetic separator (the polyolefin layer's
    porosity 0.45 closed to 0.2, the aramid layer unchanged), through the whole analysis."""
    cal = Calibration(0.01, "user")
    states = []
    for closed in (False, True):
        pore, spec, _t = two_layer_cross_section((560, 1200), thickness_px=420,
                                                 waviness_px=12, seed=5, closed=closed)
        res = analyze_cross_section(pore, spec & ~pore, (spec & ~pore).astype(float),
                                    calibration=cal)
        assert res.layers.n_layers == 2
        states.append([LayerState.from_row(r) for r in res.layers.rows()])
    res = compare_shutdown(*states, sample="sep", state_after="150C-10min")
    assert res.verdict == "thermoplastic layer closed, aramid layer kept"
    aramid, pe = res.changes
    assert aramid.status == "kept" and abs(aramid.porosity_change) < 0.02
    assert pe.status == "closed" and pe.porosity_change_rel == pytest.approx(-0.55, abs=0.06)


def _rendered_layers(seed, closed, closed_porosity=0.2):
    """A rendered, segmented section of the separator with the polyolefin layer on top
    (closed to ``closed_porosity`` when ``closed``), through the pipeline."""
    import numpy as np

    from semscan.config import AnalysisConfig
    from semscan.micrograph import Micrograph
    from semscan.phantoms.films import render_cross_section
    from semscan.phantoms.layers import ARAMID, POLYOLEFIN
    from semscan.pipeline import analyze_micrograph

    shape, t = (560, 1200), 420
    pore, spec, truth = two_layer_cross_section(
        shape, thickness_px=t, waviness_px=12, seed=seed, top=POLYOLEFIN, bottom=ARAMID,
        closed=closed, closed_layer="top", closed_porosity=closed_porosity)
    img = render_cross_section(pore, spec, seed=seed + 100)
    cfg = AnalysisConfig().with_overrides({"classify.enabled": False,
                                           "measure.local_thickness": False})
    xs = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.01), config=cfg,
                            view="cross-section").cross_section
    top = (shape[0] - 1) / 2 - t / 2
    itf_err = float("nan")
    if xs.layers.n_layers == 2:
        itf = xs.layers.interfaces[0]
        true = top + np.interp(itf.positions_px, np.arange(shape[1]), truth["interface_px"])
        itf_err = float(np.abs(itf.depth_px - true).mean())
    return xs, truth, itf_err


@pytest.mark.parametrize("closed_porosity", [0.02, 0.10])
@pytest.mark.parametrize("seed", range(5))
def test_a_closed_layer_is_film_and_the_pair_gives_the_verdict(seed, closed_porosity):
    """The thermoplastic (top) layer closed to porosity 0.02 / 0.10 is as flat as the
    vacuum; the film detector takes it as a dense layer of the film (before: no film or
    one edge, no layers). Rendered and segmented: thickness within 2 % (measured 0.01-0.4
    %), two layers, the interface within 2 % of the thickness (measured 0.4-1.0 %), and
    the pair with the as-made section gives the shutdown verdict. The closed layer's
    porosity reads low (0.000-0.006 for 0.02, 0.076-0.088 for 0.10: its pores, 3.3 / 7.6
    px across, are at the resolution limit), and its row says it is a lower bound."""
    before, _, _ = _rendered_layers(seed, False)
    after, truth, itf_err = _rendered_layers(seed, True, closed_porosity)
    t = truth["thickness_px"]
    assert after.film.edges_visible == 2
    assert after.thickness.mean_um / 0.01 == pytest.approx(t, rel=0.02)
    assert after.layers.n_layers == 2 and before.layers.n_layers == 2
    assert itf_err <= 0.02 * t
    res = compare_shutdown([LayerState.from_row(r) for r in before.layers.rows()],
                           [LayerState.from_row(r) for r in after.layers.rows()])
    assert res.verdict == "thermoplastic layer closed, aramid layer kept"
    assert [c.status for c in res.changes] == ["closed", "kept"]
    # the closed layer's pores (3.3 / 7.6 px across) are at the resolution limit: its
    # porosity (0.000-0.006 / 0.076-0.088) is a lower bound, said on its row and in the
    # warnings; the open layers' (intercepts >= 19.6 px) are not
    closed_layer, aramid = after.layers.layers
    assert "lower bound" in closed_layer.porosity_warning
    assert closed_layer.porosity <= closed_porosity
    assert closed_layer.to_dict()["porosity_warning"] == closed_layer.porosity_warning
    assert f"layer 1: {closed_layer.porosity_warning}" in after.layers.warnings
    assert not aramid.porosity_warning
    assert not any(la.porosity_warning for la in before.layers.layers)
