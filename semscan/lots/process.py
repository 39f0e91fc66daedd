"""Process checks that lots carry (METHODS.md section 9): no image analysis.

* :func:`process_window`: the PVDF membrane patent's percolation window (solvent definition
  (B)) from a series of dissolution temperatures Ts with the breaking extension TL and the
  porosity P of the membranes made at each.
* :func:`rolling_check`: the rolled polyolefin film patent's elastic recovery rate r and
  rolling coefficient k.

Both are plain functions of numbers (no database); their results can be attached to a lot
as lab values (``semscan lots lab LOT elastic_recovery=12.5%``).
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path

from semscan.errors import LotError

__all__ = ["ProcessWindow", "RollingCheck", "process_window", "read_window_csv", "rolling_check"]

#: Step of the dissolution temperature series the patent's definition uses (°C).
TS_STEP_C = 5.0
#: The rolled polyolefin film patent's limits: r <= 20 %, k >= 5.
R_MAX_PCT = 20.0
K_MIN = 5.0


@dataclass(frozen=True)
class ProcessWindow:
    """The percolation window of a solvent (°C).

    ``tl_c``: the lower limit Tl, ``tu_c``: the upper limit Tu; ``qualifies`` is Tu > Tl;
    ``ts_c`` and ``ts_in_window`` are set when a dissolution temperature was given to check
    (``Tl <= Ts <= Tu``), else None.
    """

    tl_c: float
    tu_c: float
    qualifies: bool
    ts_c: float | None
    ts_in_window: bool | None
    n_points: int

    def to_dict(self) -> dict:
        return asdict(self)


def process_window(
    ts_c: list[float],
    tl_pct: list[float],
    p_pct: list[float],
    *,
    check_ts_c: float | None = None,
) -> ProcessWindow:
    """Tl and Tu of the percolation window (METHODS.md 9, PVDF patent solvent definition (B)).

    ``Tu = (Ts where -(TL(Ts+5) - TL(Ts))/5 is largest) + 2.5 °C`` and
    ``Tl = (Ts where (P(Ts+5) - P(Ts))/5 is largest) + 2.5 °C``; the solvent qualifies
    when Tu > Tl. The patent leaves ties open: semscan takes the lowest such Ts.

    Parameters
    ----------
    ts_c : list of float
        Dissolution temperatures (°C), in 5 °C steps (sorted here).
    tl_pct : list of float
        Breaking extension TL of the membrane made at each Ts (%).
    p_pct : list of float
        Porosity P of the membrane made at each Ts (%).
    check_ts_c : float, optional
        A dissolution temperature to check against the window.

    Raises
    ------
    LotError
        Fewer than two points, lists of different lengths, or steps other than 5 °C.

    Examples
    --------
    The patent's worked example:

    >>> w = process_window([135, 140, 145, 150, 155, 160],
    ...                    [380, 400, 353, 290, 90, 75],
    ...                    [42.0, 54.0, 54.6, 54.3, 52.9, 53.5], check_ts_c=145)
    >>> w.tl_c, w.tu_c, w.qualifies, w.ts_in_window
    (137.5, 152.5, True, True)
    """
    n = len(ts_c)
    if not (n == len(tl_pct) == len(p_pct)) or n < 2:
        raise LotError(
            f"the process window needs Ts, TL and P series of one length >= 2; received "
            f"{len(ts_c)} Ts, {len(tl_pct)} TL and {len(p_pct)} P values; give one row per "
            "dissolution temperature")
    rows = sorted(zip(map(float, ts_c), map(float, tl_pct), map(float, p_pct), strict=True))
    if not all(math.isfinite(v) for row in rows for v in row):
        raise LotError("the process window series hold a missing or non-finite value; "
                       "give a number in every Ts, TL and P cell")
    steps = [b[0] - a[0] for a, b in pairwise(rows)]
    bad = [s for s in steps if abs(s - TS_STEP_C) > 1e-9]
    if bad:
        raise LotError(f"the patent's definition uses Ts in {TS_STEP_C:g} °C steps; received "
                       f"steps {sorted(set(bad))} °C; give one row every {TS_STEP_C:g} °C")
    drop = [-(b[1] - a[1]) / TS_STEP_C for a, b in pairwise(rows)]
    rise = [(b[2] - a[2]) / TS_STEP_C for a, b in pairwise(rows)]
    tu = rows[drop.index(max(drop))][0] + TS_STEP_C / 2
    tl = rows[rise.index(max(rise))][0] + TS_STEP_C / 2
    inside = None if check_ts_c is None else bool(tl <= float(check_ts_c) <= tu)
    return ProcessWindow(tl, tu, bool(tu > tl),
                         None if check_ts_c is None else float(check_ts_c), inside, n)


def read_window_csv(path: str | Path) -> tuple[list[float], list[float], list[float]]:
    """The Ts, TL and P columns of a CSV file (header names ``Ts``, ``TL``, ``P``, any case;
    an optional unit suffix such as ``Ts_C`` or ``P_pct`` is allowed)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise LotError(f"cannot read the process-window table {path}: {exc}; give a CSV "
                       "file with columns Ts, TL, P") from exc
    if not rows:
        raise LotError(f"{path} holds no rows; give a CSV file with columns Ts, TL, P")

    def col(name: str) -> str:
        for key in rows[0]:
            k = (key or "").strip().lower()
            if k == name or k.startswith(name + "_") or k.startswith(name + " "):
                return key
        raise LotError(f"{path} has no column {name!r} (columns: {list(rows[0])}); give "
                       "columns Ts, TL, P")

    out = []
    for name in ("ts", "tl", "p"):
        key = col(name)
        try:
            out.append([float(r[key]) for r in rows])
        except (TypeError, ValueError) as exc:
            raise LotError(f"{path}: column {key!r} holds a value that is not a number "
                           f"({exc}); give numbers only") from exc
    return out[0], out[1], out[2]


