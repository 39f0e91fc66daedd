"""Property-based fuzzing of every input parser: nothing but a semscan error, ever.

Each vendor metadata parser, the sidecar text decoder, the ImageJ description parser, the
data-bar detector, ``read_manifest`` and ``read_micrograph`` get random and half-valid
input (known keys with hostile values, truncated and bit-flipped real-format files). They
must return (vendor parsers: with warnings for what they ignored) or raise a
:class:`~semscan.errors.SemscanError`; any other exception is a bug. Budget: a few hundred
examples per parser, ~30 s in all on one core.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import tifffile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from semscan.calibration import PIXEL_SIZE_RANGE_UM
from semscan.errors import SemscanError
from semscan.io.databar import detect_databar
from semscan.io.manifest import read_manifest
from semscan.io.reader import decode_text, read_micrograph
from semscan.io.vendors import (
    VendorInfo,
    fei_info,
    hitachi_info,
    imagej_info,
    jeol_info,
    parse_ini,
    tescan_info,
    zeiss_info,
)

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
FEW = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))

# ----------------------------------------------------------------------------- values
numbers_text = st.one_of(
    st.sampled_from(["9" * 400, "-" + "9" * 400, "1e305", "1e-320", "-1e-8", "nan", "inf",
                     "-inf", "0", "1e-8", "5e-09", "1280", "..", "1.2.3", "0x10", "", " ",
                     "1_000", "١٢٣", "\x00", "1e999999"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**450), max_value=10**450).map(str),
    st.text(max_size=30),
)
values = st.one_of(
    st.sampled_from([10**400, -(10**400), 2**63, 2**31, 1e305, 1e-320, -1e-8, math.nan, math.inf]),
    numbers_text,
    st.integers(min_value=-(10**450), max_value=10**450),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(), st.booleans(), st.binary(max_size=20),
    st.tuples(st.integers(), st.integers()),
)
units = st.sampled_from(["nm", "µm", "um", "m", "mm", "pm", "", "furlong", "K X", "V", "kV",
                         "\u00b5m", "μm", "X"])


def _check(info: VendorInfo | None) -> None:
    if info is None:
        return
    assert isinstance(info, VendorInfo)
    if info.calibration is not None:
        lo, hi = PIXEL_SIZE_RANGE_UM
        assert lo <= info.calibration.pixel_size_um <= hi
    md = info.metadata
    for v in (md.kv, md.magnification, md.working_distance_mm, md.field_width_um):
        assert v is None or (isinstance(v, float) and math.isfinite(v))
    assert info.databar_height_px is None or isinstance(info.databar_height_px, int)
    assert all(isinstance(w, str) for w in info.warnings)


shapes = st.tuples(st.integers(1, 5000), st.integers(1, 5000))

FEI_KEYS = {
    "Scan": ["PixelWidth", "HorFieldsize"], "EScan": ["PixelWidth", "HorFieldsize"],
    "EBeam": ["HFW", "HV", "WD"], "Image": ["ResolutionX", "ResolutionY", "MagCanvasRealWidth"],
    "PrivateFei": ["DatabarHeight"], "Beam": ["HV"], "Stage": ["WorkingDistance"],
    "System": ["SystemType", "Dnumber"], "Detectors": ["Name"],
}
fei_metadata = st.one_of(
    st.fixed_dictionaries({}, optional={
        section: st.fixed_dictionaries({}, optional=dict.fromkeys(keys, values))
        for section, keys in FEI_KEYS.items()
    }),
    st.dictionaries(st.text(max_size=8), st.one_of(
        values, st.dictionaries(st.text(max_size=8), values, max_size=5)), max_size=5),
)


@FUZZ
@given(fei_metadata, shapes)
def test_fei(metadata, shape):
    _check(fei_info(metadata, image_shape=shape))


ZEISS_KEYS = ["ap_image_pixel_size", "ap_pixel_size", "ap_width", "ap_actualkv", "ap_manualkv",
              "ap_wd", "ap_mag", "dp_detector_channel", "dp_sem", "sv_serial_number"]
zeiss_entry = st.one_of(
    st.tuples(st.text(max_size=10), values),
    st.tuples(st.text(max_size=10), values, units),
    st.tuples(st.text(max_size=10), st.sampled_from(["..x", "25.00 K X", "9" * 400 + " K X",
                                                     "1e305 X", ".5 M X", "X", "-3 X"])),
    values, st.tuples(), st.tuples(values),
)


@FUZZ
@given(st.one_of(st.fixed_dictionaries({}, optional=dict.fromkeys(ZEISS_KEYS, zeiss_entry)),
                 st.dictionaries(st.text(max_size=8), zeiss_entry, max_size=5)), shapes)
def test_zeiss(metadata, shape):
    _check(zeiss_info(metadata, image_shape=shape))


def _ini(keys: list[str], sections: list[str]) -> st.SearchStrategy[str]:
    line = st.one_of(
        st.builds(lambda k, v: f"{k}={v}", st.sampled_from(keys), numbers_text),
        st.builds(lambda k, v, u: f"{k}={v} {u}", st.sampled_from(keys), numbers_text, units),
        st.builds(lambda s: f"[{s}]", st.sampled_from(sections)),
        st.builds(lambda a, b: f"{a}x{b}", numbers_text, numbers_text),
        st.text(max_size=40),
    )
    return st.one_of(st.lists(line, max_size=20).map("\n".join), st.text())


TESCAN_KEYS = ["PixelSizeX", "PixelSizeY", "ImageStripSize", "HV", "WD", "Magnification",
               "Device", "Detector"]
HITACHI_KEYS = ["PixelSize", "DataSize", "AcceleratingVoltage", "Magnification",
                "WorkingDistance", "SignalName", "InstructName"]
JEOL_KEYS = ["$CM_FULL_SIZE", "$$SM_MICRON_BAR", "$$SM_MICRON_MARKER", "$CM_ACCEL_VOLT",
             "$CM_MAG", "$SM_WD", "$CM_WD", "$CM_SIGNAL", "$CM_INSTRUMENT"]
jeol_text = st.one_of(
    st.lists(st.one_of(
        st.builds(lambda k, v: f"{k} {v}", st.sampled_from(JEOL_KEYS), numbers_text),
        st.builds(lambda k, a, b: f"{k} {a} {b}", st.just("$CM_FULL_SIZE"), numbers_text,
                  numbers_text),
        st.builds(lambda v, u: f"$$SM_MICRON_MARKER {v}{u}", numbers_text, units),
        st.text(max_size=40),
    ), max_size=15).map("\n".join),
    st.text(),
)


@FUZZ
@given(_ini(TESCAN_KEYS, ["MAIN", "SEM", "main", ""]), shapes, st.sampled_from(
    ["TESCAN tag 50431", "a-tif.hdr"]))
def test_tescan(text, shape, where):
    _check(tescan_info(text, image_shape=shape, where=where))


@FUZZ
@given(_ini(HITACHI_KEYS, ["SemImageFile", "Other"]).map(lambda t: "[SemImageFile]\n" + t),
       shapes)
def test_hitachi(text, shape):
    _check(hitachi_info(text, image_shape=shape, where="a.txt"))


@FUZZ
@given(jeol_text, shapes)
def test_jeol(text, shape):
    _check(jeol_info(text, image_shape=shape, where="a.txt"))


@FUZZ
@given(st.text())
def test_parse_ini_never_raises(text):
    out = parse_ini(text)
    assert "" in out and all(isinstance(v, dict) for v in out.values())


@FUZZ
@given(st.binary(max_size=3000))
def test_sidecar_text_decoding_never_raises(data):
    assert isinstance(decode_text(data), str)


@FUZZ
@given(
    st.one_of(
        st.builds(lambda u, r: f"ImageJ=1.54f\nunit={u}\n{r}", st.one_of(units, st.text(
            max_size=10)), st.text(max_size=30)),
        st.text(),
    ),
    st.one_of(st.tuples(st.integers(-(2**64), 2**64), st.integers(-(2**64), 2**64)),
              st.tuples(st.integers(0, 10**400), st.integers(0, 3)), values,
              st.tuples(), st.tuples(st.text())),
)
def test_imagej(description, x_resolution):
    _check(imagej_info(description, x_resolution=x_resolution))


# ----------------------------------------------------------------------------- data bar
@FEW
@given(hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.float16, np.uint8, np.uint16, np.int16,
                           np.int64, np.bool_]),
    shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=120),
))
def test_databar_on_random_arrays(image):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # float16 overflow in the cast
        bar = detect_databar(image)
    assert isinstance(bar, int) and 0 <= bar < max(image.shape[0], 1)


# ----------------------------------------------------------------------------- files
_DIR = Path(tempfile.mkdtemp(prefix="semscan-fuzz-"))


def _valid_files() -> dict[str, bytes]:
    import cv2

    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (40, 48), dtype=np.uint8)
    out = {ext: cv2.imencode(ext, img)[1].tobytes() for ext in (".png", ".jpg", ".bmp")}
    path = _DIR / "base.tif"
    tifffile.imwrite(path, img, extratags=[(34682, "s", 0, "[Scan]\nPixelWidth=1e-8\n", True)])
    out[".tif"] = path.read_bytes()
    tifffile.imwrite(path, img.astype(np.float32), compression="zlib")
    out[".tiff"] = path.read_bytes()
    return out


VALID = _valid_files()


@st.composite
def damaged_files(draw):
    ext = draw(st.sampled_from(sorted(VALID)))
    data = bytearray(VALID[ext])
    how = draw(st.sampled_from(["truncate", "flip", "both", "random"]))
    if how == "random":
        return ext, draw(st.binary(max_size=2000))
    if how in ("flip", "both"):
        for _ in range(draw(st.integers(1, 8))):
            pos = draw(st.integers(0, min(len(data) - 1, 400)))  # headers live at the start
            data[pos] = draw(st.integers(0, 255))
    if how in ("truncate", "both"):
        data = data[: draw(st.integers(0, len(data)))]
    return ext, bytes(data)


@FUZZ
@given(damaged_files())
def test_read_micrograph_on_damaged_files(case):
    ext, data = case
    path = _DIR / f"f{ext}"
    path.write_bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = read_micrograph(path, max_pixels=4_000_000)
    except SemscanError:
        return
    assert m.image.dtype == np.float32 and m.image.ndim == 2
    assert np.isfinite(m.image).all()


@FUZZ
@given(st.one_of(
    st.binary(max_size=3000),
    st.lists(st.lists(st.one_of(st.text(max_size=20), numbers_text, st.sampled_from(
        ["path", "sample", "view", "pixel_size_um", "film_direction_deg", "xs", "surface",
         '"', "#", "a.tif"])), max_size=7), max_size=8).map(
        lambda rows: "\n".join(",".join(r) for r in rows).encode(
            "utf-8", "surrogatepass")),
))
def test_read_manifest_on_random_bytes(data):
    path = _DIR / "m.csv"
    path.write_bytes(data)
    try:
        entries = read_manifest(path)
    except SemscanError:
        return
    for entry in entries.values():
        assert entry.view in ("surface", "cross-section") and entry.sample


@pytest.mark.parametrize("size", [0, 1, 7, 31])
def test_read_micrograph_on_tiny_random_files(size):
    path = _DIR / "tiny.png"
    path.write_bytes(np.random.default_rng(size).bytes(size))
    with pytest.raises(SemscanError, match="cannot read"):
        read_micrograph(path)
