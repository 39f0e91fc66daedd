"""semscan.lots.process: the patent's Tl/Tu example exactly; r and k from hand-computed cases."""

from __future__ import annotations

import pytest

from semscan.errors import LotError
from semscan.lots.process import process_window, read_window_csv, rolling_check

TS = [135, 140, 145, 150, 155, 160]
P = [42.0, 54.0, 54.6, 54.3, 52.9, 53.5]
TL = [380, 400, 353, 290, 90, 75]


def test_patent_worked_example_gives_tl_137_5_and_tu_152_5():
    w = process_window(TS, TL, P)
    assert (w.tl_c, w.tu_c, w.qualifies, w.n_points) == (137.5, 152.5, True, 6)
    assert w.ts_c is None and w.ts_in_window is None


def test_order_of_rows_does_not_matter_and_ts_is_checked():
    w = process_window(TS[::-1], TL[::-1], P[::-1], check_ts_c=160)
    assert (w.tl_c, w.tu_c, w.ts_in_window) == (137.5, 152.5, False)
    assert process_window(TS, TL, P, check_ts_c=137.5).ts_in_window is True


def test_a_solvent_whose_extension_drops_before_the_porosity_rises_does_not_qualify():
    # TL falls most from 135 to 140 (Tu 137.5); P rises most from 150 to 155 (Tl 152.5)
    w = process_window([135, 140, 145, 150, 155], [400, 100, 90, 85, 80], [40, 41, 42, 43, 60])
    assert (w.tl_c, w.tu_c, w.qualifies) == (152.5, 137.5, False)


@pytest.mark.parametrize("ts, match", [([135, 140, 150], "5 °C steps"), ([135], ">= 2")])
def test_bad_series_are_refused(ts, match):
    with pytest.raises(LotError, match=match):
        process_window(ts, [1.0] * len(ts), [1.0] * len(ts))


def test_csv_with_unit_suffixes(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("Ts_C,TL_pct,P_pct\n" + "".join(
        f"{t},{tl},{p}\n" for t, tl, p in zip(TS, TL, P, strict=True)))
    assert process_window(*read_window_csv(path)).tl_c == 137.5
    (tmp_path / "bad.csv").write_text("Ts,P\n135,1\n")
    with pytest.raises(LotError, match="no column 'tl'"):
        read_window_csv(tmp_path / "bad.csv")


def test_rolling_hand_computed():
    # r = 100 (23 - 20) / 20 = 15 %; k = 100 / 25 x 1.5 = 6
    c = rolling_check(t0_um=20, t_um=23, before_um=100, after_um=25, minutes=1.5)
    assert (c.r_pct, c.k, c.r_ok, c.k_ok) == (15.0, 6.0, True, True)
    # r = 100 (25 - 20) / 20 = 25 % > 20; k = 50 / 25 x 2 = 4 < 5
    c = rolling_check(t0_um=20, t_um=25, before_um=50, after_um=25, minutes=2)
    assert (c.r_pct, c.k, c.r_ok, c.k_ok) == (25.0, 4.0, False, False)
    # the limits themselves pass: r = 20 %, k = 5
    c = rolling_check(t0_um=10, t_um=12, before_um=50, after_um=20, minutes=2)
    assert (c.r_pct, c.k, c.r_ok, c.k_ok) == (20.0, 5.0, True, True)


def test_rolling_refuses_a_zero_clearance():
    with pytest.raises(LotError, match="t0 must be a positive length"):
        rolling_check(t0_um=0, t_um=1, before_um=1, after_um=1, minutes=1)
