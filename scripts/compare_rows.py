#!/usr/bin/env python3
"""Dump the full result rows of the bundled samples and the real micrographs, or compare two dumps.

    PYTHONPATH=/path/to/checkout python scripts/compare_rows.py dump OUT.json [--shared PATH]
    python scripts/compare_rows.py compare OLD.json NEW.json

``dump`` analyses ``data/*.tif``, ``data/*/*.tif`` (of this repository) and every image in
``PATH/data/real`` (default ``../shared``) with the default configuration and the semscan
found first on ``PYTHONPATH`` (run it once with another checkout for "old"), and writes per
image :meth:`~semscan.pipeline.result.ImageResult.to_row`, the structure class's
probabilities and reasons, the verdict signals and each layer's class, floats as ``repr``
(every bit). ``compare`` prints every field that differs (timings, versions and the file
path left out) and the count. A check of "identical results" after a speed change.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE_SUFFIXES = {".tif", ".tiff", ".png", ".bmp"}
SKIPPED = ("file",)


def _encode(v: object) -> object:
    import numpy as np

    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (np.integer,)):
        return int(v)
    return v if isinstance(v, (int, str, bool, type(None))) else repr(v)


def dump(out: Path, shared: Path) -> None:
    from semscan.config import AnalysisConfig
    from semscan.pipeline import analyze_path, load_models

    paths = sorted(ROOT.glob("data/*.tif")) + sorted(ROOT.glob("data/*/*.tif"))
    real = shared / "data" / "real"
    if real.is_dir():
        paths += sorted(p for p in real.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    cfg = AnalysisConfig()
    models = load_models(cfg)
    rows: dict[str, dict[str, object]] = {}
    for path in paths:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = analyze_path(path, config=cfg, models=models)
        row = {k: _encode(v) for k, v in r.to_row().items()}
        if r.structure is not None:
            row["_probabilities"] = {k: repr(v) for k, v in r.structure.probabilities.items()}
            row["_reasons"] = list(r.structure.reasons)
        if r.verdict_detail is not None:
            row["_signals"] = {k: repr(v) for k, v in
                               dataclasses.asdict(r.verdict_detail.signals).items()}
        section = getattr(r, "cross_section", None)
        if section is not None:
            row["_layers"] = [[layer.structure, repr(layer.structure_confidence)]
                              for layer in section.layers.layers]
        rows[path.name] = row
        print(path.name, row.get("class"), row.get("verdict"), file=sys.stderr)
    out.write_text(json.dumps(rows, indent=1, sort_keys=True))


def _ignored(field: str) -> bool:
    return field in SKIPPED or "timing" in field or "version" in field


def compare(old: Path, new: Path) -> int:
    a, b = json.loads(old.read_text()), json.loads(new.read_text())
    n = 0
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            print(f"{name}: only in {'new' if name in b else 'old'}")
            n += 1
            continue
        for field in sorted(set(a[name]) | set(b[name])):
            if not _ignored(field) and a[name].get(field) != b[name].get(field):
                print(f"{name} {field}: {a[name].get(field)!r} -> {b[name].get(field)!r}")
                n += 1
    print(f"{n} differences over {len(set(a) | set(b))} images")
    return 1 if n else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = ap.parse_args()
    if args.cmd == "dump":
        dump(args.out, args.shared)
    else:
        sys.exit(compare(args.old, args.new))


if __name__ == "__main__":
    main()
