"""Report build time and file sizes for batches of 2 and of 500 images; prints a table.

Run by hand: ``.venv/bin/python benchmarks/bench_report.py [--sizes 2 500] [--source DIR]``.

The 2-image folder is ``semscan analyze data/`` (run here unless ``--source`` gives such a
folder). A 500-image folder is made from it without faking any number: each image's
real record (``images/<stem>.json``, its chord file and overlay) is copied under a new
name, with a new sha256 (of the copy's name) and file name, into 50 samples; the tables
(``results.csv``, ``samples.csv``) are rebuilt from those records the way
``semscan analyze`` writes them (:func:`semscan.report.records.write_tables`). The
report is then built from each folder with :func:`semscan.report.build.build_report`,
one format at a time and all three; wall and CPU seconds of this process (the PDF of a
batch of more than 50 images has per-image pages for the flagged images only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def analysed_folder(where: Path) -> Path:
    """``semscan analyze data/`` into ``where`` (the bundled samples)."""
    subprocess.run([sys.executable, "-c", "from semscan.cli import main; main()", "analyze",
                    str(REPO / "data"), "--out", str(where), "--jobs", "1"],
                   check=True, capture_output=True, cwd=REPO)
    return where


def replicate(source: Path, dest: Path, n_images: int, n_samples: int = 50) -> Path:
    """A folder of ``n_images`` copies of ``source``'s image records (see the module doc)."""
    import pandas as pd

    from semscan.report.outputs import CSV_ENCODING, atomic_write
    from semscan.report.records import write_tables

    records = [json.loads(p.read_text(encoding="utf-8"))
               for p in sorted((source / "images").glob("*.json"))]
    for sub in ("images", "chords", "overlays"):
        (dest / sub).mkdir(parents=True, exist_ok=True)
    for name in ("run.json", "config.toml"):
        shutil.copy(source / name, dest / name)
    rows = []
    for i in range(n_images):
        rec = json.loads(json.dumps(records[i % len(records)]))
        old = rec["row"]["output_stem"]
        name = f"img{i:04d}-{Path(rec['file']).name}"
        sha = hashlib.sha256(name.encode()).hexdigest()
        stem = f"{Path(name).stem}-{sha[:8]}"
        sample = f"S{i % n_samples:02d}"
        rec.update(file=f"lot/{name}", sha256=sha, sample=sample)
        rec["row"].update(file=f"lot/{name}", name=name, sha256=sha, sample=sample,
                          output_stem=stem, overlay=f"overlays/{stem}.png")
        rec["row"].pop("mask", None)
        atomic_write(dest / "images" / f"{stem}.json", json.dumps(rec))
        shutil.copy(source / "chords" / f"{old}.parquet", dest / "chords" / f"{stem}.parquet")
        shutil.copy(source / "overlays" / f"{old}.png", dest / "overlays" / f"{stem}.png")
        rows.append(rec["row"])
    write_tables(dest, rows, parquet=False)
    # samples.csv: the source's sample row for each sample (same images, same numbers)
    samples = pd.read_csv(source / "samples.csv", encoding="utf-8-sig")
    table = pd.concat([samples.iloc[[0]].assign(sample=f"S{k:02d}")
                       for k in range(min(n_samples, n_images))], ignore_index=True)
    atomic_write(dest / "samples.csv", table.to_csv(index=False), encoding=CSV_ENCODING)
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2, 500])
    ap.add_argument("--source", type=Path, help="an analysed output folder of data/")
    args = ap.parse_args(argv)
    from semscan.report.build import FORMATS, build_report

    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        source = args.source or analysed_folder(work / "source")
        print(f"{'images':>6} {'format':>6} {'wall s':>8} {'CPU s':>8} {'size':>10}")
        for n in args.sizes:
            folder = source if n == len(list((source / "images").glob("*.json"))) else (
                replicate(source, work / f"n{n}", n))
            for fmt in ("html", "pdf", "xlsx", "all"):
                t0, c0 = time.perf_counter(), time.process_time()
                files = build_report(folder, formats=(fmt,) if fmt != "all" else FORMATS)
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                paths = ([files.html, files.pdf, files.xlsx] if fmt == "all"
                         else [getattr(files, fmt)])
                size = sum(p.stat().st_size for p in paths) / 1e6
                print(f"{n:>6} {fmt:>6} {dt:>8.2f} {cpu:>8.2f} {size:>8.2f} MB",
                      flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
