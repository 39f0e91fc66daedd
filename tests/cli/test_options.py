"""semscan.cli.options: one flag per configuration option, checked before any image is read."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from semscan.cli.app import app
from tests.cli._helpers import _no_image_read, runner

# ------------------------------------------------------------ options checked up front
DIGITS = "9" * 400


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--window-um", "0"], "option --window-um 0 is invalid; expected 'auto', 'full' or a "
         "number > 0 and <= 100000 µm"),
        (["--window-um", DIGITS], "option --window-um 99999999... (400 digits) is invalid"),
        (["--window-um", "-3"], "option --window-um -3 is invalid"),
        (["--n-lines", "0"], "option --n-lines 0 is invalid; expected an integer from 1 to 10000"),
        (["--lines", "0"], "option --n-lines 0 is invalid"),  # the former name
        (["--n-lines", DIGITS], "option --n-lines 99999999... (400 digits) is invalid"),
        (["--pixel-size-um", "0"], "option --pixel-size-um 0.0 is invalid; expected a number "
         "from 1e-06 to 10000 µm"),
        (["--pixel-size-um", "nan"], "option --pixel-size-um nan is invalid"),
        (["--pixel-size-um", DIGITS], "option --pixel-size-um inf is invalid"),
        (["--mil-step-deg", "100"], "option --mil-step-deg 100.0 is invalid; expected a number "
         "from 1 to 90 degrees"),
        (["--mil-step-deg", "0.0001"], "option --mil-step-deg 0.0001 is invalid"),
        (["--page", "-1"], "option --page -1 is invalid; expected an integer from 0"),
        (["--n-thickness-positions", "4"], "option --n-thickness-positions 4 is invalid"),
        (["--skin-tolerance", "0"], "option --skin-tolerance 0.0 is invalid"),
        (["--confidence-threshold", "2"], "option --confidence-threshold 2.0 is invalid"),
        (["--method", "magic"], "option --method 'magic' is invalid; expected 'auto', 'otsu'"),
        (["--method", "manual"], "option --manual-threshold is not set; --method 'manual' "
         "needs it"),
        (["--n-lines", "1e9"], "Invalid value for '--n-lines'"),  # typer: not an integer
    ],
)
def test_a_bad_flag_exits_2_naming_it_before_any_image_is_read(sem_folder, tmp_path, args,
                                                               named):
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(sem_folder), "--out", str(out), "-j", "1", *args])
    assert res.exit_code == 2, res.output
    assert named in " ".join(res.stderr.split()), res.stderr
    assert "Traceback" not in res.output
    assert _no_image_read(out)


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ("[measure]\nn_lines = -5\n", "c.toml: option [measure] n_lines = -5 is invalid; "
         "expected an integer from 1 to 10000"),
        ("[measure]\nn_lines = 1e9\n", "option [measure] n_lines = 1000000000.0 is invalid"),
        ("[measure]\nmil_step_deg = 100\n", "option [measure] mil_step_deg = 100 is invalid"),
        ("[measure]\nmil_step_deg = 0.0001\n", "option [measure] mil_step_deg = 0.0001 is"),
        ("[io]\npage = -1\n", "option [io] page = -1 is invalid"),
        (f"[measure]\nwindow_um = {DIGITS}\n", "option [measure] window_um = 99999999... "
         "(400 digits) is invalid"),
        ("[measure]\nn_line = 3\n", "unknown option 'n_line' in [measure]: did you mean "
         "'n_lines'?"),
        ("[segmnet]\nmethod = 'otsu'\n", "unknown config section [segmnet]: did you mean "
         "[segment]?"),
        ("[segment]\nmethod = 'manual'\n", "option --manual-threshold is not set; "
         "[segment] method = 'manual' needs it"),
    ],
)
def test_a_bad_config_file_exits_2_naming_the_key_before_any_image_is_read(
    sem_folder, tmp_path, toml, named
):
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(sem_folder), "--out", str(out), "-j", "1",
                              "--config", str(cfg)])
    assert res.exit_code == 2, res.output
    assert named in " ".join(res.stderr.split()), res.stderr
    assert _no_image_read(out)
    for cmd in (["config", "--check", str(cfg)], ["config", "--config", str(cfg)]):
        res = runner.invoke(app, cmd)
        assert res.exit_code == 2 and "Traceback" not in res.output
        assert named.split("needs it")[0].replace("--manual-threshold", "[segment] "
                                                  "manual_threshold") in " ".join(
            res.stderr.split()), res.stderr


def test_a_flag_completes_what_the_file_needs(sem_folder, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[segment]\nmethod = 'manual'\n[classify]\nenabled = false\n"
                   "[measure]\nlocal_thickness = false\nmil_step_deg = 0\n", encoding="utf-8")
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(sem_folder / "img0.tif"), "--out", str(out),
                              "-j", "1", "--config", str(cfg), "--manual-threshold", "0.45",
                              "--n-lines", "30", "--angle-deg", "90"])
    assert res.exit_code == 0, res.stderr
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert row["seg_method"] == "manual" and row["pore_intercept_n_lines"] == 30
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["segment"]["manual_threshold"] == 0.45
    assert run["config"]["measure"]["angle_deg"] == 90.0


def test_former_flag_names_still_work_and_say_the_new_one(sem_folder, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(sem_folder / "img0.tif"), "--out", str(out),
                              "-j", "1", "--no-classify", "--no-local-thickness",
                              "--lines", "20", "--angle", "0", "--threshold", "otsu"])
    assert res.exit_code == 0, res.stderr
    assert "--lines is now --n-lines" in res.stderr
    assert "--threshold is now --method" in res.stderr
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert row["pore_intercept_n_lines"] == 20 and row["seg_method"] == "otsu"
    res = runner.invoke(app, ["analyze", str(sem_folder), "--out", str(tmp_path / "o2"),
                              "--lines", "20", "--n-lines", "30"])
    assert res.exit_code == 2
    assert "--lines is the former name of --n-lines; give one of them" in res.stderr


def test_every_config_option_has_the_flag_of_its_toml_key():
    from dataclasses import fields
    from typing import get_args

    from semscan.cli.options import config_parameters, flag_of
    from semscan.config import _SECTIONS

    res = runner.invoke(app, ["analyze", "--help"], env={"COLUMNS": "200"})
    options = {}
    for p in config_parameters():
        info = get_args(p.annotation)[1]
        options[info.default.split("/")[0]] = info.help  # Option(decl) keeps it as .default
    for section, cls in _SECTIONS.items():
        for f in fields(cls):
            flag = flag_of(section, f.name)
            assert flag in res.stdout, flag
            assert f"TOML: \\[{section}] {f.name}" in options[flag], f.name
    assert flag_of("measure", "n_lines") == "--n-lines"
    assert flag_of("segment", "method") == "--method"
    assert flag_of("classify", "enabled") == "--classify"
    assert "--threshold" not in res.stdout and "--lines " not in res.stdout  # hidden


def test_flag_help_and_choices_come_from_the_config_and_its_choices():
    """The help of a choice flag lists the choices of semscan._choices, once."""
    from typing import get_args

    from semscan import _choices
    from semscan.cli.options import config_parameters

    helps = {}
    for p in config_parameters():
        info = get_args(p.annotation)[1]
        helps[info.default.split("/")[0]] = info.help
    for flag, choices in [("--method", _choices.THRESHOLD_METHODS),
                          ("--denoise", _choices.DENOISE_METHODS),
                          ("--pores", _choices.PORE_TONES),
                          ("--ci-method", _choices.CI_METHODS),
                          ("--view", _choices.CONFIG_VIEWS)]:
        listed = f"[{', '.join(choices)}]".replace("[", "\\[")
        assert helps[flag].count(listed) == 1, (flag, helps[flag])
        assert helps[flag].count("'otsu'") == 0, helps[flag]  # not written again in the text
    assert helps["--method"].startswith("Threshold method; 'auto' chooses one")
