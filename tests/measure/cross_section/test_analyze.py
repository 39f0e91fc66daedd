"""The whole analysis and its row (semscan.measure.cross_section.analyze)."""

from pathlib import Path

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED
from semscan.errors import ConfigError, MeasurementError
from semscan.measure.cross_section import (
    CrossSectionResult,
    analyze_cross_section,
    detect_film,
)
from semscan.phantoms.films import render_cross_section, synthetic_cross_section
from tests.measure.cross_section._films import CAL, film_image

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample_cross_section.tif"

# the row of a calibrated cross-section, as written by every semscan since the lots format
# (results.csv columns must not change; uncalibrated rows say _px instead of _um)
ROW_KEYS = [
    "xs_film_direction_deg", "xs_direction_source", "xs_edges_visible",
    "xs_thickness_mean_um", "xs_thickness_sd_um", "xs_thickness_n", "xs_thickness_values_um",
    "xs_band_um", "xs_profile_interior_um",
    "xs_layer_top_kind", "xs_layer_top_thickness_um", "xs_layer_top_d_um",
    "xs_layer_bottom_kind", "xs_layer_bottom_thickness_um", "xs_layer_bottom_d_um",
    "xs_exclude_top_um", "xs_exclude_bottom_um",
    "xs_kappa", "xs_kappa_ci95_low", "xs_kappa_ci95_high", "xs_kappa_resolution_bias",
    "xs_along_mean_um", "xs_along_n_intercepts", "xs_through_mean_um",
    "xs_through_n_intercepts", "xs_aspect_ratio", "xs_aspect_n_pores",
    "xs_interior_d_um", "xs_interior_d_ci95_low_um", "xs_interior_d_ci95_high_um",
    "xs_surface_ratio_top", "xs_surface_ratio_bottom", "xs_warnings",
    # the layers of a laminated film (measure.cross_section.layers), after the older keys
    "xs_layers_mode", "xs_n_layers", "xs_interface_depth_um", "xs_interface_ra_um",
    "xs_interface_rms_um", "xs_layer_thickness_um", "xs_layer_porosity",
    "xs_layer_d_along_um", "xs_layer_kappa",
    # the interface's noise floor (measure.cross_section._floor), after those
    "xs_interface_floor_rms_um", "xs_interface_ra_corrected_um",
    "xs_interface_rms_corrected_um",
]


def test_uncalibrated_rows_in_px():
    pore, _spec, _truth, img = film_image((300, 400), thickness_px=180, a_px=8, b_px=4, seed=0)
    res = analyze_cross_section(pore, None, img, calibration=UNCALIBRATED)
    row = res.to_dict()
    assert "xs_thickness_mean_px" in row
    assert row["xs_thickness_mean_px"] == pytest.approx(180, rel=0.03)
    assert any("uncalibrated" in w for w in res.warnings)


def test_rendered_dark_background_end_to_end():
    seg = pytest.importorskip("semscan.segment")
    from semscan.micrograph import Micrograph

    pore, spec, _truth = synthetic_cross_section((400, 600), thickness_px=240, a_px=12, b_px=6,
                                                tilt_deg=10, seed=4)
    img = render_cross_section(pore, spec, seed=4)
    s = seg.segment_micrograph(Micrograph.from_array(img, pixel_size_um=0.01))
    res = analyze_cross_section(s.pore, s.solid, img, calibration=CAL, excluded=s.excluded)
    assert res.film.direction_deg == pytest.approx(10, abs=1.5)
    assert res.thickness.mean_um == pytest.approx(2.4, rel=0.05)
    assert res.laminar.kappa == pytest.approx(2.0, rel=0.3)


def test_errors():
    img = np.zeros((50, 50))
    with pytest.raises(MeasurementError, match="shape"):
        analyze_cross_section(np.zeros((10, 10), bool), None, img, calibration=CAL)
    with pytest.raises(ConfigError, match=">= 5"):
        analyze_cross_section(np.zeros((50, 50), bool), None, img, calibration=CAL,
                              n_thickness_positions=3)
    with pytest.raises(MeasurementError, match="2-D"):
        detect_film(np.zeros((3, 3, 3)), calibration=CAL)


def test_row_keys_are_frozen():
    pore, spec, _truth, img = film_image((300, 400), thickness_px=180, a_px=8, b_px=4, seed=0)
    row = analyze_cross_section(pore, spec & ~pore, img, calibration=CAL).to_dict()
    assert list(row) == ROW_KEYS
    row = analyze_cross_section(pore, spec & ~pore, img, calibration=UNCALIBRATED).to_dict()
    assert list(row) == [k.replace("_um", "_px") for k in ROW_KEYS]


