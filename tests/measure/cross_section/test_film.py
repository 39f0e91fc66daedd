"""Film detection (semscan.measure.cross_section.film): band, surfaces, direction."""

import math
from pathlib import Path

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED
from semscan.measure.cross_section import (
    analyze_cross_section,
    detect_film,
    measure_thickness,
)
from semscan.phantoms.films import (
    imaged_cross_section,
    render_cross_section,
    synthetic_cross_section,
)
from tests.measure.cross_section._films import CAL, film_image

REAL = Path(__file__).parents[3] / ".." / "shared" / "data" / "real"


@pytest.mark.parametrize("tilt", [0, 30])
@pytest.mark.parametrize("ab", [3, 5])
def test_large_open_pores(ab, tilt):
    # Pores 20 px through the film and 60-100 px along it, porosity 0.5: clusters of them
    # open onto both surfaces and are as dark as the vacuum. The band is found from the
    # solid fraction at a scale larger than the pores (before: no edge found at all).
    img, _pore, spec, truth = imaged_cross_section(
        (768, 768), supersample=2, thickness_px=460, a_px=10.0 * ab, b_px=10.0,
        tilt_deg=tilt, porosity=0.5, seed=1, render_seed=1,
    )
    film = detect_film(img, calibration=UNCALIBRATED)
    assert film.edges_visible == 2 and film.direction_source == "edges"
    assert film.direction_deg == pytest.approx(tilt, abs=1.0)  # measured within 0.2
    th = measure_thickness(film, calibration=UNCALIBRATED)
    assert th.mean_um == pytest.approx(truth["thickness_px"], rel=0.02)  # measured within 0.6%
    assert np.mean(film.specimen == spec) > 0.99
    if tilt == 0:  # the surfaces follow the solid's envelope, not the open pores
        rows = np.nonzero(spec.any(axis=1))[0]
        assert np.nanmedian(np.abs(film.top_px - (rows.min() - 0.5))) < 1.0
        assert np.nanmedian(np.abs(film.bottom_px - (rows.max() + 0.5))) < 1.0


def test_no_edge_visible_uses_user_direction():
    pore, _spec, _truth, _ = film_image((200, 300), thickness_px=1000, a_px=6, b_px=3, seed=0)
    img = (~pore).astype(float)
    film = detect_film(img, calibration=CAL, film_direction_deg=5.0)
    assert (film.edges_visible, film.direction_source, film.direction_deg) == (0, "user", 5.0)
    film = detect_film(img, calibration=CAL)
    assert film.direction_source == "default rows"
    res = analyze_cross_section(pore, ~pore, img, calibration=CAL)
    assert math.isnan(res.thickness.mean_um)
    assert any("edge" in w for w in res.warnings)


def test_one_edge_and_embedding_rendered():
    pore, spec, _truth = synthetic_cross_section((300, 400), thickness_px=400, offset_px=150,
                                                a_px=8, b_px=4, tilt_deg=5, seed=3)
    img = render_cross_section(pore, spec, background="embedding", seed=3)
    film = detect_film(img, calibration=CAL)
    assert film.edges_visible == 1
    assert film.direction_deg == pytest.approx(5, abs=1.5)


def test_constant_image_is_all_specimen():
    film = detect_film(np.full((64, 64), 0.5), calibration=CAL)
    assert film.edges_visible == 0 and film.specimen.all()


@pytest.mark.real
def test_real_hitachi_cross_section():
    path = REAL / "membrane_cells_hitachi.bmp"
    if not path.exists():
        pytest.skip("shared real images absent")
    cv2 = pytest.importorskip("cv2")
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255.0
    img = img[:-64]  # Hitachi data bar
    film = detect_film(img, calibration=UNCALIBRATED)
    assert film.edges_visible >= 1 and film.direction_source == "edges"
    assert abs(film.direction_deg) < 5.0  # the top edge runs nearly along the rows
    pore = img < np.median(img)
    res = analyze_cross_section(pore, ~pore, img, calibration=UNCALIBRATED, film=film)
    assert res.laminar.kappa > 0


