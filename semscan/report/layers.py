"""``layers.csv`` and ``shutdown.csv``: the layers of laminated films and their shutdown.

``layers.csv`` holds one row per layer of every cross-section whose film has layers
(:mod:`semscan.measure.cross_section.layers`), with the image's file, sample and state in
front. ``shutdown.csv`` compares, for each sample with cross-sections in a reference state
(``as-made``, :data:`~semscan.measure.shutdown.REFERENCE_STATES`) and another state, each
layer before and after (:func:`~semscan.measure.shutdown.compare_shutdown`; several
sections of one state are combined). Both are rebuilt from the folder's records like
``results.csv``, and removed when there is nothing to write.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from semscan.measure.shutdown import (
    LayerState,
    combine_states,
    compare_shutdown,
    is_reference_state,
)
from semscan.report.outputs import CSV_ENCODING, atomic_write

__all__ = ["layer_rows", "shutdown_rows", "write_layer_tables"]

_FRONT = ("file", "output_stem", "sample", "state")


def layer_rows(details: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per layer: ``file``, ``output_stem``, ``sample``, ``state``, then the layer's.

    Parameters
    ----------
    details : iterable of dict
        ``{"row": results row, "layers": its layer rows or None}`` per image.

    Examples
    --------
    >>> rows = layer_rows([{"row": {"file": "a.tif", "sample": "S", "state": "as-made"},
    ...                     "layers": [{"layer": 1, "areal_porosity": 0.5}]}])
    >>> rows[0]["file"], rows[0]["state"], rows[0]["layer"]
    ('a.tif', 'as-made', 1)
    """
    out = []
    for d in details:
        row = d.get("row") or {}
        for layer in d.get("layers") or ():
            out.append({**{k: row.get(k, "") for k in _FRONT}, **layer})
    return out


def shutdown_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``shutdown.csv`` rows from ``layers.csv`` rows (:func:`layer_rows`).

    Each sample with a reference state and at least one other state gets one comparison
    per other state, one row per layer.

    Examples
    --------
    >>> def r(state, layer, p, d):
    ...     return {"sample": "S", "state": state, "file": state + ".tif", "layer": layer,
    ...             "areal_porosity": p, "areal_porosity_ci95_low": p - 0.01,
    ...             "areal_porosity_ci95_high": p + 0.01, "d_along_um": d,
    ...             "d_along_ci95_low_um": d * 0.95, "d_along_ci95_high_um": d * 1.05}
    >>> out = shutdown_rows([r("as-made", 1, 0.5, 0.55), r("as-made", 2, 0.45, 0.19),
    ...                      r("150C", 1, 0.5, 0.55), r("150C", 2, 0.2, 0.1)])
    >>> out[0]["verdict"], [o["layer_status"] for o in out]
    ('thermoplastic layer closed, aramid layer kept', ['kept', 'closed'])
    """
    groups: dict[str, dict[str, dict[str, list[LayerState]]]] = {}
    for row in rows:
        state = str(row.get("state") or "")
        if not state:
            continue
        sample = str(row.get("sample") or "")
        by_file = groups.setdefault(sample, {}).setdefault(state, {})
        by_file.setdefault(str(row.get("file")), []).append(LayerState.from_row(row))
    out: list[dict[str, Any]] = []
    for sample in sorted(groups):
        states = groups[sample]
        refs = [s for s in states if is_reference_state(s)]
        if not refs:
            continue
        ref = refs[0]
        for other in sorted(s for s in states if not is_reference_state(s)):
            before, after = (_combined(states[ref]), _combined(states[other]))
            res = compare_shutdown(before, after, sample=sample, state_before=ref,
                                   state_after=other)
            out.extend(res.rows())
    return out


def _combined(by_file: dict[str, list[LayerState]]) -> list[LayerState]:
    """Sections of one state combined layer by layer; sections must agree on the count."""
    counts = {len(v) for v in by_file.values()}
    if len(counts) != 1:
        return []  # the sections disagree on the number of layers: cannot be paired
    return combine_states(s for states in by_file.values() for s in states)


def write_layer_tables(out: Path, details: list[dict[str, Any]]) -> None:
    """Write ``layers.csv`` and ``shutdown.csv`` (or remove them when empty)."""
    import pandas as pd  # heavy: imported only when a table is written

    rows = layer_rows(details)
    tables = {"layers.csv": rows, "shutdown.csv": shutdown_rows(rows)}
    for name, table in tables.items():
        if table:
            atomic_write(out / name, pd.DataFrame(table).to_csv(index=False),
                         encoding=CSV_ENCODING)
        else:
            (out / name).unlink(missing_ok=True)
