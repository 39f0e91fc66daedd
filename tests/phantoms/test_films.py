import math

import numpy as np
import pytest

from semscan.errors import ConfigError
from semscan.phantoms.films import (
    render_cross_section,
    synthetic_cross_section,
)
from semscan.phantoms.geometry import boolean_ellipses


def test_film_geometry_exact():
    pore, spec, truth = synthetic_cross_section((200, 300), thickness_px=100, a_px=6, b_px=3,
                                                seed=0)
    counts = spec.sum(axis=0)
    assert np.all(counts == 100)
    assert not (pore & ~spec).any()
    assert truth["kappa"] == 2.0
    assert truth["intercept_along_px"] / truth["intercept_through_px"] == pytest.approx(2.0)


def test_tilted_thickness_along_normal():
    _, spec, _ = synthetic_cross_section((400, 400), thickness_px=120, a_px=6, b_px=3,
                                         tilt_deg=30, seed=0)
    # along a column, a film tilted by t has thickness / cos(t) pixels
    assert spec[:, 200].sum() == pytest.approx(120 / math.cos(math.radians(30)), abs=1.5)


def test_porosity_and_skin():
    pore, spec, truth = synthetic_cross_section((400, 600), thickness_px=300, a_px=8, b_px=4,
                                                porosity=0.5, skin_px=40, seed=1)
    assert pore[spec].mean() == pytest.approx(0.5, abs=0.05)
    assert truth["skin_side"] == "top"
    assert truth["skin_intercept_along_px"] == pytest.approx(0.4 * truth["intercept_along_px"])


def test_boolean_field_orientation():
    m = boolean_ellipses((300, 300), intensity_per_px2=2e-4, a_px=12, b_px=3,
                         angle_deg=90, seed=0, germ_window="padded")
    rows = np.abs(np.diff(m.astype(int), axis=1)).sum()
    cols = np.abs(np.diff(m.astype(int), axis=0)).sum()
    assert rows > 2 * cols  # vertical ellipses: many transitions along rows


def test_render_backgrounds():
    pore, spec, _ = synthetic_cross_section((120, 160), thickness_px=60, a_px=5, b_px=3, seed=0)
    dark = render_cross_section(pore, spec, seed=0)
    emb = render_cross_section(pore, spec, background="embedding", seed=0)
    assert dark[~spec].mean() < emb[~spec].mean()
    with pytest.raises(ConfigError, match="background"):
        render_cross_section(pore, spec, background="foam", seed=0)  # type: ignore[arg-type]


def test_bad_options():
    with pytest.raises(ConfigError, match="thickness_px"):
        synthetic_cross_section((50, 50), thickness_px=0, a_px=3, b_px=2)
    with pytest.raises(ConfigError, match="porosity"):
        synthetic_cross_section((50, 50), thickness_px=10, a_px=3, b_px=2, porosity=1.0)
    with pytest.raises(ConfigError, match="semi-axes"):
        boolean_ellipses((10, 10), intensity_per_px2=0.1, a_px=0, b_px=1, seed=0,
                         germ_window="padded")
