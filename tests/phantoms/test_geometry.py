import math

import numpy as np
import pytest

from semscan.errors import ConfigError
from semscan.phantoms.geometry import (
    boolean_disc_chord_mean,
    boolean_disc_digital_chord_mean,
    boolean_disc_porosity,
    boolean_discs,
    boolean_ellipses,
    stripes,
)


def test_stripes_exact_widths():
    m = stripes((4, 20), pore_width_px=3, solid_width_px=2)
    assert m[0].astype(int).tolist() == [1, 1, 1, 0, 0] * 4
    h = stripes((20, 4), pore_width_px=3, solid_width_px=2, angle_deg=90)
    assert np.all(h == h[:, :1]) and h[:, 0].sum() in (12, 13)


def test_boolean_model_stereology_consistency():
    lam, r = 0.001, 10.0
    p = boolean_disc_porosity(lam, r)
    void = boolean_disc_chord_mean(lam, r)
    grain = boolean_disc_chord_mean(lam, r, phase="grains")
    p_l = 4 * r * lam * p  # boundary points per unit length
    assert void == pytest.approx(p / (p_l / 2))
    assert grain == pytest.approx((1 - p) / (p_l / 2))
    assert boolean_disc_digital_chord_mean(lam, r) == pytest.approx(void + 0.5, abs=0.05)


def test_generators_deterministic_and_area_fraction():
    a = boolean_discs((512, 512), intensity_per_px2=0.002, radius_px=6, seed=7)
    b = boolean_discs((512, 512), intensity_per_px2=0.002, radius_px=6, seed=7)
    assert np.array_equal(a, b)
    assert a.mean() == pytest.approx(1 - math.exp(-0.002 * math.pi * 36), abs=0.02)
    e = boolean_ellipses((512, 512), intensity_per_px2=0.002, a_px=9, b_px=4, seed=7)
    assert e.mean() == pytest.approx(1 - math.exp(-0.002 * math.pi * 36), abs=0.02)
    with pytest.raises(ConfigError, match="radius_px"):
        boolean_discs((8, 8), intensity_per_px2=0.1, radius_px=-1)
