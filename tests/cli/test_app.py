"""The `semscan` command, run for real through Typer's runner and as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile
from typer.testing import CliRunner

from semscan.classify.model import evaluate_structure_model, load_model
from semscan.cli.app import app
from semscan.config import AnalysisConfig

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
runner = CliRunner()


def _fei_tiff(path: Path, image: np.ndarray, pixel_m: float = 1e-8) -> Path:
    text = f"[Scan]\r\nPixelWidth={pixel_m}\r\nPixelHeight={pixel_m}\r\n"
    tifffile.imwrite(path, image, extratags=[(34682, "s", 0, text, True)])
    return path


def test_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout.startswith("semscan ")


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


def test_console_script_installed():
    exe = Path(sys.executable).parent / "semscan"
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
    assert "analyze" in res.stdout and "info" in res.stdout


def test_analyze_folder_writes_everything_and_exits_1_on_bad_file(sem_folder, tmp_path):
    (sem_folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        ["analyze", str(sem_folder), "--out", str(out), "--jobs", "1", "--no-classify",
         "--no-local-thickness", "--save-masks", "--lines", "40", "--window-um", "full"],
    )
    assert res.exit_code == 1
    assert "corrupt.png" in res.stderr
    table = pd.read_csv(out / "results.csv")
    assert len(table) == 3
    assert (table["pore_intercept_n_lines"] == 40).all()
    assert (table["pore_intercept_window_mode"] == "full").all()
    for name in ("results.parquet", "chords.parquet", "run.json", "semscan.log",
                 "config.toml", "failures.csv"):
        assert (out / name).exists(), name
    assert len(list((out / "masks").glob("*.tif"))) == 3
    assert "corrupt.png" in (out / "semscan.log").read_text()
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["measure"]["n_lines"] == 40


def test_analyze_pixel_size_override_and_config_file(sem_folder, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[measure]\nn_lines = 25\nlocal_thickness = false\n"
                   "[classify]\nenabled = false\n")
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(sem_folder / "img0.tif"), "--out", str(out),
                              "--config", str(cfg), "--pixel-size-um", "0.02", "-j", "1"])
    assert res.exit_code == 0, res.stderr
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert row["pixel_size_um"] == pytest.approx(0.02)
    assert row["calibration_source"] == "user"
    assert row["pore_intercept_n_lines"] == 25


def test_analyze_no_inputs_is_a_clear_error(tmp_path):
    res = runner.invoke(app, ["analyze", str(tmp_path / "nothing*.tif"), "--out",
                              str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "no file matches this pattern" in res.stderr


def test_train_pixels_then_analyze_with_it(tmp_path):
    import cv2

    from tests._synthetic import disc_pores, sem_image, write_fei_tiff

    pore = disc_pores((192, 192), porosity=0.4, radius=6.0, seed=21)
    img = write_fei_tiff(tmp_path / "train.tif", sem_image(pore, seed=21))
    labels = np.zeros(pore.shape, np.uint8)
    labels[::12][pore[::12]] = 1  # strokes: every 12th row, labelled from the truth
    labels[::12][~pore[::12]] = 2
    cv2.imwrite(str(tmp_path / "labels.png"), labels)
    model = tmp_path / "px.json"
    res = runner.invoke(app, ["train-pixels", str(img), str(tmp_path / "labels.png"),
                              "--out", str(model), "--trees", "10", "--sigma-max-px", "8"])
    assert res.exit_code == 0, res.stderr
    assert model.exists() and model.read_text().startswith("{")
    other = write_fei_tiff(tmp_path / "other.tif",
                           sem_image(disc_pores((192, 192), seed=22), seed=22))
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(other), "--out", str(out), "-j", "1",
                              "--pixel-classifier", str(model), "--no-classify",
                              "--no-local-thickness"])
    assert res.exit_code == 0, res.stderr
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert row["seg_method"] == "classifier"
    assert 0.3 < row["areal_porosity"] < 0.5


def test_train_pixels_rejects_mismatched_labels(tmp_path):
    import cv2

    img = _fei_tiff(tmp_path / "a.tif", np.full((64, 64), 100, np.uint8))
    cv2.imwrite(str(tmp_path / "l.png"), np.zeros((32, 32), np.uint8))
    res = runner.invoke(app, ["train-pixels", str(img), str(tmp_path / "l.png")])
    assert res.exit_code == 1
    assert "paint the labels on the same image" in res.stderr


def test_analyze_manifest_pairs_views_into_samples_csv(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", "--manifest", str(DATA / "manifest_example.csv"),
                              "--out", str(out), "-j", "1", "--no-classify",
                              "--no-local-thickness"])
    assert res.exit_code == 0, res.stderr
    table = pd.read_csv(out / "results.csv").set_index("name")
    assert table.loc["sample_surface.tif", "view_source"] == "manifest"
    assert table.loc["sample_cross_section.tif", "view"] == "cross-section"
    assert (table["sample"] == "demo").all()
    samples = pd.read_csv(out / "samples.csv")
    row = samples.iloc[0]
    assert row["sample"] == "demo" and row["n_surface"] == 1 and row["n_cross_section"] == 1
    assert 0 < row["ratio_ci95_low"] <= row["ratio_R"] <= row["ratio_ci95_high"]
    assert row["ratio_verdict"] in {"surface >= internal", "surface < internal", "undetermined"}
    assert "surface-to-internal ratio R" in res.stdout


def test_sample_pattern_and_xs_pattern(tmp_path):
    from tests._synthetic import disc_pores, sem_image, write_fei_tiff

    for name in ("lotA_s1.tif", "lotB_s1.tif"):
        write_fei_tiff(tmp_path / name, sem_image(disc_pores((160, 160), seed=len(name))))
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(tmp_path / "lot*.tif"), "--out", str(out),
                              "-j", "1", "--no-classify", "--no-local-thickness",
                              "--view", "surface", "--sample-pattern", r"(?P<sample>lot[A-Z])_"])
    assert res.exit_code == 0, res.stderr
    table = pd.read_csv(out / "results.csv")
    assert sorted(table["sample"]) == ["lotA", "lotB"]
    assert set(table["sample_source"]) == {"pattern"}
    notes = pd.read_csv(out / "samples.csv")["ratio_note"]
    assert set(notes) == {"no cross-section view"}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A small structure model trained by the CLI (seed 3, fields cut from canvases up to
    1.5x larger), and the CLI's result."""
    model = tmp_path_factory.mktemp("tiny") / "tiny.json.gz"
    res = runner.invoke(app, ["train-classifier", "--out", str(model), "--n-per-class", "3",
                              "--n-test-per-class", "1", "--trees", "5", "--seed", "3",
                              "--max-canvas", "1.5"])
    return model, res


