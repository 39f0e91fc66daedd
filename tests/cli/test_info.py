"""semscan.cli.info: `semscan info` and `semscan config`, run through Typer's runner."""

from __future__ import annotations

import numpy as np

from semscan.cli.app import app
from semscan.config import AnalysisConfig
from tests.cli._helpers import _fei_tiff, runner


def test_info_lists_calibration_and_fails_on_bad_file(tmp_path):
    good = _fei_tiff(tmp_path / "good.tif", np.full((64, 80), 100, np.uint8))
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff at all")
    res = runner.invoke(app, ["info", str(good), str(bad)])
    assert res.exit_code == 1
    assert "good.tif: 80x64 px uint8; 10 nm/px (file: FEI" in res.stdout
    assert "bad.tif" in res.stderr and "cannot read" in res.stderr


def test_info_pixel_size_override(tmp_path):
    png = tmp_path / "plain.png"
    import cv2

    cv2.imwrite(str(png), np.full((40, 40), 128, np.uint8))
    res = runner.invoke(app, ["info", str(png), "--pixel-size-um", "0.05"])
    assert res.exit_code == 0, res.stderr
    assert "50 nm/px (user" in res.stdout


def test_config_default_round_trips(tmp_path):
    res = runner.invoke(app, ["config", "--default"])
    assert res.exit_code == 0
    text = res.stdout
    assert "[measure]" in text and "n_lines = 50" in text
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text(text)
    assert AnalysisConfig.load(cfg_file) == AnalysisConfig()


def test_config_rejects_unknown_option(tmp_path):
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text("[measure]\nn_line = 3\n")
    res = runner.invoke(app, ["config", "--config", str(cfg_file)])
    assert res.exit_code == 2
    assert ("unknown option 'n_line' in [measure]: did you mean 'n_lines'? valid: window_um"
            in res.stderr)


def test_config_check(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(AnalysisConfig().with_overrides({"measure.n_lines": 20}).to_toml(),
                    encoding="utf-8")
    res = runner.invoke(app, ["config", "--check", str(good)])
    assert res.exit_code == 0, res.stderr
    assert f"good.toml: valid (config hash {AnalysisConfig.load(good).hash()})" in res.stdout
    res = runner.invoke(app, ["config"])
    assert res.exit_code == 2 and "--check FILE" in res.stderr


def test_info_checks_the_pixel_size_and_names_flags_in_warnings(tmp_path):
    import cv2

    png = tmp_path / "plain.png"
    cv2.imwrite(str(png), np.full((40, 40), 128, np.uint8))
    res = runner.invoke(app, ["info", str(png), "--pixel-size-um", "-1"])
    assert res.exit_code == 2
    assert "option --pixel-size-um -1.0 is invalid" in " ".join(res.stderr.split())
    res = runner.invoke(app, ["info", str(png)])
    assert res.exit_code == 0
    text = " ".join(res.stderr.split())
    assert "uncalibrated" in text and "pass --pixel-size-um to calibrate it" in text
    assert "pixel_size_um=" not in text
