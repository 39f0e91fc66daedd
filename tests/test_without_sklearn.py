"""Analysis needs no scikit-learn; training says how to get it (the ``train`` extra).

Each check runs in a fresh interpreter whose import system refuses ``sklearn``, as on an
installation without ``semscan[train]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from semscan.phantoms.render import render_sem
from semscan.segment import PixelClassifier
from tests._synthetic import random_discs

ROOT = Path(__file__).resolve().parents[1]

BLOCK_SKLEARN = textwrap.dedent("""
    import sys

    class _RefuseSklearn:
        def find_spec(self, name, path=None, target=None):
            if name == "sklearn" or name.startswith("sklearn."):
                raise ImportError(f"{name} is blocked in this test")
            return None

    sys.meta_path.insert(0, _RefuseSklearn())
""")


def _run(code: str) -> dict:
    res = subprocess.run([sys.executable, "-c", BLOCK_SKLEARN + textwrap.dedent(code)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_the_block_works():
    out = _run("""
        import json
        try:
            import sklearn  # noqa: F401
            print(json.dumps({"blocked": False}))
        except ImportError:
            print(json.dumps({"blocked": True}))
    """)
    assert out == {"blocked": True}


def test_analysis_of_a_bundled_sample_with_the_shipped_model_and_a_pixel_classifier(tmp_path):
    truth = random_discs((128, 128), n=40, r=7.0, seed=0)
    img = render_sem(truth, seed=0)
    labels = np.where(truth, 1, 2).astype(np.uint8)  # every pixel labelled: 1 pore, 2 solid
    clf_path = tmp_path / "pixels.json"
    PixelClassifier.train(img, labels, sigma_max_px=4, n_estimators=8).save(clf_path)
    out = _run(f"""
        import json
        import sys

        import semscan.pipeline
        from semscan.config import AnalysisConfig
        from semscan.io import read_micrograph
        from semscan.pipeline import analyze_micrograph

        m = read_micrograph("data/sample_surface.tif")
        res = analyze_micrograph(m, config=AnalysisConfig().with_overrides(
            {{"measure.local_thickness": False}}), view="surface")
        pixels = analyze_micrograph(m, config=AnalysisConfig().with_overrides(
            {{"measure.local_thickness": False, "classify.enabled": False,
              "segment.method": "classifier", "segment.classifier_path": {str(clf_path)!r}}}),
            view="surface")
        row = res.to_row()
        print(json.dumps({{"sklearn_loaded": "sklearn" in sys.modules,
                           "class": row["class"], "p": row["p_percolation"],
                           "porosity": pixels.to_row()["areal_porosity"]}}))
    """)
    assert out["sklearn_loaded"] is False
    assert out["class"] and 0.0 <= out["p"] <= 1.0
    assert 0.0 < out["porosity"] < 1.0


def test_training_says_how_to_install_scikit_learn(tmp_path):
    out = _run(f"""
        import json

        import numpy as np

        from semscan.classify.model import train_structure_model
        from semscan.errors import SemscanError
        from semscan.segment import PixelClassifier

        messages = []
        try:
            train_structure_model({str(tmp_path / "m.json")!r}, n_per_class=2,
                                  n_test_per_class=1, shape=(64, 64), n_estimators=2)
        except SemscanError as exc:
            messages.append(str(exc))
        labels = np.zeros((32, 32), np.uint8)
        labels[:16] = 1
        labels[16:] = 2
        try:
            PixelClassifier.train(np.random.default_rng(0).random((32, 32)), labels)
        except SemscanError as exc:
            messages.append(str(exc))
        print(json.dumps(messages))
    """)
    assert len(out) == 2
    for message in out:
        assert 'pip install "semscan[train]"' in message and "scikit-learn" in message
    assert not (tmp_path / "m.json").exists()