def test_train_classifier_small_run_then_analyze_with_it(tmp_path, sem_folder, tiny_model):
    model, res = tiny_model
    assert res.exit_code == 0, res.stderr
    assert model.exists() and (model.parent / "tiny.card.json").exists()
    assert "held-out accuracy" in res.stdout
    card = json.loads((model.parent / "tiny.card.json").read_text(encoding="utf-8"))
    assert card["training_data"]["canvas_scale"] == [1.0, 1.5]
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(sem_folder / "img0.tif"), "--out", str(out),
                              "-j", "1", "--no-local-thickness", "--model", str(model)])
    assert res.exit_code == 0, res.stderr
    row = pd.read_csv(out / "results.csv").iloc[0]
    probs = [row[c] for c in ("p_percolation", "p_spherical_particle", "p_cellular",
                              "p_non_porous", "p_coarse")]
    assert sum(probs) == pytest.approx(1.0, abs=1e-6)
    assert isinstance(row["class"], str) and row["class"]


def test_evaluate_classifier_prints_the_confusion_table(tmp_path, tiny_model):
    model, res = tiny_model
    assert res.exit_code == 0, res.stderr
    res = runner.invoke(app, ["evaluate-classifier", "--model", str(model), "--seed", "4",
                              "--n-per-class", "1"])
    assert res.exit_code == 0, res.stderr
    card = json.loads((model.parent / "tiny.card.json").read_text(encoding="utf-8"))
    # seed 4 is this model's held-out set (same canvases, read from the model file): the
    # same accuracy as its card
    assert f"accuracy {100 * card['held_out']['accuracy']:.1f} % of 5 images" in res.stdout
    assert "images: fields cut from canvases 1-1.5x their side" in res.stdout
    assert "confidence threshold" in res.stdout
    # --max-canvas 1 scores the same model on field-size images instead: the figure the
    # library gives for that protocol
    res = runner.invoke(app, ["evaluate-classifier", "--model", str(model), "--seed", "4",
                              "--n-per-class", "1", "--max-canvas", "1"])
    assert res.exit_code == 0, res.stderr
    ev = evaluate_structure_model(load_model(model), seed=4, n_per_class=1,
                                  canvas_scale=(1.0, 1.0))
    assert f"accuracy {100 * ev.accuracy:.1f} % of 5 images" in res.stdout
    assert "images: field-size, each segmented on its own" in res.stdout
    res = runner.invoke(app, ["evaluate-classifier", "--model", str(model),
                              "--n-per-class", "1", "--max-canvas", "0.5"])
    assert res.exit_code == 1
    assert "canvas_scale" in res.stderr
    res = runner.invoke(app, ["evaluate-classifier", "--model", str(tmp_path / "no.json")])
    assert res.exit_code == 1
    assert "no.json" in res.stderr


