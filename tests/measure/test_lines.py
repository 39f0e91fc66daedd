"""Line geometry and runs (semscan/measure/_lines.py): exact answers on small windows."""

import math

import numpy as np
import pytest

from semscan.measure._lines import line_samples, runs_2d, unit_vectors


@pytest.mark.parametrize(("angle", "want"), [(0, (0.0, 1.0, 1.0, 0.0)),
                                             (90, (-1.0, 0.0, 0.0, 1.0)),
                                             (180, (0.0, -1.0, -1.0, 0.0)),
                                             (-90, (1.0, 0.0, 0.0, -1.0)),
                                             (450, (-1.0, 0.0, 0.0, 1.0))])
def test_unit_vectors_exact_at_right_angles(angle, want):
    assert unit_vectors(angle) == want


def test_unit_vectors_at_an_oblique_angle():
    ur, uc, nr, nc = unit_vectors(30.0)
    assert (ur, uc) == pytest.approx((-0.5, math.sqrt(3) / 2))  # counter-clockwise: up
    assert (nr, nc) == pytest.approx((math.sqrt(3) / 2, 0.5))
    assert ur * nr + uc * nc == pytest.approx(0.0)


def test_horizontal_lines_read_whole_rows_spaced_evenly():
    ls = line_samples((0, 0, 10, 7), 0.0, 5)
    assert ls.n_samples.tolist() == [7] * 5
    # half a spacing (1 px) from the window's edge at row -0.5: on pixel boundaries, which
    # the nearest-pixel rounding (half to even) puts on the even rows
    assert ls.rf[:, 0].tolist() == [0.5, 2.5, 4.5, 6.5, 8.5]
    assert ls.rows[:, 0].tolist() == [0, 2, 4, 6, 8]
    assert (ls.rows == ls.rows[:, :1]).all()
    assert ls.cols[0].tolist() == list(range(7))
    assert ls.valid.all()
    assert ls.endpoints[1].tolist() == [2.0, 0.0, 2.0, 6.0]


def test_vertical_lines_in_an_offset_window():
    ls = line_samples((2, 3, 4, 6), 90.0, 3)
    assert ls.n_samples.tolist() == [4, 4, 4]
    assert ls.cols[:, 0].tolist() == [4, 6, 8]
    # 90 deg runs up the image (the row index decreases)
    assert ls.rows[0].tolist() == [5, 4, 3, 2]


def test_fixed_spacing_draws_as_many_lines_as_fit():
    ls = line_samples((0, 0, 10, 4), 0.0, 99, spacing=1.0)
    assert ls.rows[:, 0].tolist() == list(range(10))
    ls3 = line_samples((0, 0, 10, 4), 0.0, 99, spacing=3.0)
    assert ls3.rf[:, 0].tolist() == [1.5, 4.5, 7.5]  # 3 lines, centred: 0.5 px spare a side
    assert ls3.rows[:, 0].tolist() == [2, 4, 8]


def test_diagonal_line_lengths_and_padding():
    ls = line_samples((0, 0, 8, 8), 45.0, 4)
    # every sample lies inside the window and the padding repeats the window's corner
    assert ls.rows[ls.valid].min() >= 0 and ls.rows[ls.valid].max() <= 7
    assert ls.cols[ls.valid].min() >= 0 and ls.cols[ls.valid].max() <= 7
    assert ls.rows.shape == ls.valid.shape == (4, ls.n_samples.max())
    assert (ls.rows[~ls.valid] == 0).all() and (ls.cols[~ls.valid] == 0).all()
    # the clipped chords: sqrt(2) * the window's side minus the offset, floored to samples
    extent = 8 * math.sqrt(2)
    offs = -extent / 2 + (np.arange(4) + 0.5) * extent / 4
    want = np.floor(2 * (extent / 2 - np.abs(offs)) + 1e-9).astype(int)
    assert ls.n_samples.tolist() == want.tolist()


def test_a_window_of_no_width_gives_lines_without_samples():
    ls = line_samples((0, 0, 4, 4), 0.0, 1, spacing=10.0)
    assert ls.n_samples.tolist() == [4]  # a spacing wider than the window: one line
    empty = line_samples((0, 0, 4, 0), 0.0, 2)
    assert empty.n_samples.tolist() == [0, 0]
    assert np.isnan(empty.endpoints).all()


def test_runs_lengths_and_truncation_at_the_ends():
    phase = np.array([[1, 1, 0, 1, 0, 1],
                      [0, 1, 1, 1, 0, 0]], bool)
    r = runs_2d(phase)
    assert r.line.tolist() == [0, 0, 0, 1]
    assert r.start.tolist() == [0, 3, 5, 1]
    assert r.length.tolist() == [2, 1, 1, 3]
    assert r.truncated.tolist() == [True, False, True, False]


def test_runs_truncated_by_the_valid_length_or_an_edge():
    phase = np.array([[0, 1, 1, 0, 0], [0, 1, 0, 1, 0]], bool)
    r = runs_2d(phase, n_samples=np.array([3, 5]))
    assert r.truncated.tolist() == [True, False, False]  # row 0 ends after 3 samples
    edge = np.array([[1, 0, 0, 0, 0], [0, 0, 1, 0, 0]], bool)
    e = runs_2d(phase, edge=edge)
    assert e.truncated.tolist() == [True, True, True]  # each run touches an edge sample


def test_runs_of_an_empty_phase():
    r = runs_2d(np.zeros((3, 4), bool))
    assert r.line.size == 0 and r.length.size == 0