@dataclass(frozen=True)
class RollingCheck:
    """Elastic recovery rate r (%) and rolling coefficient k of a rolled film, with the
    patent's limits (r <= 20 %, k >= 5) and whether each is met."""

    r_pct: float
    k: float
    r_max_pct: float
    k_min: float
    r_ok: bool
    k_ok: bool

    def to_dict(self) -> dict:
        return asdict(self)


def rolling_check(
    *, t0_um: float, t_um: float, before_um: float, after_um: float, minutes: float
) -> RollingCheck:
    """r and k of the rolled polyolefin film patent (METHODS.md 9).

    ``r = 100 (t - t0) / t0`` (%), t0 the roll clearance and t the sheet thickness after
    release; ``k = (thickness before / thickness after) x rolling time in minutes``.
    Any consistent length unit works (µm by name).

    Raises
    ------
    LotError
        A length that is not positive, or a negative time.

    Examples
    --------
    >>> c = rolling_check(t0_um=20, t_um=23, before_um=100, after_um=25, minutes=1.5)
    >>> c.r_pct, c.k, c.r_ok, c.k_ok
    (15.0, 6.0, True, True)
    """
    for name, v in (("t0", t0_um), ("t", t_um), ("before", before_um), ("after", after_um)):
        if not (math.isfinite(v) and v > 0):
            raise LotError(f"rolling check: {name} must be a positive length; received {v!r}")
    if not (math.isfinite(minutes) and minutes >= 0):
        raise LotError(f"rolling check: the rolling time must be >= 0 minutes; received "
                       f"{minutes!r}")
    r = 100.0 * (t_um - t0_um) / t0_um
    k = before_um / after_um * minutes
    return RollingCheck(r, k, R_MAX_PCT, K_MIN, bool(r <= R_MAX_PCT), bool(k >= K_MIN))
