"""Interface roughness (Ra / RMS) of find_layers against the exact truth, per wave and seed.

The two-layer phantom (:func:`semscan.phantoms.layers.two_layer_cross_section`, 560 x 1200,
420 px film, exact masks) with a sinusoidal interface of amplitude ``A`` and period ``P``:
for each seed, the interface's mean absolute depth error (px) and the errors of Ra and RMS
(%) against the truth sampled at the same positions about its own least-squares line (for
``A = 0``: Ra and RMS themselves, px: the noise floor), and the CPU time of find_layers.
With ``--floor N`` (``find_layers(interface_floor=N)``): the image's own floor estimate
(range, px), the errors of the floor-corrected Ra / RMS, and how many images are flagged
as below the detection floor.

Run: ``.venv/bin/python benchmarks/bench_roughness.py --seeds 0-9 [--floor 8]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from semscan.calibration import Calibration
from semscan.measure.cross_section import detect_film, film_frame
from semscan.measure.cross_section.layers import find_layers
from semscan.phantoms.layers import two_layer_cross_section

SHAPE, THICKNESS = (560, 1200), 420
WAVES = ((0.0, 600.0), (12.0, 600.0), (30.0, 600.0), (12.0, 300.0), (30.0, 300.0))


def _about_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    dev = y - np.polyval(np.polyfit(x, y, 1), x)
    return float(np.mean(np.abs(dev))), float(np.sqrt(np.mean(dev * dev)))


def one(amplitude: float, period: float, seed: int, floor: int = 0) -> dict[str, float]:
    """One phantom: interface error (px), Ra / RMS measured and true (px), CPU s."""
    cal = Calibration(0.01, "user")
    pore, spec, truth = two_layer_cross_section(SHAPE, thickness_px=THICKNESS,
                                                waviness_px=amplitude,
                                                wave_period_px=period, seed=seed)
    film = detect_film((spec & ~pore).astype(float), calibration=cal, pore=pore)
    fr = film_frame(film, pore)
    t0 = time.process_time()
    lay = find_layers(fr, film, calibration=cal, interface_floor=floor)
    cpu = time.process_time() - t0
    if lay.n_layers != 2:
        return {"n_layers": float(lay.n_layers), "cpu_s": cpu}
    itf = lay.interfaces[0]
    top = (SHAPE[0] - 1) / 2 - THICKNESS / 2
    true = top + np.interp(itf.positions_px, np.arange(SHAPE[1]), truth["interface_px"])
    ra, rms = _about_line(itf.positions_px, true)
    return {"n_layers": 2.0, "error_px": float(np.mean(np.abs(itf.depth_px - true))),
            "ra_px": itf.ra_um / 0.01, "rms_px": itf.rms_um / 0.01, "true_ra_px": ra,
            "true_rms_px": rms, "cpu_s": cpu, "floor_px": itf.floor_rms_um / 0.01,
            "ra_c_px": itf.ra_corrected_um / 0.01, "rms_c_px": itf.rms_corrected_um / 0.01,
            "flagged": float(itf.below_floor)}


def _range(values: list[float], unit: str) -> str:
    if unit == "%":
        return f"{min(values):+.0f} to {max(values):+.0f} %"
    return f"{min(values):.1f}-{max(values):.1f} px"


def main(seeds: range = range(5), floor: int = 0) -> None:
    extra = (f"  {'floor':>11}  {'Ra corrected':>17}  {'RMS corrected':>17}  flagged"
             if floor else "")
    print(f"{'A px':>5} {'P px':>5} {'seeds':>6}  {'error px':>10}  {'Ra':>17}  {'RMS':>17}"
          f"  {'CPU s':>6}{extra}")
    for amplitude, period in WAVES:
        rows = [one(amplitude, period, s, floor) for s in seeds]
        ok = [r for r in rows if r["n_layers"] == 2]
        err = max(r["error_px"] for r in ok) if ok else float("nan")
        if amplitude == 0:
            ra = f"{min(r['ra_px'] for r in ok):.1f}-{max(r['ra_px'] for r in ok):.1f} px"
            rms = f"{min(r['rms_px'] for r in ok):.1f}-{max(r['rms_px'] for r in ok):.1f} px"
        else:
            era = [100 * (r["ra_px"] / r["true_ra_px"] - 1) for r in ok]
            erms = [100 * (r["rms_px"] / r["true_rms_px"] - 1) for r in ok]
            ra = f"{min(era):+.0f} to {max(era):+.0f} %"
            rms = f"{min(erms):+.0f} to {max(erms):+.0f} %"
        cpu = statistics.median(r["cpu_s"] for r in rows)
        more = ""
        if floor and ok:
            unit = "px" if amplitude == 0 else "%"
            if amplitude == 0:
                rac = [r["ra_c_px"] for r in ok]
                rmsc = [r["rms_c_px"] for r in ok]
            else:
                rac = [100 * (r["ra_c_px"] / r["true_ra_px"] - 1) for r in ok]
                rmsc = [100 * (r["rms_c_px"] / r["true_rms_px"] - 1) for r in ok]
            flagged = sum(int(r["flagged"]) for r in ok)
            more = (f"  {_range([r['floor_px'] for r in ok], 'px'):>11}  "
                    f"{_range(rac, unit):>17}  {_range(rmsc, unit):>17}  "
                    f"{flagged:>3}/{len(ok)}")
        print(f"{amplitude:5.0f} {period:5.0f} {len(ok):>3}/{len(rows):<2}  <= {err:6.1f}  "
              f"{ra:>17}  {rms:>17}  {cpu:6.2f}{more}", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-4", help="first-last seed (inclusive), e.g. 0-9")
    ap.add_argument("--floor", type=int, default=0,
                    help="surrogates for the interface's noise floor (0: none)")
    a = ap.parse_args()
    lo, _, hi = a.seeds.partition("-")
    main(range(int(lo), int(hi or lo) + 1), a.floor)
