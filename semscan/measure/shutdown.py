"""Shutdown of a laminated separator: paired sections before and after a heat treatment.

The meta-aramid separator claims describe a film of two porous layers, an aramid layer and
a heat-melting thermoplastic layer; at an elevated temperature the thermoplastic layer
melts and plugs its pores while the aramid layer keeps its shape (shutdown). With
cross-sections of one sample in two states (manifest column ``state``: the reference
``as-made`` and a treatment such as ``150C-10min``), semscan compares each layer
(:mod:`semscan.measure.cross_section.layers`, numbered from the top surface) before and
after: areal porosity and the 50-line pore intercept along the film, with their 95 %
intervals, and the change.

The source documents give no numbers for "plugs its pores" or "keeps its shape"; semscan
states its thresholds:

- a layer is **closed** when its porosity fell by at least :data:`CLOSED_DROP` (50 %)
  of its value before, and the intervals of the porosity before and after do not overlap
  (the drop is not noise);
- a layer is **kept** when its porosity changed by at most :data:`KEPT_CHANGE` (20 %)
  of its value before and the 95 % intervals of its pore intercept d before and after
  overlap (d kept within its interval);
- otherwise it **changed** (neither closed nor kept); ``undetermined`` when a value is
  missing.

Verdict of the pair: ``'thermoplastic layer closed, aramid layer kept'`` when at least one
layer closed and at least one was kept (the closed one is the thermoplastic layer, the
kept one the aramid); ``'no layer closed'``; ``'every layer closed'`` (no layer kept its
structure); ``'layers changed'`` (some closed or changed, none kept); ``'undetermined'``
when the two states do not show the same number of layers (the layers cannot be paired).

Several sections of one state are combined per layer: the mean of their values, the
interval half-widths combined as for a mean of independent estimates
(``sqrt(sum hw^2) / n``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["CLOSED_DROP", "KEPT_CHANGE", "REFERENCE_STATES", "LayerChange", "LayerState",
           "ShutdownResult", "combine_states", "compare_shutdown", "is_reference_state"]

CLOSED_DROP = 0.5
"""Relative porosity drop (of the value before) from which a layer is closed."""

KEPT_CHANGE = 0.2
"""Largest relative porosity change of a layer that kept its structure."""

REFERENCE_STATES = ("as-made", "as made", "asmade", "before", "untreated", "pristine")
"""States (case-insensitive) taken as the reference a treatment is compared with."""

LayerStatus = Literal["closed", "kept", "changed", "undetermined"]

_NAN = float("nan")


def is_reference_state(state: str) -> bool:
    """True for a reference state (:data:`REFERENCE_STATES`).

    Examples
    --------
    >>> is_reference_state("As-made"), is_reference_state("150C-10min")
    (True, False)
    """
    return state.strip().lower() in REFERENCE_STATES


@dataclass(frozen=True)
class LayerState:
    """One layer of a sample in one state (lengths in ``unit``).

    Attributes
    ----------
    layer : int
        1 = the top layer.
    porosity : float
    porosity_ci95 : tuple of float
    d_um : float
        Mean pore intercept along the film (50-line method).
    d_ci95_um : tuple of float
    n_images : int
    unit : str
    """

    layer: int
    porosity: float
    porosity_ci95: tuple[float, float]
    d_um: float
    d_ci95_um: tuple[float, float]
    n_images: int = 1
    unit: str = "µm"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> LayerState:
        """From a ``layers.csv`` row (:meth:`Layer.to_dict <semscan.measure.cross_section.
        layers.Layer.to_dict>`), in µm or px.

        Examples
        --------
        >>> s = LayerState.from_row({"layer": 2, "areal_porosity": 0.4,
        ...     "areal_porosity_ci95_low": 0.38, "areal_porosity_ci95_high": 0.42,
        ...     "d_along_um": 0.2, "d_along_ci95_low_um": 0.19, "d_along_ci95_high_um": 0.21})
        >>> s.layer, s.d_um, s.unit
        (2, 0.2, 'µm')
        """
        u = "um" if "d_along_um" in row else "px"

        def num(key: str) -> float:
            v = row.get(key)
            try:
                return float(v) if v is not None and v != "" else _NAN
            except (TypeError, ValueError):
                return _NAN

        return cls(int(row["layer"]), num("areal_porosity"),
                   (num("areal_porosity_ci95_low"), num("areal_porosity_ci95_high")),
                   num(f"d_along_{u}"), (num(f"d_along_ci95_low_{u}"),
                                         num(f"d_along_ci95_high_{u}")),
                   1, "µm" if u == "um" else "px")


def _combine(values: Sequence[float], intervals: Sequence[tuple[float, float]]
             ) -> tuple[float, tuple[float, float]]:
    n = len(values)
    mean = sum(values) / n
    hw = math.sqrt(sum(((hi - lo) / 2.0) ** 2 for lo, hi in intervals)) / n
    return mean, (mean - hw, mean + hw)


def combine_states(states: Iterable[LayerState]) -> list[LayerState]:
    """Several sections of one sample and state, combined layer by layer (module text).

    Examples
    --------
    >>> a = LayerState(1, 0.5, (0.48, 0.52), 0.5, (0.45, 0.55))
    >>> b = LayerState(1, 0.4, (0.38, 0.42), 0.6, (0.55, 0.65))
    >>> c = combine_states([a, b])[0]
    >>> round(c.porosity, 3), c.n_images, round(c.porosity_ci95[1] - c.porosity, 4)
    (0.45, 2, 0.0141)
    """
    by_layer: dict[int, list[LayerState]] = {}
    for s in states:
        by_layer.setdefault(s.layer, []).append(s)
    out = []
    for layer in sorted(by_layer):
        group = by_layer[layer]
        if len(group) == 1:
            out.append(group[0])
            continue
        p, pci = _combine([g.porosity for g in group], [g.porosity_ci95 for g in group])
        d, dci = _combine([g.d_um for g in group], [g.d_ci95_um for g in group])
        out.append(LayerState(layer, p, pci, d, dci, len(group), group[0].unit))
    return out


@dataclass(frozen=True)
class LayerChange:
    """One layer before and after the treatment.

    Attributes
    ----------
    before, after : LayerState
    porosity_change : float
        After minus before (absolute).
    porosity_change_rel : float
        ``porosity_change / before.porosity``.
    d_change_rel : float
        ``after.d_um / before.d_um - 1``.
    status : {'closed', 'kept', 'changed', 'undetermined'}
    reason : str
    """

    before: LayerState
    after: LayerState
    porosity_change: float
    porosity_change_rel: float
    d_change_rel: float
    status: LayerStatus
    reason: str


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _change(before: LayerState, after: LayerState) -> LayerChange:
    dp = after.porosity - before.porosity
    rel = dp / before.porosity if before.porosity > 0 else _NAN
    d_rel = after.d_um / before.d_um - 1.0 if before.d_um > 0 else _NAN
    vals = (before.porosity, after.porosity, *before.porosity_ci95, *after.porosity_ci95)
    if not all(math.isfinite(v) for v in vals) or not math.isfinite(rel):
        return LayerChange(before, after, dp, rel, d_rel, "undetermined",
                           "porosity or its interval missing")
    sep = not _overlap(before.porosity_ci95, after.porosity_ci95)
    if rel <= -CLOSED_DROP and sep:
        return LayerChange(before, after, dp, rel, d_rel, "closed",
                           f"porosity fell by {-100 * rel:.0f} % (>= {100 * CLOSED_DROP:.0f} %), "
                           "intervals apart")
    d_ok = all(math.isfinite(v) for v in (*before.d_ci95_um, *after.d_ci95_um)) and _overlap(
        before.d_ci95_um, after.d_ci95_um)
    if abs(rel) <= KEPT_CHANGE and d_ok:
        return LayerChange(before, after, dp, rel, d_rel, "kept",
                           f"porosity changed by {100 * rel:+.0f} % (within "
                           f"{100 * KEPT_CHANGE:.0f} %), d intervals overlap")
    why = (f"porosity changed by {100 * rel:+.0f} %"
           + ("" if d_ok else ", d intervals apart or missing"))
    return LayerChange(before, after, dp, rel, d_rel, "changed", why)


@dataclass(frozen=True)
class ShutdownResult:
    """The shutdown comparison of one sample: each layer and the verdict.

    Attributes
    ----------
    sample, state_before, state_after : str
    changes : tuple of LayerChange
        Top layer first (empty when the layers cannot be paired).
    verdict : str
        See the module docstring.
    reason : str
    """

    sample: str
    state_before: str
    state_after: str
    changes: tuple[LayerChange, ...]
    verdict: str
    reason: str

    def rows(self) -> list[dict[str, object]]:
        """One ``shutdown.csv`` row per layer (one row without layer when unpaired)."""
        head = {"sample": self.sample, "state_before": self.state_before,
                "state_after": self.state_after, "verdict": self.verdict,
                "verdict_reason": self.reason,
                "closed_drop_threshold": CLOSED_DROP, "kept_change_threshold": KEPT_CHANGE}
        if not self.changes:
            return [head]
        out = []
        for ch in self.changes:
            b, a = ch.before, ch.after
            u = "um" if b.unit == "µm" else "px"
            out.append({
                **head,
                "layer": b.layer,
                "porosity_before": b.porosity,
                "porosity_before_ci95_low": b.porosity_ci95[0],
                "porosity_before_ci95_high": b.porosity_ci95[1],
                "porosity_after": a.porosity,
                "porosity_after_ci95_low": a.porosity_ci95[0],
                "porosity_after_ci95_high": a.porosity_ci95[1],
                "porosity_change": ch.porosity_change,
                "porosity_change_rel": ch.porosity_change_rel,
                f"d_before_{u}": b.d_um,
                f"d_before_ci95_low_{u}": b.d_ci95_um[0],
                f"d_before_ci95_high_{u}": b.d_ci95_um[1],
                f"d_after_{u}": a.d_um,
                f"d_after_ci95_low_{u}": a.d_ci95_um[0],
                f"d_after_ci95_high_{u}": a.d_ci95_um[1],
                "d_change_rel": ch.d_change_rel,
                "n_images_before": b.n_images,
                "n_images_after": a.n_images,
                "layer_status": ch.status,
                "layer_reason": ch.reason,
            })
        return out


def compare_shutdown(
    before: Sequence[LayerState],
    after: Sequence[LayerState],
    *,
    sample: str = "",
    state_before: str = "as-made",
    state_after: str = "",
) -> ShutdownResult:
    """Compare the layers of a sample before and after a heat treatment (module docstring).

    Parameters
    ----------
    before, after : sequence of LayerState
        One per layer, top first (:func:`combine_states` for several sections).
    sample, state_before, state_after : str
        Recorded in the result.

    Returns
    -------
    ShutdownResult

    Examples
    --------
    >>> aramid = LayerState(1, 0.50, (0.48, 0.52), 0.55, (0.52, 0.58))
    >>> pe = LayerState(2, 0.40, (0.38, 0.42), 0.19, (0.18, 0.20))
    >>> pe_shut = LayerState(2, 0.05, (0.04, 0.06), 0.08, (0.07, 0.09))
    >>> res = compare_shutdown([aramid, pe], [aramid, pe_shut], state_after="150C-10min")
    >>> res.verdict, [c.status for c in res.changes]
    ('thermoplastic layer closed, aramid layer kept', ['kept', 'closed'])
    """
    if len(before) != len(after) or not before:
        return ShutdownResult(sample, state_before, state_after, (), "undetermined",
                              f"{len(before)} layer(s) {state_before or 'before'}, "
                              f"{len(after)} {state_after or 'after'}: the layers cannot be "
                              "paired")
    changes = tuple(_change(b, a) for b, a in zip(before, after, strict=True))
    status = [c.status for c in changes]
    closed = [c.before.layer for c in changes if c.status == "closed"]
    kept = [c.before.layer for c in changes if c.status == "kept"]
    if closed and kept:
        verdict = "thermoplastic layer closed, aramid layer kept"
        reason = (f"layer(s) {', '.join(map(str, closed))} closed, "
                  f"{', '.join(map(str, kept))} kept")
    elif "undetermined" in status:
        verdict, reason = "undetermined", "a layer's porosity or interval is missing"
    elif not closed:
        verdict, reason = "no layer closed", "; ".join(
            f"layer {c.before.layer}: {c.reason}" for c in changes)
    elif all(s == "closed" for s in status):
        verdict, reason = "every layer closed", "no layer kept its structure"
    else:
        verdict, reason = "layers changed", "; ".join(
            f"layer {c.before.layer} {c.status}: {c.reason}" for c in changes)
    return ShutdownResult(sample, state_before, state_after, changes, verdict, reason)
