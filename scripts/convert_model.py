#!/usr/bin/env python3
"""Convert a semscan model file between JSON and the binary format (``.smodel``).

    .venv/bin/python scripts/convert_model.py IN OUT [--compress] [--check-samples 20000]

Works for structure models and pixel classifiers (told apart by their ``"format"``); the
output format is chosen by OUT's name (``.json`` / ``.json.gz``: JSON, else binary). The
converted model is loaded back and must give exactly the same class probabilities as the
input on ``--check-samples`` random feature vectors (bit for bit), else nothing is kept.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from semscan._forest import read_model
from semscan.classify.model import StructureModel, load_model
from semscan.segment import load_pixel_classifier


def _load(path: Path):
    payload, _, _ = read_model(path)
    if isinstance(payload, dict) and str(payload.get("format", "")).startswith(
            "semscan-pixel-classifier"):
        return load_pixel_classifier(path)
    return load_model(path)


def _samples(model, n: int, seed: int) -> np.ndarray:
    """Feature vectors that reach every part of the trees: around the training medians for
    a structure model, spread over each split feature's thresholds for both."""
    forest = model.forest if isinstance(model, StructureModel) else model.ensemble
    rng = np.random.default_rng(seed)
    thresholds = np.concatenate([t.threshold[t.left >= 0] for t in forest.trees])
    features = np.concatenate([t.feature[t.left >= 0] for t in forest.trees])
    X = np.empty((n, forest.n_features))
    for f in range(forest.n_features):
        ts = thresholds[features == f]
        X[:, f] = rng.choice(ts, n) + rng.normal(0, 1e-9, n) if ts.size else rng.normal(0, 1, n)
    if isinstance(model, StructureModel):  # half of them near the medians, as real fields
        half = n // 2
        X[:half] = model.feature_medians * rng.lognormal(0.0, 0.5, (half, forest.n_features))
    return X


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--compress", action="store_true", help="zlib-compress a binary output")
    ap.add_argument("--check-samples", type=int, default=20_000)
    args = ap.parse_args()
    model = _load(args.src)
    tmp = args.dst.with_name(args.dst.name + ".tmp" + "".join(args.dst.suffixes[-2:]))
    if isinstance(model, StructureModel):
        model.save(tmp, compress=args.compress)
    else:
        if args.compress:
            print("--compress is for structure models only; writing uncompressed")
        model.save(tmp)
    back = _load(tmp)
    forest = model.forest if isinstance(model, StructureModel) else model.ensemble
    forest_back = back.forest if isinstance(back, StructureModel) else back.ensemble
    X = _samples(model, args.check_samples, seed=0)
    same = True
    for dtype in (np.float64, np.float32):
        a, b = forest.predict_proba(X.astype(dtype)), forest_back.predict_proba(X.astype(dtype))
        same &= bool(np.array_equal(a, b))
        print(f"{dtype.__name__}: {len(X)} samples, probabilities identical: "
              f"{np.array_equal(a, b)} (max difference {np.abs(a - b).max():.3g}); "
              f"{len(np.unique(a.argmax(1)))} classes predicted")
    same &= model.to_dict() == back.to_dict()
    print(f"same JSON payload after the round trip: {model.to_dict() == back.to_dict()}")
    if not same:
        tmp.unlink()
        print("not converted: the models differ", file=sys.stderr)
        return 1
    tmp.replace(args.dst)
    print(f"{args.src} ({args.src.stat().st_size / 1e6:.2f} MB) -> {args.dst} "
          f"({args.dst.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
