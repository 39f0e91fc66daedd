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


def test_the_view_column_is_optional(tmp_path):
    """No view column, or an empty cell: the view is not given (None), and the file-name
    patterns, the configuration or the detector decide it."""
    (tmp_path / "m.csv").write_text("path,sample,state\na.tif,S,as-made\n")
    (entry,) = read_manifest(tmp_path / "m.csv").values()
    assert (entry.sample, entry.view, entry.state) == ("S", None, "as-made")
    (tmp_path / "n.csv").write_text("path,sample,view\na.tif,S,\nb.tif,S,xs\n")
    got = {p.name: e.view for p, e in read_manifest(tmp_path / "n.csv").items()}
    assert got == {"a.tif": None, "b.tif": "cross-section"}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("path\na.tif\n", "missing column"),
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


# ----------------------------------------------------------------------------- encodings, bad files
ROW = "path,sample,view,pixel_size_um\na.tif,S µ1,surface,0.01\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings(tmp_path, encoding):
    (tmp_path / "m.csv").write_bytes(ROW.encode(encoding))
    (entry,) = read_manifest(tmp_path / "m.csv").values()
    assert (entry.sample, entry.view, entry.pixel_size_um) == ("S µ1", "surface", 0.01)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"path,sample,view\na.tif,S\x00,surface\n", r"line 2: holds a NUL byte"),
        (b"path,sample,view\na.tif," + b"x" * 140000 + b",surface\n",
         r"line 2: a field is longer than 64 KiB"),
        (b"path,sample,view\n\"a.tif,S,surface\n" + b"y" * 70000 + b"\n",
         r"line 3: a field is longer than 64 KiB; check quotes"),
        (b"path,sample,view\na.tif,S,surface,1,2\n", r"line 2: 5 fields, the header has 3"),
        (b"path,view\na.tif,surface\n", r"line 1: missing column\(s\) sample"),
        (b"path,sample,view,view\n", r"line 1: column\(s\) view twice"),
        (b"path,sample,view,pixel_size_um\na.tif,S,xs,1e305\n",
         r"line 2: pixel size 1e\+305 µm is outside the physically plausible range"),
        (b"path,sample,view,pixel_size_um\na.tif,S,xs," + b"9" * 400 + b"\n",
         r"line 2: pixel_size_um must be a finite positive number, got '9999.*\.\.\.'"),
        (b"# only a comment\n\n", r"is empty; expected a header"),
        (b"path,sample,view\n\x81\x8d\x8f,S,xs\n",
         r"line 2: byte 0x81 is neither UTF-8 nor cp1252"),
        (b"\xff\xfe\x00\xd8", r"starts with a UTF-16 mark but is not UTF-16"),
    ],
)
def test_bad_files_are_manifest_errors_with_the_line(tmp_path, data, match):
    import csv

    from semscan.errors import ManifestError

    (tmp_path / "m.csv").write_bytes(data)
    old = csv.field_size_limit(1 << 30)  # the manifest's own limit holds whatever this is
    try:
        with pytest.raises(ManifestError, match=match) as info:
            read_manifest(tmp_path / "m.csv")
    finally:
        csv.field_size_limit(old)
    assert isinstance(info.value, ConfigError) and str(tmp_path / "m.csv") in str(info.value)


def test_layer_depths_must_be_positive_numbers(tmp_path):
    (tmp_path / "m.csv").write_text("path,sample,view,layer_depths_um\na.tif,S,xs,2;x\n")
    with pytest.raises(ConfigError, match="layer_depths_um 'x' is not a number"):
        read_manifest(tmp_path / "m.csv")
    (tmp_path / "m.csv").write_text("path,sample,view,layer_depths_um\na.tif,S,xs,-1\n")
    with pytest.raises(ConfigError, match="layer_depths_um must be a finite positive"):
        read_manifest(tmp_path / "m.csv")
