"""semscan.report.samples: one row per sample, views pooled, R = d_surface / d_internal."""

from __future__ import annotations

import pytest

from semscan.report.samples import sample_rows


def _pool(chord_um: float, n_lines: int = 50, per_line: int = 8) -> dict:
    """Line totals of ``n_lines`` lines each crossing ``per_line`` chords of one length."""
    return {"sums": [chord_um * per_line] * n_lines, "counts": [float(per_line)] * n_lines,
            "n_intercepts": n_lines * per_line, "n_truncated": 0, "unit": "µm"}


def _image(sample, view, porosity, pool=None, kappa=None):
    row = {"sample": sample, "view": view, "areal_porosity": porosity}
    if kappa is not None:
        row["xs_kappa"] = kappa
    return {"row": row, "sample_pool": pool}


def test_a_sample_with_both_views_gets_its_ratio():
    details = [_image("B", "surface", 0.4, _pool(0.2)), _image("B", "surface", 0.6, _pool(0.2)),
               _image("B", "cross-section", 0.3, _pool(0.1), kappa=2.0),
               _image("B", "cross-section", 0.5, _pool(0.1), kappa=4.0)]
    (row,) = sample_rows(details)
    assert (row["sample"], row["n_images"], row["n_surface"], row["n_cross_section"]) == (
        "B", 4, 2, 2)
    assert row["surface_areal_porosity_mean"] == pytest.approx(0.5)
    assert row["cross_section_areal_porosity_mean"] == pytest.approx(0.4)
    assert row["kappa_mean"] == 3.0
    assert row["ratio_R"] == pytest.approx(2.0)
    assert row["d_surface_um"] == pytest.approx(0.2) and row["d_internal_um"] == pytest.approx(0.1)
    assert row["ratio_ci95_low"] <= 2.0 <= row["ratio_ci95_high"]
    assert row["ratio_note"] == "" and "sample" in row


def test_samples_are_sorted_and_a_missing_view_is_said():
    details = [_image("Z", "cross-section", 0.2, _pool(0.1)), _image("A", "surface", 0.5),
               _image("M", "surface", 0.5, _pool(0.2)), _image("M", "cross-section", 0.3)]
    rows = sample_rows(details)
    assert [r["sample"] for r in rows] == ["A", "M", "Z"]
    assert [r["ratio_note"] for r in rows] == [
        "no cross-section view", "no measurable cross-section interior", "no surface view"]
    assert all("ratio_R" not in r for r in rows)
    assert rows[0]["kappa_mean"] is None and rows[0]["cross_section_areal_porosity_mean"] is None


def test_no_images_no_rows():
    assert sample_rows([]) == []


def test_rejected_images_count_in_no_aggregate_nor_in_r():
    rejected = _image("B", "cross-section", 0.9, _pool(0.05), kappa=9.0)
    rejected["row"]["review_status"] = "rejected"
    details = [_image("B", "surface", 0.4, _pool(0.2)),
               _image("B", "cross-section", 0.3, _pool(0.1), kappa=2.0), rejected]
    (row,) = sample_rows(details)
    assert (row["n_images"], row["n_cross_section"], row["n_rejected"]) == (2, 1, 1)
    assert row["cross_section_areal_porosity_mean"] == pytest.approx(0.3)
    assert row["kappa_mean"] == 2.0
    assert row["ratio_R"] == pytest.approx(2.0)  # 0.2 / 0.1, the rejected 0.05 left out
    accepted = dict(rejected, row={**rejected["row"], "review_status": "accepted"})
    (with_it,) = sample_rows([*details[:2], accepted])
    assert with_it["n_rejected"] == 0 and with_it["kappa_mean"] == pytest.approx(5.5)
    assert with_it["ratio_R"] == pytest.approx(0.2 / 0.075)  # lines pooled: d_int 0.075
    # a sample whose only cross-section was rejected has no R, and says why
    (alone,) = sample_rows([details[0], rejected])
    assert alone["ratio_note"] == "no cross-section view" and "ratio_R" not in alone
    (none,) = sample_rows([rejected])
    assert none["n_images"] == 0 and none["ratio_note"].startswith("every image")
