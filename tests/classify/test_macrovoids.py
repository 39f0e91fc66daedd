"""Membrane sections with finger voids are cellular (METHODS.md 8, issue 18 item 6).

The fifth model's coarse class was trained with a "percolation plus macrovoids" variant,
so a sponge matrix with finger voids read coarse (0.85, 0.84). The sixth model learnt
macrovoid sections as cellular (models/README.md): cellular is now the most probable class
of both sections, but seed 7 stays under the model's confidence threshold (cellular 0.40
against 0.50, so 'uncertain'); that part is a strict expected failure.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from semscan.phantoms.structures import _bandpass_field, _threshold_at


def _finger_section(seed: int, shape: tuple[int, int] = (512, 512)) -> np.ndarray:
    """Sponge matrix (band-pass field, porosity 0.45, 14 px scale) with tapered finger voids
    (8 per field, 120-240 px long, aspect 5) running down the image, as an image."""
    from semscan.phantoms.render import render_sem

    rng = np.random.default_rng(seed)
    pore = _threshold_at(_bandpass_field(rng, shape, 14.0, 0.35), 0.45)
    rr, cc = np.mgrid[0:shape[0], 0:shape[1]]
    for _ in range(8):
        r0, c0 = rng.uniform(0.2, 0.8) * shape[0], rng.uniform(0, shape[1])
        length = 200.0 * rng.uniform(0.6, 1.2)
        t = (rr - (r0 - length / 2)) / length
        width = length / 5 * np.sqrt(np.clip(t, 0, 1))  # narrow top, round bottom
        pore |= (np.abs(cc - c0) <= width / 2) & (t >= 0) & (t <= 1)
    return render_sem(pore, seed=seed)


def _classify(seed):
    from semscan.micrograph import Micrograph
    from semscan.pipeline import analyze_micrograph

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze_micrograph(Micrograph.from_array(_finger_section(seed), pixel_size_um=0.01),
                                 view="surface")
    return res.structure


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 8])
def test_finger_void_section_is_most_likely_cellular(seed):
    p = _classify(seed).probabilities
    assert max(p, key=p.get) == "cellular", p
    assert p["coarse"] < 0.2, p  # the fifth model: coarse 0.85, 0.84


@pytest.mark.slow
@pytest.mark.parametrize("seed", [
    pytest.param(7, marks=pytest.mark.xfail(strict=True, reason="cellular 0.40, under the "
                                            "sixth model's threshold 0.50: uncertain")),
    8,
])
def test_finger_void_section_is_cellular(seed):
    s = _classify(seed)
    assert s.label == "cellular", s.probabilities
