"""Speed and peak memory of read_micrograph.

Run by hand: ``python benchmarks/bench_read.py``. Prints one row per file: the median
and minimum wall time of 20 reads and the peak traced memory (tracemalloc) of one read.
Files: a constructed 1536 x 1103 FEI TIFF (1024 image rows + a 79-row data bar, FEI tag)
and the real ``retic_skan_fei.tif`` from ``../shared/data/real`` when present.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import tifffile

from semscan.io import read_micrograph

REAL = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real").resolve()
N_RUNS = 20

FEI_TEXT = (
    "[System]\r\nSystemType=Quanta FEG\r\n\r\n[Beam]\r\nHV=10000\r\n\r\n"
    "[Scan]\r\nPixelWidth=1.34896e-07\r\nHorFieldsize=0.0002072\r\n\r\n"
    "[Image]\r\nResolutionX=1536\r\nResolutionY=1024\r\n\r\n"
    "[PrivateFei]\r\nDatabarHeight=79\r\n"
)


def make_fei(path: Path) -> Path:
    """Write a 1536 x 1103 uint8 FEI TIFF: noise image + black data bar with text."""
    rng = np.random.default_rng(0)
    img = np.clip(rng.normal(110, 35, (1103, 1536)), 0, 255).astype(np.uint8)
    img[1024:] = 4
    img[1024] = 252
    img[1040:1060, 20:300] = 252
    tifffile.imwrite(path, img, extratags=[(34682, 2, None, FEI_TEXT, True)])
    return path


def bench(path: Path) -> tuple[float, float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times = []
        for _ in range(N_RUNS):
            t0 = time.perf_counter()
            read_micrograph(path)
            times.append(time.perf_counter() - t0)
        tracemalloc.start()
        read_micrograph(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return statistics.median(times) * 1e3, min(times) * 1e3, peak / 2**20


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = [("constructed FEI 1536x1103 uint8", make_fei(Path(tmp) / "fei.tif"))]
        real = REAL / "retic_skan_fei.tif"
        if real.is_file():
            files.append(("retic_skan_fei.tif 1536x1094", real))
        print(f"{'file':<34} {'median ms':>10} {'min ms':>8} {'peak MiB':>9}")
        for label, path in files:
            med, lo, peak = bench(path)
            print(f"{label:<34} {med:>10.1f} {lo:>8.1f} {peak:>9.1f}")


if __name__ == "__main__":
    main()