def test_analyze_refuses_a_foreign_model(tmp_path, sem_folder):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(sem_folder / "img0.tif"), "--out", str(out),
                              "-j", "1", "--model", str(bad)])
    assert res.exit_code == 2
    assert "bad.json has format 'something else'" in res.stderr
    assert "semscan train-classifier" in res.stderr
    assert not (out / "results.csv").exists()


# ------------------------------------------------------------ options checked up front
DIGITS = "9" * 400


def _no_image_read(out: Path) -> bool:
    """Nothing was analysed: the output folder (made just before the first image is read)
    does not exist."""
    return not out.exists()


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


def test_config_check(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(AnalysisConfig().with_overrides({"measure.n_lines": 20}).to_toml(),
                    encoding="utf-8")
    res = runner.invoke(app, ["config", "--check", str(good)])
    assert res.exit_code == 0, res.stderr
    assert f"good.toml: valid (config hash {AnalysisConfig.load(good).hash()})" in res.stdout
    res = runner.invoke(app, ["config"])
    assert res.exit_code == 2 and "--check FILE" in res.stderr


def test_hostile_config_paths_and_out_folders_exit_2(sem_folder, tmp_path):
    cp1252 = tmp_path / "cp1252.toml"
    cp1252.write_bytes("# Porengröße\n[measure]\nn_lines = 20\n".encode("cp1252"))
    cases = [
        (["--config", str(cp1252)], "cp1252.toml is not UTF-8 text (byte 0xf6 at offset 9); "
         "save it as UTF-8"),
        (["--config", str(sem_folder)], "is a folder; give a TOML file"),
        (["--config", str(tmp_path / "missing.toml")], "cannot read configuration file"),
    ]
    for args, named in cases:
        out = tmp_path / "out"
        res = runner.invoke(app, ["analyze", str(sem_folder), "--out", str(out), *args])
        assert res.exit_code == 2, (args, res.output)
        assert named in " ".join(res.stderr.split()), res.stderr
        assert _no_image_read(out)
        res = runner.invoke(app, ["config", "--check", args[1]])
        assert res.exit_code == 2 and named in " ".join(res.stderr.split())
    a_file = tmp_path / "results.txt"
    a_file.write_text("not a folder")
    res = runner.invoke(app, ["analyze", str(sem_folder), "--out", str(a_file), "-j", "1"])
    assert res.exit_code == 2
    assert "is a file; give a folder" in " ".join(res.stderr.split())
    assert a_file.read_text() == "not a folder"
    res = runner.invoke(app, ["analyze", str(sem_folder), "--out", str(a_file / "sub"),
                              "-j", "1"])
    assert res.exit_code == 2
    assert "cannot create the output folder --out" in " ".join(res.stderr.split())
    assert "Traceback" not in res.output


@pytest.mark.parametrize("command", ["", "analyze", "config", "info", "train-pixels",
                                     "train-classifier", "evaluate-classifier"])
def test_h_is_help_on_every_command(command):
    args = [command, "-h"] if command else ["-h"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.stdout and "--help" in res.stdout


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


def test_summary_table_prints_full_names(tmp_path):
    from tests._synthetic import disc_pores, sem_image, write_fei_tiff

    name = "sample_" + "very_long_name_" * 8 + "end.tif"
    write_fei_tiff(tmp_path / name, sem_image(disc_pores((160, 160), seed=5), seed=5))
    res = runner.invoke(app, ["analyze", str(tmp_path / name), "--out", str(tmp_path / "o"),
                              "-j", "1", "--no-classify", "--no-local-thickness"])
    assert res.exit_code == 0, res.stderr
    first_column = "".join(line.split("│")[1].strip() for line in res.stdout.splitlines()
                           if line.startswith("│"))
    assert name in first_column


def _semscan(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-c", "from semscan.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def test_warnings_are_logged_once_and_not_printed(tmp_path):
    """An uncalibrated image: semscan's warning (logged and warned) is in semscan.log once,
    and the terminal says nothing of it (it is in the result row)."""
    import cv2

    from tests._synthetic import disc_pores, sem_image

    img = sem_image(disc_pores((160, 160), seed=3), seed=3)
    cv2.imwrite(str(tmp_path / "plain.png"), np.clip(img * 255, 0, 255).astype(np.uint8))
    res = _semscan("analyze", "plain.png", "--out", "o", "-j", "1", "--no-classify",
                   "--no-local-thickness", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    log = (tmp_path / "o" / "semscan.log").read_text(encoding="utf-8")
    assert log.count("no pixel size in the file or a sidecar") == 1
    assert "no pixel size" not in res.stderr and "Warning" not in res.stderr
    row = pd.read_csv(tmp_path / "o" / "results.csv").iloc[0]
    assert "no pixel size" in row["warnings"]


def _png_with_bad_icc_profile(path: Path, image: np.ndarray) -> Path:
    """A PNG whose iCCP chunk is too short: libpng (inside OpenCV) writes
    "libpng warning: iCCP: too short" straight to file descriptor 2 when it is decoded."""
    import struct
    import zlib

    import cv2

    data = cv2.imencode(".png", image)[1].tobytes()
    body = b"bad\x00\x00" + zlib.compress(b"not an ICC profile")
    chunk = (struct.pack(">I", len(body)) + b"iCCP" + body
             + struct.pack(">I", zlib.crc32(b"iCCP" + body) & 0xFFFFFFFF))
    path.write_bytes(data[:33] + chunk + data[33:])  # after the 8-byte signature and IHDR
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_third_party_warnings_go_to_the_log_once(tmp_path, jobs):
    from tests._synthetic import disc_pores, sem_image

    img = np.clip(sem_image(disc_pores((160, 160), seed=4), seed=4) * 255, 0, 255)
    for name in ("a.png", "b.png"):
        _png_with_bad_icc_profile(tmp_path / name, img.astype(np.uint8))
    res = _semscan("analyze", "a.png", "b.png", "--out", "o", "-j", jobs, "--no-classify",
                   "--no-local-thickness", "--pixel-size-um", "0.01", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "libpng" not in res.stderr and "libpng" not in res.stdout
    log = (tmp_path / "o" / "semscan.log").read_text(encoding="utf-8")
    assert log.count("libpng warning: iCCP: too short") == 1
    assert "[2/2]" in res.stderr  # the progress still reaches the terminal


def test_per_image_errors_name_flags_not_python_arguments(sem_folder, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(sem_folder / "img0.tif"), "--out", str(out),
                              "-j", "1", "--page", "3", "--no-classify"])
    assert res.exit_code == 1
    text = " ".join(res.stderr.split())
    assert "--page 3 requested but the file has 1 page(s)" in text, text
    assert "page=" not in text
    # the library's own record keeps the Python names (results are read from Python too)
    assert "page=3 requested" in pd.read_csv(out / "failures.csv").iloc[0]["error"]


def test_the_log_takes_each_third_party_message_once(tmp_path):
    import logging
    import warnings

    from semscan.cli.analyze import _log_to

    log = tmp_path / "semscan.log"
    root = logging.getLogger()
    try:
        with warnings.catch_warnings():
            _log_to(log)
            for _ in range(3):
                logging.getLogger("tifffile").warning("TiffPage 0: invalid tag 270")
            logging.getLogger("semscan.io.reader").warning("a.tif: no pixel size")
            warnings.showwarning("a.tif: no pixel size", UserWarning, "reader.py", 1)
            for _ in range(2):
                warnings.showwarning("invalid value in divide", RuntimeWarning, "x.py", 7)
    finally:
        for h in [h for h in root.handlers if getattr(h, "_semscan_log", False)]:
            root.removeHandler(h)
            h.close()
    text = log.read_text(encoding="utf-8")
    assert text.count("TiffPage 0: invalid tag 270") == 1
    assert text.count("a.tif: no pixel size") == 1  # logged by semscan, its warning not again
    assert text.count("RuntimeWarning: invalid value in divide") == 1


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


# ------------------------------------------------------------ crafted model files
def _pixel_payload():
    """A real pixel classifier, small: 3 trees of depth 6 on a 64 x 64 image."""
    from semscan.segment import PixelClassifier
    from tests._synthetic import random_discs, sem_image

    truth = random_discs((64, 64), n=10, r=5.0, seed=3)
    labels = np.zeros(truth.shape, np.uint8)
    lines = np.zeros(truth.shape, bool)
    lines[::16, :] = lines[:, ::16] = True
    labels[lines & truth], labels[lines & ~truth] = 1, 2
    clf = PixelClassifier.train(sem_image(truth, seed=3), labels, sigma_max_px=4,
                                n_estimators=3, max_depth=6, seed=0)
    return clf.to_dict()


def _structure_payload():
    """The shipped model cut to its first three trees: real, valid and small."""
    from semscan._forest import read_json
    from semscan.classify.model import default_model_path

    data = read_json(default_model_path())
    data["forest"]["trees"] = data["forest"]["trees"][:3]
    return data


@pytest.mark.parametrize(
    ("payload", "flags", "names"),
    [
        (_pixel_payload, ["--no-classify", "--pixel-classifier"],
         ("self_cycle", "sibling_cycle", "negative_index", "index_2_40", "gzip_bomb",
          "deep_nesting", "threshold_nan", "left_is_string", "truncated_gzip")),
        (_structure_payload, ["--no-local-thickness", "--model"],
         ("self_cycle", "backwards", "negative_index", "index_2_40", "gzip_bomb",
          "deep_nesting", "threshold_infinity", "n_features_string", "empty")),
    ],
    ids=["pixel-classifier", "structure-model"],
)
def test_analyze_refuses_crafted_model_files(tmp_path, sem_folder, payload, flags, names):
    """A hostile model file exits 2 naming it, before any result is written."""
    from tests._crafted_models import crafted_models

    cases = {c.name: c for c in crafted_models(payload(), tmp_path / "corpus")}
    for name in names:
        out = tmp_path / f"out-{name}"
        res = runner.invoke(app, ["analyze", str(sem_folder / "img0.tif"), "--out", str(out),
                                  "-j", "1", *flags, str(cases[name].path)])
        assert res.exit_code == 2, (name, res.stdout, res.stderr)
        assert isinstance(res.exception, SystemExit), (name, res.exception)
        text = " ".join(res.stderr.split())  # rich wraps long lines
        assert "error" in text and cases[name].path.name in text, (name, text)
        assert "Traceback" not in res.stdout + res.stderr, name
        assert not (out / "results.csv").exists()
    if payload is _structure_payload:
        res = runner.invoke(app, ["evaluate-classifier", "--model",
                                  str(cases["sibling_cycle"].path)])
        assert res.exit_code == 1 and isinstance(res.exception, SystemExit)
        assert "is not after its parent" in " ".join(res.stderr.split())
