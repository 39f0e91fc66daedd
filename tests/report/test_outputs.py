"""semscan.report.outputs: tables written and read back, file names that break CSV rows."""

from __future__ import annotations

import contextlib
import warnings

import pytest

from semscan.report.outputs import atomic_write, image_stem


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "t.txt"
    atomic_write(target, "one")
    atomic_write(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["t.txt"]


def test_image_stem_is_the_name_and_the_hash():
    sha = "0123456789abcdef" * 4
    assert image_stem("/data/lot 1/img.tif", sha) == "img-01234567"


def _surface_result(tmp_path, name="surf.tif"):
    from semscan.config import AnalysisConfig
    from semscan.pipeline import analyze_path
    from tests._synthetic import disc_pores, sem_image, write_fei_tiff

    fast = AnalysisConfig().with_overrides(
        {"classify.enabled": False, "measure.local_thickness": False,
         "measure.dense_chords": False, "measure.mil_step_deg": 0.0})
    path = tmp_path / name
    write_fei_tiff(path, sem_image(disc_pores((160, 200), porosity=0.35, radius=6.0, seed=4),
                                   seed=4))
    return analyze_path(path, config=fast, view="surface")


@contextlib.contextmanager
def _text_dtype(infer_string):
    """pandas' text dtype within: pandas 3's ``str`` (``future.infer_string``, its default)
    or pandas 2.x's ``object`` (the option off, as 2.x has it by default)."""
    import pandas as pd

    def option(value):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas 3 deprecates the option
            before = pd.get_option("future.infer_string")
            pd.set_option("future.infer_string", value)
        return before

    before = option(infer_string)
    try:
        yield
    finally:
        option(before)


def _assert_same_parquet(ours, theirs):
    """``ours`` holds the table ``theirs`` (written by ``DataFrame.to_parquet``) holds: the
    same Arrow types and values, the same pandas metadata (pyarrow's ``"attributes"`` key
    aside: pyarrow writes it from some version on), the same file layout (row groups,
    compression) and, when the metadata is the same to the byte, the same bytes."""
    import json

    import pyarrow.parquet as pq

    a, b = pq.read_table(ours), pq.read_table(theirs)
    assert a.schema.equals(b.schema, check_metadata=False) and a.equals(b)
    assert set(a.schema.metadata) == set(b.schema.metadata) == {b"pandas"}
    meta_a, meta_b = (json.loads(t.schema.metadata[b"pandas"]) for t in (a, b))
    assert meta_a.pop("attributes", {}) == meta_b.pop("attributes", {}) == {}
    assert meta_a == meta_b
    fa, fb = pq.ParquetFile(ours).metadata, pq.ParquetFile(theirs).metadata
    assert fa.num_row_groups == fb.num_row_groups and fa.num_rows == fb.num_rows
    assert [fa.row_group(0).column(i).compression for i in range(fa.num_columns)] == [
        fb.row_group(0).column(i).compression for i in range(fb.num_columns)]
    if a.schema.metadata == b.schema.metadata:
        assert ours.read_bytes() == theirs.read_bytes()


@pytest.mark.parametrize("infer_string", [True, False])
def test_chord_parquet_is_the_table_pandas_writes(tmp_path, infer_string):
    """Written with pyarrow alone (a batch worker needs no pandas), the per-image chord
    table is what ``DataFrame.to_parquet`` writes: the same Arrow types and the same pandas
    metadata (read back: the same frame, its RangeIndex), whether pandas' text columns are
    ``str`` (pandas 3) or ``object`` (pandas 2.x; here pandas 3 with the option off); byte
    for byte with pyarrow 26."""
    import pandas as pd

    from semscan.report.outputs import (
        _chord_columns,
        _chord_frame,
        _chord_table,
        _pandas_text_dtype,
        write_chord_parquet,
    )

    result = _surface_result(tmp_path, "a b é.tif")  # a name with a space and non-ASCII
    columns = _chord_columns(result, "stem")
    with _text_dtype(infer_string):
        assert _pandas_text_dtype() == ("str" if infer_string else "object")
        assert _chord_table(columns) is not None  # the pyarrow path, not the fallback
        write_chord_parquet(result, "stem", tmp_path / "ours.parquet")
        frame = _chord_frame(columns)
        frame.to_parquet(tmp_path / "pandas.parquet")
        _assert_same_parquet(tmp_path / "ours.parquet", tmp_path / "pandas.parquet")
        back = pd.read_parquet(tmp_path / "ours.parquet")
        pd.testing.assert_frame_equal(back, frame)
        pd.testing.assert_frame_equal(back, pd.read_parquet(tmp_path / "pandas.parquet"))
    assert set(back["phase"]) == {"pore", "solid"} and len(back) > 20
    assert str(back["file"].dtype) == ("str" if infer_string else "object")


def test_the_text_dtype_without_pandas_is_its_version_s_default():
    """Without pandas imported, the text dtype is read off its version: ``str`` from
    pandas 3 on, ``object`` before (a batch worker never imports pandas for it)."""
    import subprocess
    import sys

    from tests._procs import cli_env

    code = ("import sys\n"
            "from semscan.report.outputs import _pandas_text_dtype, _pandas_version\n"
            "print(_pandas_text_dtype(), _pandas_version(), 'pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=cli_env()).stdout.split()
    assert out[2] == "False"
    assert out[0] == ("str" if int(out[1].split(".")[0]) >= 3 else "object")


def test_chord_parquet_falls_back_to_pandas_for_other_tables(tmp_path):
    """A NaN (pandas stores null) or a path that is not text: written through pandas."""
    import dataclasses

    import numpy as np
    import pandas as pd

    from semscan.report.outputs import (
        _chord_columns,
        _chord_frame,
        _chord_table,
        write_chord_parquet,
    )

    result = _surface_result(tmp_path)
    ic = result.pore_intercept
    length = np.asarray(ic.chords.length, float).copy()
    length[0] = np.nan
    odd = dataclasses.replace(
        result, pore_intercept=dataclasses.replace(
            ic, chords=dataclasses.replace(ic.chords, length=length)))
    assert _chord_table(_chord_columns(odd, "s")) is None
    # a text dtype the pyarrow path does not know (pandas 2.2's opt-in 'string'): pandas
    from semscan.report import outputs

    usual = _chord_columns(result, "s")
    assert _chord_table(usual) is not None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(outputs, "_pandas_text_dtype", lambda: "string")
        assert _chord_table(usual) is None
    write_chord_parquet(odd, "s", tmp_path / "ours.parquet")
    _chord_frame(_chord_columns(odd, "s")).to_parquet(tmp_path / "pandas.parquet")
    assert (tmp_path / "ours.parquet").read_bytes() == (tmp_path / "pandas.parquet").read_bytes()
    assert pd.read_parquet(tmp_path / "ours.parquet").iloc[0].isna().any()


def test_chord_parquet_of_a_phase_without_chords_is_the_table_pandas_writes(tmp_path):
    """One phase without intercepts: still the pyarrow path and pandas' table; both phases
    without: pandas, its text columns of pandas' text dtype."""
    import dataclasses

    import numpy as np
    import pandas as pd

    from semscan.report.outputs import (
        _chord_columns,
        _chord_frame,
        _chord_table,
        write_chord_parquet,
    )

    def without_chords(ic):
        ch = ic.chords
        names = ("line", "r0", "c0", "r1", "c1", "length", "truncated")
        return dataclasses.replace(ic, chords=dataclasses.replace(
            ch, **{k: np.asarray(getattr(ch, k))[:0] for k in names}))

    result = _surface_result(tmp_path)
    solid_only = dataclasses.replace(result, pore_intercept=without_chords(result.pore_intercept))
    columns = _chord_columns(solid_only, "s")
    assert _chord_table(columns) is not None
    write_chord_parquet(solid_only, "s", tmp_path / "ours.parquet")
    _chord_frame(columns).to_parquet(tmp_path / "pandas.parquet")
    _assert_same_parquet(tmp_path / "ours.parquet", tmp_path / "pandas.parquet")
    back = pd.read_parquet(tmp_path / "ours.parquet")
    assert set(back["phase"]) == {"solid"} and len(back) == len(result.solid_intercept.chords)

    none = dataclasses.replace(solid_only, solid_intercept=without_chords(result.solid_intercept))
    assert _chord_table(_chord_columns(none, "s")) is None
    frame = _chord_frame(_chord_columns(none, "s"))
    assert len(frame) == 0 and frame["file"].dtype == pd.Series([""]).dtype
    assert list(frame.columns) == list(back.columns)


def test_a_worker_writes_its_image_without_pandas(tmp_path):
    """The per-image outputs of a default surface analysis import no pandas: a batch
    imports it in the main process while the workers analyse (issue 23, start-up)."""
    import subprocess
    import sys

    from tests._procs import cli_env
    from tests._synthetic import disc_pores, sem_image, write_fei_tiff

    path = tmp_path / "s.tif"
    write_fei_tiff(path, sem_image(disc_pores((160, 200), porosity=0.35, radius=6.0, seed=5),
                                   seed=5))
    code = (
        "import sys\n"
        "from semscan.pipeline import analyze_path\n"
        "from semscan.report.outputs import ImageOutputWriter\n"
        f"r = analyze_path({str(path)!r})\n"
        f"row = ImageOutputWriter(__import__('pathlib').Path({str(tmp_path / 'out')!r}))(r)\n"
        "print('pandas' in sys.modules, row['overlay'])\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=cli_env())
    assert res.stdout.split()[0] == "False", res.stdout
    assert (tmp_path / "out" / "chords").is_dir()
