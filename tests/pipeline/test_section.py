"""Cross-sections through the pipeline: film-frame measurement of tilted films.

The synthetic films are *imaged* (area-sampled from a 2x oversampled rendering, with probe
blur, edge brightening, pore-back and noise; ``imaged_cross_section``), the way a tilted
specimen reaches a detector, then segmented and measured like any micrograph. Pores are
aligned ellipses with semi-axes a (along the film) and b (through it), porosity 0.5, so
the laminar coefficient of the model is exactly a/b.

b = 6 px (1024 px images, 614 px film; mean of seeds 1 and 2; 50 lines), kappa against a/b
at 0 / 15 / 30 degrees:

    a/b = 1: -1.0 / +1.8 / +0.3 %      a/b = 3: -6.7 / -6.0 / -5.3 %
    a/b = 2: -5.4 / -3.3 / -3.4 %      a/b = 5: -7.8 / -7.5 / -9.9 %

(re-measured 2026-11-23 after the cross-section segmentation was fitted to the specimen
alone; before, with the vacuum in the threshold's histogram: a/b = 2 -7.2 / -4.0 / -2.2,
a/b = 3 -7.2 / -6.6 / -3.8, a/b = 5 -11.6 / -10.6 / -6.7 %)

Kappa at 15 and 30 degrees is within 2.3% of the flat film's (worst: a/b = 5 at 30 deg,
4.50 against 4.61). Kappa reads low, growing with a/b and not with tilt: blur and edge
brightening close the narrowest necks between overlapping flat pores, which splits chords
along the film. Single images scatter by about +-3% (50 lines per direction; seeds differ
by up to 4%). Thickness is within 0.2%, the film direction within 0.2 degrees.
These read 1-5% lower than with the film detection before the solid-envelope surfaces,
whose surfaces lay ~1 px outside the film (in the vacuum) and whose specimen mask differed
near open surface pores: with 200 lines the mean intercept through the film is now
1.7-1.9% longer (along: unchanged), which lowers kappa by as much; moving the new surfaces
1 px outwards accounts for 0.8% of it. The rest is the 50-line sampling (lines move with
the film's extent). Before the film-frame rotation, tilted films read kappa 8-13% lower
still.

Resolved pores, b = 16 px (1536 px images, 921 px film, pores up to 80 px long opening
onto the surfaces in clusters as dark as the vacuum), the acceptance check of kappa: mean
of three cross-sections (seeds 1-3) against a/b at 0 / 15 / 30 degrees:

    a/b = 1: +3.0 / +2.7 / +0.5 %      a/b = 3: +1.2 / -0.1 / -0.9 %
    a/b = 2: -0.9 / +0.6 / -0.8 %      a/b = 5: +2.4 / +0.2 / -1.6 %

Single cross-sections scatter by up to 8.4 % (a/b = 5): 50 lines per
direction, as METHODS.md 4 prescribes, sample a few hundred intercepts. Every image's
thickness is checked within 2 % and its film direction within 1 degree. At b = 10 px the
means of two seeds were -7.5..+3.5 % (before the specimen-only threshold), at b = 6 px
(above) down to -9.9 %: below about
10 px per semi-axis the imaging, not the estimator, limits kappa.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from semscan.config import AnalysisConfig
from semscan.micrograph import Micrograph
from semscan.phantoms.films import imaged_cross_section
from semscan.pipeline import analyze_micrograph

CFG = AnalysisConfig().with_overrides(
    {"classify.enabled": False, "measure.local_thickness": False,
     "measure.dense_chords": False, "measure.mil_step_deg": 0.0}
)
RATIOS = (1.0, 2.0, 3.0, 5.0)
TILTS = (0.0, 15.0, 30.0)
SEEDS = (1, 2)
B_PX = 6.0


Run = tuple[float, float, float, list[str], float]


def _measure(ab: float, tilt: float, seed: int, b_px: float = B_PX, size: int = 1024) -> Run:
    """kappa, thickness (px), true thickness (px), warnings, detected film direction (deg)."""
    img, _, _, truth = imaged_cross_section(
        (size, size), supersample=2, thickness_px=int(0.6 * size), a_px=b_px * ab,
        b_px=b_px, tilt_deg=tilt, porosity=0.5, seed=seed, render_seed=seed,
    )
    res = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.01), config=CFG,
                             view="cross-section")
    xs = res.cross_section
    notes = list(res.warnings)
    m = re.search(r"image rotated by (-?[0-9.]+) deg", " ".join(notes))
    direction = float(m.group(1)) if m else xs.film.direction_deg
    thickness_px = xs.thickness.mean_um / 0.01
    return xs.laminar.kappa, thickness_px, float(truth["thickness_px"]), notes, direction


@pytest.fixture(scope="module")
def kappas() -> dict[tuple[float, float], dict[str, float]]:
    out = {}
    for ab in RATIOS:
        for tilt in TILTS:
            runs = [_measure(ab, tilt, s) for s in SEEDS]
            out[(ab, tilt)] = {
                "kappa": float(np.mean([r[0] for r in runs])),
                "thickness": float(np.mean([r[1] for r in runs])),
                "true_thickness": runs[0][2],
                "warnings": runs[0][3],
            }
    return out


@pytest.mark.slow
@pytest.mark.parametrize("ab", RATIOS)
@pytest.mark.parametrize("tilt", TILTS[1:])
def test_kappa_does_not_depend_on_tilt(kappas, ab, tilt):
    # measured worst case 2.3% (a/b = 5, 30 deg; 5.6% before the specimen-only threshold);
    # the bound leaves room for platform noise
    assert kappas[(ab, tilt)]["kappa"] == pytest.approx(kappas[(ab, 0.0)]["kappa"], rel=0.07)


@pytest.mark.slow
@pytest.mark.parametrize("ab", RATIOS)
@pytest.mark.parametrize("tilt", TILTS)
def test_kappa_close_to_a_over_b(kappas, ab, tilt):
    # measured worst -9.9% (a/b = 5, 30 deg) and, for a/b <= 2, -5.4% (a/b = 2, flat)
    kappa = kappas[(ab, tilt)]["kappa"]
    assert kappa == pytest.approx(ab, rel=0.13)
    if ab <= 2.0:
        assert kappa == pytest.approx(ab, rel=0.08)


@pytest.mark.slow
@pytest.mark.parametrize("tilt", TILTS)
def test_thickness_within_2_percent(kappas, tilt):
    for ab in RATIOS:
        k = kappas[(ab, tilt)]
        assert k["thickness"] == pytest.approx(k["true_thickness"], rel=0.02)


@pytest.mark.slow
def test_tilted_film_is_measured_in_the_film_frame(kappas):
    notes = " ".join(kappas[(3.0, 30.0)]["warnings"])
    assert "analysed in the film frame: image rotated by 30." in notes
    assert "film frame" not in " ".join(kappas[(3.0, 0.0)]["warnings"])


@pytest.mark.slow
@pytest.mark.parametrize("tilt", TILTS)
def test_thin_pores_carry_the_resolution_warning(kappas, tilt):
    # b = 6 px: flat pores read kappa 3-10 % low (above), and the image says so
    # (semscan.measure.laminar); round pores are not biased and get no such warning
    for ab in RATIOS[1:]:
        assert any(" may read ~" in w for w in kappas[(ab, tilt)]["warnings"]), ab
    assert not any(" may read ~" in w for w in kappas[(1.0, tilt)]["warnings"])


# The acceptance check (issue 4): kappa within 5 % of a/b at a resolution where the pores
# are resolved, b = 16 px through the film and up to 80 px along it, in a 921 px film
# (1536 px images). A sample's kappa is the mean over its cross-sections; here three
# (seeds 1-3), as a microscopist images a sample in several fields.
B_RESOLVED = 16.0
SAMPLE_SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def resolved() -> dict[tuple[float, float], list[Run]]:
    return {(ab, tilt): [_measure(ab, tilt, s, b_px=B_RESOLVED, size=1536)
                         for s in SAMPLE_SEEDS]
            for ab in RATIOS for tilt in TILTS}


@pytest.mark.slow
@pytest.mark.parametrize("ab", RATIOS)
@pytest.mark.parametrize("tilt", TILTS)
def test_resolved_film_detection(resolved, ab, tilt):
    for run in resolved[(ab, tilt)]:
        assert run[1] == pytest.approx(run[2], rel=0.02)  # thickness
        assert run[4] == pytest.approx(tilt, abs=1.0)  # film direction, degrees


@pytest.mark.slow
@pytest.mark.parametrize("ab", RATIOS)
@pytest.mark.parametrize("tilt", TILTS)
def test_resolved_kappa_within_5_percent(resolved, ab, tilt):
    kappa = float(np.mean([run[0] for run in resolved[(ab, tilt)]]))
    assert kappa == pytest.approx(ab, rel=0.05)


@pytest.mark.real
def test_the_specimen_alone_sets_the_threshold(real_dir):
    # A tilted foam seen above a flat grey vacuum (15 % of the field). With the vacuum in
    # the histogram, the phase levels looked uneven (residual 0.47), a local threshold was
    # chosen and only the darkest cell floors read as pore (porosity 0.26 of the
    # specimen). Thresholded on the specimen alone, the cell openings are pore, as in the
    # overlay a reviewer checks, and the vacuum is excluded, never pore (METHODS.md 0).
    from semscan.io import read_micrograph
    from semscan.measure.cross_section import detect_film
    from semscan.segment import segment_micrograph

    path = real_dir / "membrane_cells_hitachi.bmp"
    if not path.exists():
        pytest.skip(f"{path.name} is absent")
    with pytest.warns(UserWarning):  # uncalibrated
        mic = read_micrograph(path)
    res = analyze_micrograph(mic, config=CFG)
    assert res.view == "cross-section"
    seg = res.segmentation
    first = segment_micrograph(mic)
    film = detect_film(mic.image, calibration=mic.calibration, excluded=first.excluded,
                       pore=first.pore)
    alone = segment_micrograph(mic, region_excluded=~film.specimen)
    assert seg.method == alone.method == "otsu"
    assert seg.threshold == pytest.approx(alone.threshold)
    assert not (seg.pore & ~film.specimen).any()
    assert 0.45 < seg.pore_fraction < 0.75


@pytest.mark.parametrize(("tilt", "rotated"), [(0.5, False), (2.0, True)])
def test_only_films_tilted_over_a_degree_are_rotated(tilt, rotated):
    from semscan.pipeline.section import FILM_FRAME_MIN_DEG

    img, _, _, _ = imaged_cross_section(
        (384, 512), supersample=2, thickness_px=200, a_px=24, b_px=8, tilt_deg=tilt,
        porosity=0.5, seed=1, render_seed=1,
    )
    res = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.01), config=CFG,
                             view="cross-section")
    # measured: 0.5 deg -> not rotated, film direction 0.555; 2.0 deg -> rotated by 1.988,
    # residual direction in the frame -0.0002
    assert (res.frame_rotation is not None) is rotated
    if rotated:
        assert res.frame_rotation.angle_deg == pytest.approx(tilt, abs=0.3)
        assert abs(res.cross_section.film.direction_deg) < FILM_FRAME_MIN_DEG
    else:  # measured in the input's grid, the small tilt left to the film's own frame
        assert res.micrograph.shape == img.shape
        assert res.cross_section.film.direction_deg == pytest.approx(tilt, abs=0.3)
