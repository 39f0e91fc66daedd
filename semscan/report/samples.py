"""One row per sample: image counts per view and the surface-to-internal ratio R.

A sample pools all its images per view (METHODS.md 5): the surface views' pore intercepts
and the cross-sections' interior intercepts along the film are pooled line by line, and
``R = d_surface / d_internal`` gets an interval propagated from both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from semscan.errors import MeasurementError
from semscan.measure.paired import LineTotals, surface_to_internal_ratio

__all__ = ["is_rejected", "sample_rows"]


def is_rejected(row: dict[str, Any]) -> bool:
    """Whether a reviewer rejected this image (its row is kept, marked, but it counts in no
    sample aggregate)."""
    return row.get("review_status") == "rejected"


def _mean(values: list[Any]) -> float | None:
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return sum(vals) / len(vals) if vals else None


def sample_rows(details: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Summarise per-image JSON records (``images/<stem>.json``) by sample.

    Parameters
    ----------
    details : iterable of dict
        Per-image records with ``row`` and (optionally) ``sample_pool``.

    Returns
    -------
    list of dict
        One row per sample, sorted by name: ``sample``, ``n_images``, ``n_surface``,
        ``n_cross_section``, mean areal porosity of each view, mean kappa, and the ratio
        fields of :class:`~semscan.measure.paired.RatioResult` (empty when a view is
        missing, with ``ratio_note`` saying why). Images a reviewer rejected
        (``review_status == 'rejected'``, :func:`semscan.report.review_queue.record_review`)
        count in none of these: ``n_rejected`` says how many were left out.

    Examples
    --------
    >>> sample_rows([{"row": {"sample": "A", "view": "surface", "areal_porosity": 0.5}}])[0][
    ...     "ratio_note"]
    'no cross-section view'
    >>> r = sample_rows([{"row": {"sample": "A", "view": "surface", "areal_porosity": 0.5}},
    ...                  {"row": {"sample": "A", "view": "surface", "areal_porosity": 0.9,
    ...                           "review_status": "rejected"}}])[0]
    >>> r["n_images"], r["n_rejected"], r["surface_areal_porosity_mean"]
    (1, 1, 0.5)
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for d in details:
        groups.setdefault(str(d["row"].get("sample") or ""), []).append(d)
    rows = []
    for sample in sorted(groups):
        items = [d for d in groups[sample] if not is_rejected(d["row"])]
        n_rejected = len(groups[sample]) - len(items)
        surf = [d for d in items if d["row"].get("view") == "surface"]
        xs = [d for d in items if d["row"].get("view") == "cross-section"]
        row: dict[str, Any] = {
            "sample": sample,
            "n_images": len(items),
            "n_surface": len(surf),
            "n_cross_section": len(xs),
            "surface_areal_porosity_mean": _mean([d["row"].get("areal_porosity") for d in surf]),
            "cross_section_areal_porosity_mean": _mean(
                [d["row"].get("areal_porosity") for d in xs]
            ),
            "kappa_mean": _mean([d["row"].get("xs_kappa") for d in xs]),
            "n_rejected": n_rejected,
        }
        s_pool = [LineTotals.from_dict(d["sample_pool"]) for d in surf if d.get("sample_pool")]
        x_pool = [LineTotals.from_dict(d["sample_pool"]) for d in xs if d.get("sample_pool")]
        note = ""
        if not items:
            note = "every image of the sample was rejected by a reviewer"
        elif not surf:
            note = "no surface view"
        elif not xs:
            note = "no cross-section view"
        elif not x_pool:
            note = "no measurable cross-section interior"
        if note:
            row["ratio_note"] = note
            rows.append(row)
            continue
        try:
            ratio = surface_to_internal_ratio(s_pool, x_pool, sample=sample)
        except MeasurementError as exc:
            row["ratio_note"] = str(exc)
        else:
            row.update({k: v for k, v in ratio.to_dict().items() if k != "sample"})
            row["ratio_note"] = ""
        rows.append(row)
    return rows
