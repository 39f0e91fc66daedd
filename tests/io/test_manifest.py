from pathlib import Path

import pytest

from semscan.errors import ConfigError
from semscan.io.manifest import assign_sample, read_manifest, view_from_pattern

EXAMPLE = Path(__file__).parents[2] / "data" / "manifest_example.csv"


def test_example_manifest():
    entries = read_manifest(EXAMPLE)
    views = {p.name: e.view for p, e in entries.items()}
    assert views == {"sample_surface.tif": "surface",
                     "sample_cross_section.tif": "cross-section"}
    assert all(e.sample == "demo" and e.path.is_absolute() for e in entries.values())


def test_optional_columns_and_relative_paths(tmp_path):
    (tmp_path / "m.csv").write_text(
        "# comment\npath,sample,view,pixel_size_um,film_direction_deg\n"
        "imgs/a.tif,S1,xs,0.01,5\n/abs/b.tif,S1,surface,,\n"
    )
    e = read_manifest(tmp_path / "m.csv")
    a = e[(tmp_path / "imgs" / "a.tif").resolve()]
    assert (a.view, a.pixel_size_um, a.film_direction_deg) == ("cross-section", 0.01, 5.0)
    assert e[Path("/abs/b.tif").resolve()].pixel_size_um is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("path,sample\na.tif,S\n", "missing column"),
        ("path,sample,view\na.tif,S,top\n", "line 2: view 'top'"),
        ("path,sample,view,pixel_size_um\na.tif,S,surface,-1\n", "line 2: pixel_size_um"),
        ("path,sample,view\na.tif,,surface\n", "line 2: empty 'sample'"),
        ("path,sample,view\na.tif,S,surface\na.tif,S,surface\n", "line 3: .* listed twice"),
        ("path,sample,view,colour\n", "unknown column"),
        ("", "empty"),
    ],
)
def test_bad_manifests(tmp_path, text, match):
    (tmp_path / "m.csv").write_text(text)
    with pytest.raises(ConfigError, match=match):
        read_manifest(tmp_path / "m.csv")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read manifest"):
        read_manifest(tmp_path / "nope.csv")


def test_assign_sample(tmp_path):
    (tmp_path / "m.csv").write_text("path,sample,view\nx_xs.tif,M1,xs\n")
    man = read_manifest(tmp_path / "m.csv")
    assert assign_sample(tmp_path / "x_xs.tif", manifest=man) == ("M1", "manifest")
    assert assign_sample(tmp_path / "B3_top.tif", manifest=man,
                         sample_pattern=r"^(?P<sample>[A-Z]\d)_") == ("B3", "pattern")
    assert assign_sample(tmp_path / "zz.tif", sample_pattern=r"^(?P<sample>[A-Z]\d)_") == (
        tmp_path.name, "folder")
    with pytest.raises(ConfigError, match="named group"):
        assign_sample("a.tif", sample_pattern=r"(\w+)")
    with pytest.raises(ConfigError, match="not a valid regular"):
        assign_sample("a.tif", sample_pattern=r"(?P<sample>")


def test_view_from_pattern():
    assert view_from_pattern("lot_XS_1.tif") == "cross-section"
    assert view_from_pattern("lot_top_1.tif", surface_pattern="*_top*") == "surface"
    assert view_from_pattern("lot_1.tif") is None
    assert view_from_pattern("lot_xs.tif", xs_pattern=None) is None
