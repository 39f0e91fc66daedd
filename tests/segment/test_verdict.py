"""The segmentation verdict: synthetic cases with a known answer, and the real calibration set."""

import dataclasses
import math
import warnings

import cv2
import numpy as np
import pytest

from semscan.config import AnalysisConfig
from semscan.errors import SegmentationError
from semscan.micrograph import Micrograph
from semscan.phantoms.geometry import boolean_ellipses
from semscan.phantoms.photo import photo_like_image
from semscan.phantoms.relief import shaded_relief
from semscan.phantoms.render import render_sem
from semscan.segment import segment_micrograph
from semscan.segment.verdict import segmentation_verdict
from tests._synthetic import REAL


def _judge(img, **seg_opts):
    seg = segment_micrograph(Micrograph.from_array(img, pixel_size_um=0.01), **seg_opts)
    return segmentation_verdict(img, seg.pore, seg.solid, excluded=seg.excluded)


def _shading(seed=0, shape=(384, 512)):
    rng = np.random.default_rng(seed)
    f = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), 30)
    f = (f - f.min()) / (f.max() - f.min())
    return (0.2 + 0.6 * f + 0.02 * rng.standard_normal(shape)).astype(np.float32)


@pytest.mark.parametrize("method", ["auto", "otsu", "sauvola"])
def test_clean_two_phase_render_ok(method):
    pore = boolean_ellipses((384, 512), intensity_per_px2=0.004, a_px=6, b_px=6, seed=0,
                            germ_window="padded")
    v = _judge(render_sem(pore, seed=0), method=method)
    assert v.verdict == "ok", v.reason
    assert v.signals.contrast_to_noise > 3 and v.signals.edge_concentration > 2
    assert v.reason.startswith("two phases")


def test_blank_image_unreliable():
    v = _judge(np.full((128, 160), 0.5, np.float32))
    assert (v.verdict, v.reason) == ("unreliable",
                                     "blank image: no grey-level variation to segment")
    assert v.signals.grey_range == 0.0


def test_noise_only_unreliable():
    rng = np.random.default_rng(1)
    img = (0.5 + 0.05 * rng.standard_normal((256, 256))).astype(np.float32)
    v = segmentation_verdict(img, img < 0.5, img >= 0.5)
    assert v.verdict == "unreliable" and "like noise" in v.reason
    assert v.signals.mean_chord_px < 2.5  # cut pixel by pixel
    # smoothed first, the halves are blobs, but their step is below the pixel noise
    seg = segment_micrograph(Micrograph.from_array(img))
    v = segmentation_verdict(img, seg.pore, seg.solid, excluded=seg.excluded)
    assert v.verdict == "unreliable" and "like noise" in v.reason, v


@pytest.mark.parametrize("method", ["auto", "otsu", "sauvola"])
def test_shading_only_not_ok(method):
    v = _judge(_shading(), method=method)
    assert v.verdict != "ok", v
    assert "shading" in v.reason or "one phase" in v.reason


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("method", ["auto", "otsu"])
def test_photo_like_image_not_ok(seed, method):
    v = _judge(photo_like_image(seed=seed), method=method)
    assert v.verdict == "unreliable", v
    assert "grey varies like shading, not like two phases" in v.reason
    assert v.signals.shading_fraction >= 0.75


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["spheres", "wrinkles"])
def test_rendered_smooth_relief_not_ok(kind, seed):
    # a non-porous surface rendered with SE tilt contrast (semscan/phantoms/relief.py):
    # no pores, but a threshold cuts it at 30-42 % "porosity"; rounded particles and
    # broad folds (20 px) shade smoothly enough for the spread or the shading signal
    v = _judge(shaded_relief((256, 320), kind=kind, size_px=20, seed=seed))
    assert v.verdict != "ok", v


@pytest.mark.xfail(strict=True, reason="known limitation: a faceted relief's flat facets "
                   "and sharp edges read like two phases, as particles_fei does (README)")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rendered_faceted_relief_not_ok(seed):
    v = _judge(shaded_relief((256, 320), kind="polyhedra", size_px=10, seed=seed))
    assert v.verdict != "ok"


