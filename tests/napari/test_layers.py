"""semscan.napari.layers: an analysis as napari layer data, without a viewer."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import tifffile

from semscan.napari._reader import read_output_layers
from semscan.napari.layers import film_direction_from_line, line_features, result_layers
from tests.napari._files import by_name


def test_output_layers_match_the_folder(out_folder):
    record = sorted((out_folder / "images").glob("img0-*.json"))[0]
    layers = by_name(read_output_layers(str(record)))
    data, kw, _ = layers["img0.tif labels"]
    saved = tifffile.imread(out_folder / "masks" / f"{record.stem}_labels.tif")
    np.testing.assert_array_equal(data, saved)  # the file grid, data bar rows excluded
    assert data.shape == (212, 256) and (data[192:] == 2).all()
    assert kw["scale"] == pytest.approx((0.01, 0.01))
    row = json.loads(record.read_text())["row"]
    assert kw["metadata"]["semscan_table"]["areal_porosity"] == pytest.approx(row["areal_porosity"])
    image = layers["img0.tif"]
    assert image[0].shape == (212, 256) and image[2] == "image"

    # the 50 lines of both phases, with per-line features that match chords.parquet
    shapes, skw, kind = layers["img0.tif lines"]
    feats = pd.DataFrame(skw["features"])
    assert kind == "shapes" and len(shapes) == len(feats) == 100
    chords = pd.read_parquet(out_folder / "chords.parquet")
    chords = chords[chords.output_stem == record.stem]
    got = chords.groupby(["phase", "line"]).agg(n=("length_um", "size"), total=("length_um", "sum"))
    for phase in ("pore", "solid"):
        f = feats[feats.phase == phase].set_index("line")
        g = got.loc[phase].reindex(f.index, fill_value=0)
        np.testing.assert_array_equal(f["intercepts"].to_numpy(), g["n"].to_numpy())
        np.testing.assert_allclose(f["length_um"].to_numpy(), g["total"].to_numpy(), rtol=1e-12)
    lines = json.loads(record.read_text())["pore_intercept_lines"]
    assert feats[feats.phase == "pore"]["voids"].tolist() == lines["voids_per_line"]
    # a line shape runs from the line's start to its end, in file pixels (no rotation)
    np.testing.assert_allclose(np.ravel(shapes[0]), lines["lines"][0])


def test_line_features_count_every_intercept(out_folder):
    from semscan.napari._reader import analyze_record
    from semscan.napari.layers import read_output_record

    res = analyze_record(*read_output_record(out_folder))
    f = line_features(res, "pore")
    assert f["intercepts"].sum() == len(res.pore_intercept.chords.length)
    assert f["length_um"].sum() == pytest.approx(float(np.sum(res.pore_intercept.chords.length)))


def test_cross_section_layers_show_the_film_in_the_file_grid():
    from pathlib import Path

    from semscan.pipeline import analyze_path

    sample = Path(__file__).resolve().parents[2] / "data" / "sample_cross_section.tif"
    res = analyze_path(sample)
    assert res.view == "cross-section" and res.frame_rotation is not None  # a tilted film
    layers = by_name(result_layers(res))
    geo = res.geometry_full
    top_bottom, kw, kind = layers["sample_cross_section.tif film surfaces"]
    assert kind == "shapes" and kw["shape_type"] == "path"
    np.testing.assert_array_equal(top_bottom[0], geo.film_top)
    thick, _, _ = layers["sample_cross_section.tif thickness"]
    assert len(thick) == len(geo.thickness) == res.cross_section.to_dict()["xs_thickness_n"]
    labels = layers["sample_cross_section.tif labels"][0]
    assert labels.shape == res.file_shape


def test_film_direction_from_line_in_um_and_degenerate_lines():
    from semscan.errors import SemscanError

    # 30 degrees as displayed: 1 row up per sqrt(3) columns, on a layer of square pixels
    assert film_direction_from_line([[50, 0], [50 - 10, 10 * 3**0.5]],
                                    scale=(0.02, 0.02)) == pytest.approx(30, abs=1e-9)
    assert film_direction_from_line([[0, 0], [10, 10], [10, 20]]) == pytest.approx(-26.565051)
    with pytest.raises(SemscanError, match="no length"):
        film_direction_from_line([[3, 3], [3, 3]])
    with pytest.raises(SemscanError, match="shape"):
        film_direction_from_line([[3, 3]])


def test_layer_colours_are_the_png_overlay_colours():
    from semscan.napari import layers
    from semscan.report.overlay import OVERLAY_RGB

    def rgb(color):
        return tuple(round(255 * v) for v in color[:3])

    assert rgb(layers.LABEL_COLORS[1]) == OVERLAY_RGB["pore"]
    assert rgb(layers.LABEL_COLORS[2]) == OVERLAY_RGB["excluded"]
    assert rgb(layers.LABEL_COLORS[3]) == OVERLAY_RGB["whisker"]
    assert layers.LABEL_COLORS[0][3] == 0.0  # solid: the grey image shows through
    assert rgb(layers.LINE_COLOR) == OVERLAY_RGB["line"]
    assert rgb(layers.CHORD_COLOR) == OVERLAY_RGB["chord"]
    assert rgb(layers.SURFACE_COLOR) == OVERLAY_RGB["surface"]
    assert rgb(layers.THICKNESS_COLOR) == OVERLAY_RGB["thickness"]
