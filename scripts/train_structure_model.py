#!/usr/bin/env python3
"""Retrain the shipped structure classifier and its model card (METHODS.md 8).

    .venv/bin/python scripts/train_structure_model.py [--seed 0] [--n-per-class 800] [--n-jobs 2]

Writes semscan/classify/models/structure.smodel (the model, package data) and
models/structure.card.json (the model card). Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from semscan.classify.model import train_structure_model

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-per-class", type=int, default=800)
    ap.add_argument("--n-test-per-class", type=int, default=100)
    ap.add_argument("--n-jobs", type=int, default=2,
                    help="processes generating the data (the model does not depend on it)")
    ap.add_argument("--n-estimators", type=int, default=250)
    ap.add_argument("--max-canvas", type=float, default=1.0,
                    help="cut each field from a canvas 1 to this many times its side, "
                         "segmented whole (1: field-size images, as the shipped model)")
    ap.add_argument("--out", type=Path, default=ROOT / "semscan/classify/models/structure.smodel")
    ap.add_argument("--card", type=Path, default=ROOT / "models/structure.card.json")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    report = train_structure_model(
        args.out, seed=args.seed, n_per_class=args.n_per_class,
        n_test_per_class=args.n_test_per_class, n_estimators=args.n_estimators,
        canvas_scale=(1.0, args.max_canvas), card_path=args.card, n_jobs=args.n_jobs,
    )
    print(f"model {report.model_path} sha256 {report.sha256}")
    print(f"held-out accuracy {report.accuracy:.3f}")
    for cls, acc in report.per_class_accuracy.items():
        print(f"  {cls:20s} {acc:.3f}")
    print("confusion (rows true, columns predicted):", ", ".join(report.classes))
    for cls, row in zip(report.classes, report.confusion, strict=True):
        print(f"  {cls:20s} {row}")


if __name__ == "__main__":
    main()
