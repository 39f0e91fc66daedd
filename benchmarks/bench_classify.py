#!/usr/bin/env python3
"""Time of the structure features and the class prediction per image (printed table).

    .venv/bin/python benchmarks/bench_classify.py [--repeat 3]

Rows: one synthetic 1024x1024 image of each class (segmented as in training) and the real
micrographs of ../shared/data/real when that folder exists. Reading and segmentation are
not timed; "features" is structure_features, "predict" is classify_structure with its
explanation (one forest evaluation of 1 + n_features rows), "trend" is the scale-trend fit
inside the features (semscan.classify.perspective.scale_trend), "ratio" its fitted size
ratio and "rect" whether the image was rectified before the features. "fields s" is
classify_fields, what `semscan analyze` runs: features and prediction for each field of
about the training size (n = number of fields), probabilities averaged; the last two
columns are the class of the whole image as one field and in fields.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

from semscan.calibration import UNCALIBRATED
from semscan.classify.classes import CLASSES
from semscan.classify.features import structure_features
from semscan.classify.fields import classify_fields
from semscan.classify.model import classify_structure, load_model
from semscan.classify.perspective import scale_trend
from semscan.classify.training_data import generate, segment_for_training

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"


def _inputs():
    for cls in CLASSES:
        s = generate(cls, seed=123, shape=(1024, 1024))
        pore, solid, grey = segment_for_training(s.image)
        yield f"synthetic {cls}", pore, solid, grey, UNCALIBRATED
    if REAL.is_dir():
        from semscan.io import read_micrograph
        from semscan.segment import segment_micrograph

        for path in sorted(REAL.iterdir()):
            if path.suffix.lower() not in {".tif", ".tiff", ".png", ".bmp"}:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = read_micrograph(path)
                seg = segment_micrograph(m)
            yield path.name, seg.pore, seg.solid, seg.contrast_grey, m.calibration


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    model = load_model()
    classify_structure(np.zeros(len(model.feature_names)), model=model)  # warm up
    print(f"{'image':36s} {'shape':>11s} {'down':>4s} {'features s':>10s} {'trend s':>7s}"
          f" {'ratio':>5s} {'rect':>4s} {'predict s':>9s} {'fields s':>8s} {'n':>2s}"
          f"  one field -> in fields (confidence)")
    for name, pore, solid, grey, cal in _inputs():
        tf, tp, tt, tfl = [], [], [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            f = structure_features(pore, solid, calibration=cal, grey=grey)
            t1 = time.perf_counter()
            c = classify_structure(f, model=model)
            tp.append(time.perf_counter() - t1)
            tf.append(t1 - t0)
            t2 = time.perf_counter()
            scale_trend(pore, pore | solid)
            tt.append(time.perf_counter() - t2)
            t3 = time.perf_counter()
            cf = classify_fields(pore, solid, calibration=cal, grey=grey, model=model)
            tfl.append(time.perf_counter() - t3)
        shape = f"{pore.shape[0]}x{pore.shape[1]}"
        print(f"{name:36s} {shape:>11s} {f.downsample:>4d} {min(tf):10.3f} {min(tt):7.3f}"
              f" {f.scale_ratio:5.2f} {'yes' if f.rectified else 'no':>4s} {min(tp):9.3f}"
              f" {min(tfl):8.3f} {cf.n_fields:2d}  {c.label} ({c.confidence:.2f}) ->"
              f" {cf.label} ({cf.confidence:.2f})")


if __name__ == "__main__":
    main()
