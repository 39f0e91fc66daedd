"""semscan.measure._lines: parallel lines in a window and the runs along them."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.measure._lines import line_samples, runs_2d, unit_vectors


@pytest.mark.parametrize(("angle", "expected"), [
    (0, (0.0, 1.0, 1.0, 0.0)), (90, (-1.0, 0.0, 0.0, 1.0)), (180, (0.0, -1.0, -1.0, 0.0)),
    (-90, (1.0, 0.0, 0.0, -1.0)), (450, (-1.0, 0.0, 0.0, 1.0))])
def test_unit_vectors_are_exact_at_right_angles(angle, expected):
    assert unit_vectors(angle) == expected


def test_unit_vectors_are_unit_and_normal():
    ur, uc, nr, nc = unit_vectors(33.0)
    assert ur**2 + uc**2 == pytest.approx(1.0) and ur * nr + uc * nc == pytest.approx(0.0)


def test_horizontal_lines_sample_whole_rows_of_the_window():
    s = line_samples((10, 20, 40, 30), 0.0, 4)
    assert s.rows.shape[0] == 4 and (s.n_samples == 30).all()
    for k in range(4):
        assert (s.rows[k, :30] == s.rows[k, 0]).all()  # one row per line
        assert s.cols[k, :30].tolist() == list(range(20, 50))
    assert 10 <= s.rows[:, 0].min() and s.rows[:, 0].max() < 50
    assert len(set(s.rows[:, 0].tolist())) == 4  # four distinct rows


def test_runs_and_their_truncation():
    phase = np.array([[1, 1, 0, 1, 1, 1, 0, 0],
                      [0, 1, 1, 0, 0, 0, 1, 1]], bool)
    r = runs_2d(phase)
    assert r.line.tolist() == [0, 0, 1, 1]
    assert r.start.tolist() == [0, 3, 1, 6] and r.length.tolist() == [2, 3, 2, 2]
    assert r.truncated.tolist() == [True, False, False, True]
    edge = np.zeros_like(phase)
    edge[0, 2] = True  # outside the region right after the first run of line 0 ...
    phase2 = phase & ~edge
    assert runs_2d(phase2, edge).truncated.tolist() == [True, True, False, True]
    n = np.array([6, 8])  # line 0 ends after 6 samples: its second run touches that end
    assert runs_2d(phase, n_samples=n).truncated.tolist() == [True, True, False, True]