def test_result_is_composed_of_the_steps_results():
    pore, spec, _truth, img = film_image((600, 900), thickness_px=400, a_px=16, b_px=8,
                                         skin_px=80, seed=1)
    res = analyze_cross_section(pore, spec & ~pore, img, calibration=CAL)
    row = res.to_dict()
    lam, prof = res.laminar, res.profile
    assert row["xs_kappa"] == lam.kappa
    assert (row["xs_kappa_ci95_low"], row["xs_kappa_ci95_high"]) == lam.ci95
    assert row["xs_interior_d_um"] == res.interior_d_um == lam.along.mean
    assert res.interior_d_ci95_um == lam.along.ci95
    assert row["xs_exclude_top_um"] == lam.exclude_top_um == prof.layer_top.thickness_um
    assert res.surface_ratio_top == pytest.approx(prof.layer_top.d_layer_um / lam.along.mean)
    assert row["xs_thickness_mean_um"] == res.thickness.mean_um
    assert row["xs_profile_interior_um"] == prof.interior_um
    # every step's warnings, in order, once
    steps = (*res.film.warnings, *prof.warnings, *lam.warnings)
    assert res.warnings == tuple(dict.fromkeys(steps))
    with pytest.raises(AttributeError):
        res.laminar = lam  # frozen


def test_bundled_sample_kappa_is_the_row_s():
    # data/sample_cross_section.tif: kappa 2.611269955631846 on main before the package split
    # (commit c20e68b), 2.6189625925160476 since the film's texture scale is measured tile by
    # tile on the grey image (issue 18: not from a first segmentation); the composed result
    # must carry that very number
    from semscan.pipeline import analyze_path

    if not SAMPLE.is_file():
        pytest.skip("data/sample_cross_section.tif is absent")
    xs = analyze_path(SAMPLE).cross_section
    assert isinstance(xs, CrossSectionResult)
    assert xs.laminar.kappa == xs.to_dict()["xs_kappa"]
    assert xs.laminar.kappa == pytest.approx(2.6189625925160476, abs=1e-9)


def _fingerprint(obj, h=None):
    """A digest of everything in a result: every dataclass field, array, number and text."""
    import dataclasses
    import hashlib

    top = h is None
    h = h or hashlib.sha1()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            h.update(f.name.encode())
            _fingerprint(getattr(obj, f.name), h)
    elif isinstance(obj, np.ndarray):
        h.update(f"{obj.shape}{obj.dtype.str}".encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, tuple | list):
        for x in obj:
            _fingerprint(x, h)
        h.update(b")")
    else:
        h.update(repr(obj).encode())
    return h.hexdigest() if top else None


@pytest.mark.parametrize("options", [{}, {"layers": 3}, {"layer_depths_um": (1.1,)},
                                     {"skin_exclusion_um": 0.2}])
def test_a_kept_cache_gives_every_number_of_a_fresh_analysis(options):
    """What analyze_cross_section keeps between edits of a section (film-frame geometry,
    depth-profile bands, layer-search blocks, laminar coefficients by content) changes
    nothing: after each of a run of edits (pores flipped, pores erased, pixels excluded,
    back to the start) the whole result, every array of it, is that of an analysis
    without the cache."""
    from semscan.phantoms.layers import two_layer_cross_section

    pore, spec, _ = two_layer_cross_section((300, 520), thickness_px=220, seed=3)
    film = detect_film((spec & ~pore).astype(float), calibration=CAL, pore=pore)
    rng = np.random.default_rng(4)
    p, ex = pore.copy(), np.zeros(pore.shape, bool)
    edits = []
    for step in range(4):
        r, c = int(rng.integers(60, 220)), int(rng.integers(0, 480))
        if step == 0:
            p[r : r + 30, c : c + 40] = ~p[r : r + 30, c : c + 40]
        elif step == 1:
            p[r : r + 30, c : c + 40] = False
        elif step == 2:
            ex[r : r + 20, c : c + 20] = True
        else:
            p, ex = pore.copy(), np.zeros(pore.shape, bool)
        edits.append((p.copy(), ex.copy()))
    cache: dict = {}
    for p, ex in [(pore, np.zeros(pore.shape, bool)), *edits]:
        kw = dict(calibration=CAL, excluded=ex, film=film, **options)
        img = (spec & ~p).astype(float)
        kept = analyze_cross_section(p, spec & ~p, img, cache=cache, **kw)
        fresh = analyze_cross_section(p, spec & ~p, img, **kw)
        assert _fingerprint(kept) == _fingerprint(fresh)
    assert cache["memo_now"]  # something was kept