def test_shape_mismatch_raises():
    with pytest.raises(SegmentationError, match="differ in shape"):
        segmentation_verdict(np.zeros((8, 8)), np.zeros((8, 9), bool), np.ones((8, 9), bool))


def test_row_and_structure_in_pipeline():
    from semscan.pipeline import analyze_micrograph

    cfg = AnalysisConfig().with_overrides({"measure.window_um": "full"})
    res = analyze_micrograph(Micrograph.from_array(photo_like_image(seed=0), pixel_size_um=0.01),
                             config=cfg, view="surface")
    row = res.to_row()
    assert (res.verdict, row["verdict"]) == ("unreliable", "unreliable")
    assert row["verdict_reason"] == res.verdict_reason and "shading" in res.verdict_reason
    assert row["verdict_shading_fraction"] >= 0.75
    assert res.structure.label == "uncertain" and row["class"] == "uncertain"
    assert sum(res.structure.probabilities.values()) == pytest.approx(1.0)
    assert any(w.startswith("segmentation unreliable") for w in res.warnings)
    assert not any(w.startswith("low contrast") for w in res.warnings)
    from semscan.report.overlay import headline

    assert any(line.startswith("segmentation UNRELIABLE: grey varies like shading")
               for line in headline(res))


def _real_verdict(path, **over):
    from semscan.io import read_micrograph

    if not path.exists():
        pytest.skip("shared real images absent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # uncalibrated files warn
        mg = read_micrograph(path)
        opts = {**dataclasses.asdict(AnalysisConfig().segment), **over}
        seg = segment_micrograph(mg, **opts)
    return segmentation_verdict(mg.image, seg.pore, seg.solid, excluded=seg.excluded), seg


@pytest.mark.real
@pytest.mark.parametrize("name", ["npg_aquami_zeiss.tif", "retic_skan_fei.tif",
                                  "porous_si_zeiss.tif", "swollen_mat_holes.png"])
def test_real_clean_porous_ok(name):
    v, _ = _real_verdict(REAL / name)
    assert v.verdict == "ok", v


@pytest.mark.real
def test_real_membrane_section_ok():
    from semscan.pipeline import analyze_path

    path = REAL / "membrane_cells_hitachi.bmp"
    if not path.exists():
        pytest.skip("shared real images absent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze_path(path)
    assert (res.view, res.verdict) == ("cross-section", "ok"), res.verdict_reason


@pytest.mark.real
@pytest.mark.parametrize("stem", ["1908252", "1908258", "1908264", "1908272", "1908280",
                                  "1908292", "1908304", "1908318"])
def test_real_bam_particles_ok_on_otsu(stem):
    # With the plain Otsu threshold that matches the authors' masks (IoU 0.71-0.86) the
    # verdict is ok; a local threshold that cuts the substrate into patches is 'review'
    # (a Sauvola window of 1/8 of the short side, 89 px, the default before the window
    # followed the structure's period: issue 18, helper seg).
    v, _ = _real_verdict(REAL / "gt" / "bam_tio2" / "SEM" / f"{stem}.tif", method="otsu")
    assert v.verdict == "ok", v
    w, _ = _real_verdict(REAL / "gt" / "bam_tio2" / "SEM" / f"{stem}.tif", method="sauvola",
                         sauvola_window_um=89 * 0.007344)
    assert w.verdict == "review" and "inside the phases" in w.reason


@pytest.mark.real
@pytest.mark.xfail(strict=True, reason="known limitation: shading of faceted particles and "
                   "of a wrinkled film reads like two phases to every signal tried (README)")
@pytest.mark.parametrize("name", ["particles_fei.tif", "wrinkled_film_fei16.tif"])
def test_real_shaded_surfaces_not_ok(name):
    v, _ = _real_verdict(REAL / name)
    assert v.verdict != "ok"


def test_the_grey_cache_gives_the_same_signals_over_edits(monkeypatch):
    from semscan.segment.verdict import measure_signals

    pore = boolean_ellipses((256, 320), intensity_per_px2=0.003, a_px=7, b_px=4, seed=3)
    img = render_sem(pore, seed=3)
    seg = segment_micrograph(Micrograph.from_array(img, pixel_size_um=0.01))
    p, s, ex = seg.pore.copy(), seg.solid.copy(), seg.excluded.copy()
    cache: dict = {}
    edits = []
    p2, s2 = p.copy(), s.copy()
    p2[40:80, 40:90], s2[40:80, 40:90] = False, True  # erase pores
    edits.append((p2, s2, ex))
    ex3 = ex.copy()
    ex3[:30] = True  # exclude a band: the grey part is computed again
    edits.append((p2 & ~ex3, s2 & ~ex3, ex3))
    edits.append((p, s, ex))  # back to the start
    import semscan.segment.verdict as verdict_module

    computed = []
    grey_part = verdict_module._grey_part

    def counted(*args):
        computed.append(1)
        return grey_part(*args)

    monkeypatch.setattr(verdict_module, "_grey_part", counted)
    for pp, ss, ee in [(p, s, ex), *edits]:
        cached = measure_signals(img, pp, ss, ee, cache=cache)
        n = len(computed)
        assert cached == measure_signals(img, pp, ss, ee)
        del computed[n:]  # the uncached call's own
        assert segmentation_verdict(img, pp, ss, excluded=ee, cache=cache) == (
            segmentation_verdict(img, pp, ss, excluded=ee))
        del computed[n:]
    # the grey part of the first valid pixels, and of the band excluded; back to the start
    # finds the first one kept
    assert len(computed) == 2
    assert all(k[0] is img for k in cache["grey"])


def test_section_verdict_flags_a_film_read_as_all_pore():
    from semscan.segment.verdict import Verdict, VerdictSignals, section_verdict

    ok = Verdict("ok", "two phases", VerdictSignals())
    assert section_verdict(ok, porosity=0.33, film_edges=2, view_edges=2) is ok
    assert section_verdict(ok, porosity=0.33, film_edges=0, view_edges=0) is ok  # film fills
    full = section_verdict(ok, porosity=0.995, film_edges=2, view_edges=2)
    assert full.verdict == "review" and "99.5% pore" in full.reason
    # before issue 18's film fix: the view detector saw 2 edges, the film detector none
    lost = section_verdict(ok, porosity=0.63, film_edges=0, view_edges=2)
    assert lost.verdict == "review" and "found none" in lost.reason
    bad = Verdict("unreliable", "noise", VerdictSignals())
    assert section_verdict(bad, porosity=0.995, film_edges=0, view_edges=2) is bad


def test_masks_band_by_band_are_the_whole_masks():
    from semscan.segment import verdict as vm

    rng = np.random.default_rng(4)
    pore = boolean_ellipses((1100, 700), intensity_per_px2=0.004, a_px=6, b_px=3, seed=4)
    valid = rng.random(pore.shape) > 0.02
    valid[:, :3] = False
    valid[500:507] = False
    p = pore & valid
    inner = cv2.erode(valid.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    edge = vm._boundary(p, valid) & inner
    bands = list(vm._bands(*valid.shape))
    assert len(bands) > 2
    got = [vm._inner_and_edge(p, valid, r0, r1) for r0, r1, _, _ in bands]
    assert np.array_equal(np.concatenate([g[0] for g in got]), inner)
    assert np.array_equal(np.concatenate([g[1] for g in got]), edge)
    s = valid & ~p
    noise = vm._noise_sd(vm._Normalised(pore.astype(np.float32), valid, 0.0, 1.0), valid)
    whole = cv2.filter2D(np.where(valid, pore, 0).astype(np.float32), -1, vm._LAPLACE_DIFF,
                         borderType=cv2.BORDER_REFLECT)
    deep = cv2.erode(valid.view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)
    sel = np.abs(whole[deep])
    assert noise == float(math.sqrt(math.pi / 2.0) / 6.0 * np.mean(sel)) and noise > 0
    parts = [vm._interiors((s, p), r0, r1) for r0, r1, _, _ in bands]
    assert np.array_equal(np.concatenate([g[0] for g in parts]), vm._interior(s))
    assert np.array_equal(np.concatenate([g[1] for g in parts]), vm._interior(p))


def test_variance_in_place_is_numpys():
    from semscan.segment.verdict import _var_in_place

    x = np.random.default_rng(2).gamma(2.0, 0.1, 300_001).astype(np.float32)
    assert _var_in_place(x.copy()) == np.var(x)
