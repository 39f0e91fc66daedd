import math

import numpy as np
import pytest

from semscan.errors import ConfigError, MeasurementError
from semscan.measure import porosity
from semscan.phantoms.geometry import boolean_disc_porosity, boolean_discs


def test_boolean_discs_porosity_closed_form_and_ci_covers():
    r, lam = 8.0, math.log(2) / (math.pi * 64)
    truth = boolean_disc_porosity(lam, r)
    covered, values = 0, []
    for seed in range(3):
        m = ~boolean_discs((2048, 2048), intensity_per_px2=lam, radius_px=r, seed=seed)
        res = porosity(m)
        values.append(res.porosity)
        covered += res.ci95[0] <= truth <= res.ci95[1]
    assert np.mean(values) == pytest.approx(truth, rel=0.015)
    assert covered >= 2
    assert boolean_disc_porosity(lam, r, pores="grains") == pytest.approx(1 - truth)


def test_region_counts_only_analysed_pixels():
    pore = np.zeros((20, 20), dtype=bool)
    pore[:10] = True
    region = np.ones_like(pore)
    region[15:] = False
    res = porosity(pore, region=region)
    assert res.n_pixels == 300 and res.n_pore_pixels == 200
    assert res.porosity == pytest.approx(2 / 3)
    assert res.to_dict("surface_")["surface_areal_porosity"] == res.porosity


def test_edge_cases():
    assert porosity(np.zeros((8, 8), bool)).porosity == 0.0
    full = porosity(np.ones((8, 8), bool))
    assert full.porosity == 1.0 and full.ci95 == (1.0, 1.0)
    one_row = porosity(np.ones((1, 8), bool))
    assert math.isnan(one_row.ci95[0])
    with pytest.raises(MeasurementError, match="region is empty"):
        porosity(np.ones((8, 8), bool), region=np.zeros((8, 8), bool))
    with pytest.raises(MeasurementError, match="2-D"):
        porosity(np.ones(8, bool))
    with pytest.raises(ConfigError, match="n_lines"):
        porosity(np.ones((8, 8), bool), n_lines=0)
