"""Dense chord lengths: semscan vs PoreSpy on Boolean-disc masks; prints a table.

Run by hand: ``.venv/bin/python benchmarks/bench_chords.py [--sizes 2048 4096] [--repeat 5]``.

PoreSpy's ``apply_chords(im, spacing=s, axis=1)`` keeps every (s+1)-th row (``spacing=1``
leaves a one-pixel gap, i.e. every second row; ``spacing=0`` is deprecated) and, with
``trim_edges=True``, removes every chord touching the border of the *sampled* image: the
first and last column and the whole first and last sampled row. semscan's
``chord_lengths(mask, direction='rows', spacing_px=2)`` reads the same rows; its complete
chords on rows 2 .. last-2 are therefore PoreSpy's chords, compared here as sorted
multisets. Times are the median of ``--repeat`` runs; peak memory from tracemalloc
(numpy allocations are traced; OpenCV/scipy internals are not).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import tracemalloc
import warnings

import numpy as np

from semscan.calibration import UNCALIBRATED
from semscan.measure import chord_lengths, intercept_method
from semscan.phantoms.geometry import boolean_discs


def _time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def _porespy_chords(pore: np.ndarray) -> np.ndarray:
    import porespy as ps

    labels = ps.filters.apply_chords(pore, spacing=1, axis=1, trim_edges=True, label=True)
    sizes = np.bincount(labels.ravel())[1:]
    return np.sort(sizes[sizes > 0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2048, 4096])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import porespy as ps

    r = 8.0
    lam = math.log(2) / (math.pi * r * r)
    rows = []
    for n in args.sizes:
        pore = ~boolean_discs((n, n), intensity_per_px2=lam, radius_px=r, seed=0)

        def sem_dense(p=pore):
            return chord_lengths(p, calibration=UNCALIBRATED)

        def sem_half(p=pore):
            return chord_lengths(p, calibration=UNCALIBRATED, spacing_px=2)

        def psy(p=pore):
            return _porespy_chords(p)

        def icpt(p=pore):
            return intercept_method(p, calibration=UNCALIBRATED, window_um="full")

        ref = psy()
        ours = np.sort(
            chord_lengths(pore[::2][1:-1], calibration=UNCALIBRATED).lengths.astype(np.int64)
        )
        identical = ref.size == ours.size and bool(np.array_equal(ref, ours))
        t_dense = _time(sem_dense, args.repeat)
        t_half = _time(sem_half, args.repeat)
        t_psy = _time(psy, args.repeat)
        t_int = _time(icpt, args.repeat)
        rows.append(
            (
                n,
                t_dense,
                t_half,
                t_psy,
                t_psy / t_half,
                _peak_mb(sem_half),
                _peak_mb(psy),
                t_int,
                ref.size,
                identical,
            )
        )
    print(f"PoreSpy {ps.__version__}; Boolean discs r={r:g} px, porosity 0.5; "
          f"median of {args.repeat}")
    head = (
        f"{'size':>6} {'semscan all rows s':>18} {'semscan every 2nd s':>19} "
        f"{'PoreSpy every 2nd s':>19} {'speed-up':>8} {'semscan MB':>10} {'PoreSpy MB':>10} "
        f"{'intercept 50 lines s':>20} {'n chords':>9} {'identical':>9}"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        print(
            f"{row[0]:>6} {row[1]:>18.4f} {row[2]:>19.4f} {row[3]:>19.4f} {row[4]:>7.1f}x "
            f"{row[5]:>10.1f} {row[6]:>10.1f} {row[7]:>20.4f} {row[8]:>9} {row[9]!s:>9}"
        )


if __name__ == "__main__":
    main()
