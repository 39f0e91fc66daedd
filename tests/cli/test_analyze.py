"""semscan.cli.analyze: `semscan analyze`, run for real through Typer's runner."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from semscan.cli.app import app
from tests.cli._helpers import DATA, _no_image_read, runner


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
    from semscan.classify.model import load_model

    data = load_model().to_dict()
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


def test_analyze_refuses_crafted_binary_model_files(tmp_path, sem_folder):
    """The same for binary model files (.smodel, the format semscan writes)."""
    from tests._crafted_binary import crafted_binary_models

    cases = {c.name: c for c in crafted_binary_models(_structure_payload(), tmp_path / "bin")}
    for name in ("bin_self_cycle", "bin_bad_sha256", "bin_dtype_object", "bin_shape_2_40",
                 "bin_zlib_bomb", "bin_truncated_arrays", "bin_threshold_nan"):
        out = tmp_path / f"out-{name}"
        res = runner.invoke(app, ["analyze", str(sem_folder / "img0.tif"), "--out", str(out),
                                  "-j", "1", "--no-local-thickness", "--model",
                                  str(cases[name].path)])
        assert res.exit_code == 2, (name, res.stdout, res.stderr)
        text = " ".join(res.stderr.split())
        assert "error" in text and cases[name].path.name in text, (name, text)
        assert "Traceback" not in res.stdout + res.stderr, name
        assert not (out / "results.csv").exists()


def test_whiskers_flag_writes_whiskers_csv_columns_and_labels(tmp_path):
    import tifffile

    from semscan.phantoms.whiskers import render_whisker_film, whisker_film
    from tests._synthetic import write_fei_tiff

    film = whisker_film((384, 512), n_rods=25, length_px=70, width_px=7, seed=6)
    write_fei_tiff(tmp_path / "film.tif", render_whisker_film(film, seed=7))
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(tmp_path / "film.tif"), "--out", str(out),
                              "--jobs", "1", "--no-classify", "--no-local-thickness",
                              "--whiskers", "--density", "polymer=1.38,whisker=3.3",
                              "--save-masks"])
    assert res.exit_code == 0, res.stderr
    row = pd.read_csv(out / "results.csv").iloc[0]
    per = pd.read_csv(out / "whiskers.csv")
    assert row["whisker_count"] == len(per) > 10
    assert row["whisker_density_whisker_g_cm3"] == 3.3
    assert 0 < row["whisker_weight_fraction"] < 1
    assert {"length_um", "width_um", "aspect", "touches_edge"} <= set(per.columns)
    labels = tifffile.imread(next((out / "masks").glob("*.tif")))
    assert (labels == 3).mean() == pytest.approx(row["whisker_area_fraction"])
    # the same folder without --whiskers: no whisker rows are left behind
    res = runner.invoke(app, ["analyze", str(tmp_path / "film.tif"), "--out", str(out),
                              "--jobs", "1", "--no-classify", "--no-local-thickness"])
    assert res.exit_code == 0, res.stderr
    assert not (out / "whiskers.csv").exists()
    assert "whisker_count" not in pd.read_csv(out / "results.csv").columns


def test_a_malformed_density_is_refused_before_any_image(tmp_path):
    res = runner.invoke(app, ["analyze", str(tmp_path / "x.tif"), "--out", str(tmp_path / "o"),
                              "--whiskers", "--density", "polymer=1.38"])
    assert res.exit_code == 2
    assert "polymer=1.38,whisker=3.3" in res.stderr
