"""Time the cross-section analysis of a 1536 x 1103 synthetic image, per stage (median of 5).

Run: ``.venv/bin/python benchmarks/bench_cross_section.py``
"""

from __future__ import annotations

import statistics
import time

from semscan.calibration import Calibration
from semscan.measure import cross_section as xs
from semscan.phantoms.films import synthetic_cross_section


def main(repeats: int = 5) -> None:
    cal = Calibration(0.01, "user")
    pore, spec, _ = synthetic_cross_section((1103, 1536), thickness_px=600, a_px=16, b_px=8,
                                            tilt_deg=12, waviness_px=10, skin_px=60, seed=0)
    img = (spec & ~pore).astype(float)
    times: dict[str, list[float]] = {k: [] for k in
                                     ("film detection", "thickness", "depth profile", "laminar")}
    for _ in range(repeats):
        t0 = time.perf_counter()
        film = xs.detect_film(img, calibration=cal, pore=pore)
        t1 = time.perf_counter()
        xs.measure_thickness(film, calibration=cal)
        t2 = time.perf_counter()
        fr = xs.film_frame(film, pore)
        prof = xs.depth_profile(pore, film, calibration=cal, frame=fr)
        t3 = time.perf_counter()
        xs.laminar_coefficient(pore, film, calibration=cal, frame=fr,
                               exclude_top_um=prof.layer_top.thickness_um or 0.0)
        t4 = time.perf_counter()
        for k, v in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            v and times[k].append(v)
    print(f"{'stage':<16} {'median s':>9}")
    total = 0.0
    for k, v in times.items():
        m = statistics.median(v)
        total += m
        print(f"{k:<16} {m:9.3f}")
    print(f"{'total':<16} {total:9.3f}")


if __name__ == "__main__":
    main()
