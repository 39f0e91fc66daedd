"""Re-measuring from an edited label image, and saving it into an output folder."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from semscan.micrograph import Micrograph
from semscan.phantoms.films import imaged_cross_section
from semscan.pipeline import analyze_micrograph
from semscan.pipeline.remeasure import RemeasureError, label_edit, remeasure
from tests.napari._files import disc_image


@pytest.fixture(scope="module")
def surface():
    grey, _ = disc_image(seed=3)
    return analyze_micrograph(Micrograph.from_array(grey, pixel_size_um=0.01), view="surface")


def test_unchanged_labels_give_the_same_numbers(surface):
    new = remeasure(surface, surface.labels_full)
    old_row, new_row = surface.to_row(), new.to_row()
    for key, value in old_row.items():
        if key in ("seg_method_reason", "warnings"):
            continue
        assert new_row[key] == value or (value != value and new_row[key] != new_row[key]), key
    assert "re-measured from masks edited by a reviewer" in new_row["warnings"]


def test_erasing_pores_changes_porosity_by_exactly_that_area(surface):
    labels = surface.labels_full
    pore_px = np.argwhere(labels == 1)[::7][:400]
    labels[tuple(pore_px.T)] = 0
    new = remeasure(surface, labels)
    region = int((labels != 2).sum())
    assert new.porosity.n_pixels == region
    assert surface.porosity.porosity - new.porosity.porosity == pytest.approx(400 / region,
                                                                              abs=1e-15)
    assert new.porosity.n_pore_pixels == surface.porosity.n_pore_pixels - 400
    assert label_edit(surface.labels_full, labels).to_dict() == {
        "review_pixels_changed": 400, "review_to_pore": 0, "review_to_solid": 400,
        "review_to_excluded": 0}


def test_excluding_shrinks_the_region(surface):
    labels = surface.labels_full
    labels[:50] = 2
    new = remeasure(surface, labels)
    assert new.porosity.n_pixels == int((labels != 2).sum())
    assert new.segmentation.excluded_fraction == pytest.approx((labels == 2).mean(), abs=1e-6)


def test_quick_skips_only_the_slow_parts(surface):
    labels = surface.labels_full
    labels[10:20, 10:20] = 1
    quick, full = remeasure(surface, labels, quick=True), remeasure(surface, labels)
    assert quick.porosity.porosity == full.porosity.porosity
    assert quick.pore_intercept.mean == full.pore_intercept.mean
    assert quick.local_thickness is None and quick.structure is None and quick.verdict == ""
    assert full.local_thickness is not None and full.verdict in ("ok", "review", "unreliable")


def test_bad_labels_are_refused(surface):
    with pytest.raises(RemeasureError, match="shape"):
        remeasure(surface, np.zeros((3, 3), np.uint8))
    bad = surface.labels_full
    bad[0, 0] = 7
    with pytest.raises(RemeasureError, match=r"values \[7\]"):
        remeasure(surface, bad)


@pytest.fixture(scope="module")
def tilted():
    """A tilted synthetic section (semscan.phantoms), measured in its film frame."""
    img, _, _, _ = imaged_cross_section(
        (288, 384), supersample=2, thickness_px=150, a_px=18, b_px=6, tilt_deg=15.0,
        porosity=0.5, seed=2, render_seed=2,
    )
    res = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.01),
                             view="cross-section")
    assert res.frame_rotation is not None and res.cross_section is not None
    return res


def test_an_unedited_tilted_cross_section_remeasures_to_the_batch_numbers(tilted):
    new = remeasure(tilted, tilted.labels_full)
    _same_row(tilted.to_row(), new.to_row())
    assert new.frame_rotation is tilted.frame_rotation
    np.testing.assert_array_equal(new.segmentation.labels(), tilted.segmentation.labels())
    assert new.cross_section.film is tilted.cross_section.film  # the surfaces found before


def test_an_edit_of_a_tilted_section_is_carried_into_its_film_frame(tilted):
    labels = tilted.labels_full
    block = np.zeros(labels.shape, bool)
    block[120:170, 150:230] = True
    erased = block & (labels == 1)
    n_erased = int(erased.sum())
    assert n_erased > 500
    labels[erased] = 0
    new = remeasure(tilted, labels)
    shown = new.labels_full
    # what the reviewer sees after the re-measure is what was painted (nearest-pixel round
    # trip through the rotated frame): measured 100 % of the block; outside it, only a few
    # pixels of the two-pixel ring around it differ (measured 8 of 524)
    assert (shown[block] == labels[block]).mean() > 0.995
    ring = ndi.binary_dilation(block, iterations=2) & ~block
    assert np.array_equal(shown[~block & ~ring], labels[~block & ~ring])
    assert (shown[ring] != labels[ring]).mean() < 0.05
    # a rotation keeps areas: the frame lost as many pore pixels as were erased, within 2 %
    # (measured 1776 for 1769)
    lost = tilted.porosity.n_pore_pixels - new.porosity.n_pore_pixels
    assert lost == pytest.approx(n_erased, rel=0.02)
    assert new.porosity.n_pixels == tilted.porosity.n_pixels


def _same_row(a, b):
    for key, value in a.items():
        if key in ("seg_method_reason", "warnings"):
            continue
        assert b[key] == value or (value != value and b[key] != b[key]), key


def test_a_level_cross_section_is_remeasured_on_its_film():
    grey, _ = disc_image((120, 256), seed=4, n=30, r=5.0)
    img = np.full((240, 256), 0.05, np.float32)
    img[60:180] = grey
    res = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.01), view="cross-section")
    assert res.frame_rotation is None and res.cross_section is not None
    _same_row(res.to_row(), remeasure(res, res.labels_full).to_row())
    labels = res.labels_full
    labels[100:140, 100:140][labels[100:140, 100:140] == 1] = 0
    new = remeasure(res, labels)
    assert new.cross_section.film is res.cross_section.film  # the film found before
    assert new.porosity.n_pore_pixels < res.porosity.n_pore_pixels


def test_successive_remeasures_of_edits_equal_fresh_ones(surface):
    """What a re-measure keeps for the next one (local-thickness map, verdict grey signals,
    field features) changes no number: each edit re-measured from the kept state equals
    a re-measure of a fresh copy of the result, which has none."""
    import dataclasses

    labels = surface.labels_full
    steps = []
    a = labels.copy()
    a[30:60, 40:80][a[30:60, 40:80] == 1] = 0
    steps.append(a)
    b = a.copy()
    b[100:120, 150:190] = 1
    steps.append(b)
    c = b.copy()
    c[:25, :] = 2
    steps.append(c)
    steps.append(labels)
    remeasure(surface, labels)  # fills the state of the unedited masks
    for edited in steps:
        kept = remeasure(surface, edited).to_row()
        fresh = remeasure(dataclasses.replace(surface), edited).to_row()
        _same_row(fresh, kept)


def test_a_saved_tilted_review_reopens_to_the_saved_numbers(tilted):
    """The reviewed mask saved in the file's grid, re-measured again from the batch's
    result (what napari does when it reopens a reviewed image), gives the saved numbers."""
    labels = tilted.labels_full
    rng = np.random.default_rng(0)
    for _ in range(5):
        r, c = rng.integers(0, 270), rng.integers(0, 360)
        h, w = rng.integers(3, 60, 2)
        labels[r : r + h, c : c + w] = rng.integers(0, 3)
    first = remeasure(tilted, labels)
    saved = first.labels_full
    reopened = remeasure(tilted, saved)
    np.testing.assert_array_equal(reopened.segmentation.labels(), first.segmentation.labels())
    np.testing.assert_array_equal(reopened.labels_full, saved)
    _same_row(first.to_row(), reopened.to_row())


def test_a_laminated_section_remeasures_as_the_batch_judges_it():
    """A re-measure finishes a section as the analysis does (pipeline.measurements.
    finish_section): each layer classified, the section's verdict; unedited, the same."""
    from pathlib import Path

    from semscan.io import read_micrograph

    path = Path(__file__).resolve().parents[2] / "data" / "two_layer" / "sample_two_layer_xs.tif"
    res = analyze_micrograph(read_micrograph(path))
    layers = res.cross_section.layers
    assert layers.n_layers == 2 and all(la.structure for la in layers.layers)
    again = remeasure(res, res.labels_full)
    assert [(la.structure, la.structure_confidence) for la in again.cross_section.layers.layers] \
        == [(la.structure, la.structure_confidence) for la in layers.layers]
    assert (again.verdict, again.verdict_reason) == (res.verdict, res.verdict_reason)