def _protected_section(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A FIB-style section: dark vacuum, a grey protective layer on the film, the film
    (bright pores in a darker matrix), a dark substrate; returns image, specimen, pore."""
    pore, spec, _ = synthetic_cross_section((320, 400), thickness_px=110, a_px=4, b_px=3,
                                            porosity=0.3, seed=seed)
    rng = np.random.default_rng(seed)
    rows = np.arange(320)[:, None] * np.ones((1, 400))
    film_rows = np.nonzero(spec.any(axis=1))[0]
    top, bottom = film_rows[0], film_rows[-1]
    img = np.where(rows < 40, 0.05, 0.45)  # vacuum, then the protective layer
    img = np.where(rows > bottom, 0.10, img)  # the substrate below
    img = np.where(spec, np.where(pore, 0.80, 0.33), img)
    img = img + rng.normal(0.0, 0.015, img.shape)
    assert top > 80  # the layer is thick: 40 px of vacuum, then > 40 px of layer
    return img, spec, pore


def test_film_under_a_grey_protective_layer():
    # A vacuum above a grey protective layer and a dark substrate below: flat regions of
    # three greys. Pooled into one level and noise (the mean of a dark and a grey region,
    # a "noise" as large as their difference) no specimen pixel departed from the
    # background and the whole field was taken for the film (no edge found).
    img, spec, _ = _protected_section()
    film = detect_film(img, calibration=UNCALIBRATED)
    assert film.edges_visible == 2
    assert abs(film.direction_deg) < 1.0
    inter = np.count_nonzero(film.specimen & spec)
    union = np.count_nonzero(film.specimen | spec)
    assert inter / union > 0.9
    assert not film.specimen[:40].any()  # the vacuum is no film


def test_label_maximum_equals_scipy_on_seeded_masks():
    from scipy import ndimage as ndi

    from semscan._morphology import distance_transform
    from semscan.measure.cross_section.film import _label_maximum

    rng = np.random.default_rng(11)
    for density in (0.3, 0.6, 0.9, 1.0):
        band = rng.random((120, 150)) < density
        lab, n = ndi.label(band)
        dist = distance_transform(band)
        want = ndi.maximum(dist, lab, index=np.arange(n + 1))
        got = _label_maximum(dist, lab, n)
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_inverted_cdf_equals_numpy_quantile_on_seeded_samples():
    from semscan.measure.cross_section.film import _inverted_cdf

    rng = np.random.default_rng(13)
    for _ in range(3000):
        n = int(rng.integers(1, 200))
        x = rng.integers(-20, 20, n).astype(float) if rng.random() < 0.5 else rng.normal(size=n)
        if rng.random() < 0.2:
            x[rng.random(n) < 0.3] = np.inf  # columns never hit
        q = float(rng.choice([rng.random(), 0.0, 0.02, 0.125, 0.25, 1.0]))
        assert _inverted_cdf(x, q) == float(np.quantile(x, q, method="inverted_cdf"))


@pytest.mark.parametrize("seed", range(5))
def test_a_film_dense_through_its_whole_thickness_is_found(seed):
    """A film with no pores over vacuum (above and below): flat, but brighter than the
    vacuum by many noise SDs. Before the dense-layer rule: no film edge (the film was the
    flat background). Measured: thickness exact to the pixel on seeds 0-4 (250 px film in
    560 rows; with vacuum strips of 130 px, ~2.5 texture scales, seeds 0-1 lose an edge)."""
    from semscan.phantoms.layers import two_layer_cross_section

    _pore, spec, truth = two_layer_cross_section((560, 1200), thickness_px=250, seed=seed)
    img = render_cross_section(np.zeros(spec.shape, bool), spec, seed=seed + 100)
    film = detect_film(img, calibration=UNCALIBRATED)
    assert film.edges_visible == 2
    th = measure_thickness(film, calibration=UNCALIBRATED)
    assert th.mean_um == pytest.approx(truth["thickness_px"], rel=0.02)
    assert np.mean(film.specimen == spec) > 0.99


def test_a_flat_region_of_the_darker_phase_s_grey_stays_background():
    """The dealloyed sections' case: a flat band of the grey of the film's darker phase
    (a dense alloy under a bright-phase network, 25 noise SDs above the vacuum) between the
    film and the vacuum is not a dense layer (rule 3 of _texture._dense_layers); the same
    band at the brighter phase's grey (a closed polymer layer) is, but not when what lies
    beyond it is only 4 noise SDs darker (rule 2)."""
    from semscan.measure.cross_section._texture import _dense_layers

    rng = np.random.default_rng(0)
    lab = np.zeros((400, 300), np.int32)
    lab[:90], lab[210:290], lab[300:] = 1, 2, 3     # vacuum, the band, vacuum
    keep = np.array([False, True, True, True])
    textured = lab == 0
    stripes = np.where((np.arange(400) // 8) % 2 == 0, 0.15, 0.8)[:, None]

    def dense(level, beyond=0.05):
        g = np.where(lab == 0, stripes, 0.05) + rng.normal(0, 0.01, lab.shape)
        g[200:300] = level + rng.normal(0, 0.01, (100, 300))
        g[300:] = beyond + rng.normal(0, 0.01, (100, 300))
        return _dense_layers(g, lab, keep, textured, 5.0).tolist()

    assert dense(0.8) == [False, False, True, False]
    assert dense(0.3) == [False] * 4
    assert dense(0.8, beyond=0.76) == [False] * 4      # 4 SDs above what lies beyond


def test_the_shared_distance_map_of_the_textured_pixels_changes_nothing(monkeypatch):
    """The dense-layer test's distance map of the textured pixels, reused for the film's
    inner core (the bundled section: texture scale 18 px, so a reach beyond the kernels),
    gives the film found without it, every array bit for bit."""
    from semscan.io import read_micrograph
    from semscan.measure.cross_section import _texture

    sample = Path(__file__).resolve().parents[3] / "data" / "sample_cross_section.tif"
    if not sample.exists():
        pytest.skip("data/sample_cross_section.tif is absent")
    m = read_micrograph(sample)
    made = []
    original = _texture._dense_and_distance

    def spy(*args, **kwargs):
        got = original(*args, **kwargs)
        made.append(got[1] is not None)
        return got

    monkeypatch.setattr(_texture, "_dense_and_distance", spy)
    shared = detect_film(m.image, calibration=m.calibration, excluded=m.excluded)
    assert made == [True]
    monkeypatch.setattr(_texture, "_dense_and_distance",
                        lambda *a, **k: (original(*a, **k)[0], None))
    alone = detect_film(m.image, calibration=m.calibration, excluded=m.excluded)
    import dataclasses

    for f in dataclasses.fields(shared):
        a, b = getattr(shared, f.name), getattr(alone, f.name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        else:
            assert a == b, f.name
