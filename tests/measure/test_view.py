from pathlib import Path

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED
from semscan.errors import ConfigError
from semscan.measure.view import decide_view, detect_view
from semscan.synth.cross_section import (
    boolean_ellipse_field,
    render_cross_section,
    synthetic_cross_section,
)
from semscan.synth.render import render_sem

REAL = Path(__file__).parents[2] / ".." / "shared" / "data" / "real"


@pytest.mark.parametrize("background", ["dark", "embedding"])
def test_synthetic_section_detected(background):
    pore, spec, _ = synthetic_cross_section((300, 400), thickness_px=150, a_px=8, b_px=4,
                                            tilt_deg=20, seed=0)
    img = render_cross_section(pore, spec, background=background, seed=0)
    d = detect_view(img, calibration=UNCALIBRATED)
    assert (d.view, d.source) == ("cross-section", "detected")
    assert d.score > 0.3 and "flat region" in d.reason


def test_synthetic_surface_not_a_section():
    pore = boolean_ellipse_field((300, 400), intensity_per_px2=0.004, a_px=6, b_px=6, seed=0)
    d = detect_view(render_sem(pore, seed=0), calibration=UNCALIBRATED)
    assert d.view == "surface"


def test_decide_view_priority():
    img = np.zeros((40, 40))
    assert decide_view(img, calibration=UNCALIBRATED, path="a_xs.tif",
                       manifest_view="surface").source == "manifest"
    assert decide_view(img, calibration=UNCALIBRATED, path="a_xs.tif").view == "cross-section"
    assert decide_view(img, calibration=UNCALIBRATED, path="a.tif",
                       config_view="surface").source == "config"
    assert decide_view(img, calibration=UNCALIBRATED, path="a.tif").source == "detected"
    with pytest.raises(ConfigError, match="not one of"):
        decide_view(img, calibration=UNCALIBRATED, manifest_view="top")
    with pytest.raises(ConfigError, match="no view given"):
        decide_view(None, calibration=UNCALIBRATED, path="a.tif")


@pytest.mark.real
@pytest.mark.parametrize(
    ("name", "view"),
    [("npg_aquami_zeiss.tif", "surface"), ("porous_si_zeiss.tif", "surface"),
     ("retic_skan_fei.tif", "surface"), ("swollen_mat_holes.png", "surface"),
     ("particles_fei.tif", "surface"), ("wrinkled_film_fei16.tif", "surface"),
     # a smooth surface with a crack: 83 % of the field is flat, the rest keeps 26 % of
     # its texture there; a background that large must be flatter (< 15 %)
     ("dense_crack_fei.tif", "surface"),
     ("membrane_cells_hitachi.bmp", "cross-section")],
)
def test_real_views(name, view):
    import warnings

    from semscan.io import read_micrograph

    path = REAL / name
    if not path.exists():
        pytest.skip("shared real images absent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # uncalibrated files warn
        mg = read_micrograph(path)
    assert detect_view(mg.image, excluded=mg.excluded, calibration=mg.calibration).view == view