def test_successive_remeasures_of_a_tilted_section_equal_fresh_ones(tilted):
    """What a re-measure of a tilted section keeps (the film frame's geometry, the profile
    bands, layer-search blocks and laminar coefficients by content; the carried edit
    resampled only where it reaches) changes no number and no layer: each edit re-measured
    from the kept state equals a re-measure of a fresh copy of the result, row, layer rows
    and film-frame labels."""
    import dataclasses

    labels = tilted.labels_full
    rng = np.random.default_rng(7)
    steps, a = [], labels.copy()
    for k in range(3):
        r, c = int(rng.integers(40, 220)), int(rng.integers(0, 320))
        a = a.copy()
        block = a[r : r + 40, c : c + 50]
        block[block == 1] = 0 if k != 1 else 1
        if k == 1:
            a[r : r + 12, c : c + 30] = 1
        if k == 2:
            a[r : r + 15, c : c + 15] = 2
        steps.append(a)
    steps.append(labels)
    remeasure(tilted, labels)  # fills the state of the unedited masks
    for edited in steps:
        kept = remeasure(tilted, edited)
        fresh = remeasure(dataclasses.replace(tilted), edited)
        np.testing.assert_array_equal(kept.segmentation.labels(), fresh.segmentation.labels())
        _same_row(fresh.to_row(), kept.to_row())
        assert kept.cross_section.layers.rows() == fresh.cross_section.layers.rows() or all(
            _same_row(x, y) is None
            for x, y in zip(fresh.cross_section.layers.rows(), kept.cross_section.layers.rows(),
                            strict=True))
