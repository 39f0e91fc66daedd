"""Results kept under the content of their inputs (semscan.measure.cross_section._memo)."""

from __future__ import annotations

import numpy as np

from semscan.measure.cross_section._memo import digest, memoised, new_round


def test_the_digest_tells_content_shape_and_dtype_apart():
    rng = np.random.default_rng(0)
    m = rng.random((37, 53)) > 0.5
    assert digest(m) == digest(m.copy()) == digest(np.asfortranarray(m))
    assert digest(m[:, 1:]) == digest(np.ascontiguousarray(m[:, 1:]))  # a view, a copy
    flipped = m.copy()
    flipped[36, 52] = ~flipped[36, 52]  # the last bit of the packed mask
    assert digest(flipped) != digest(m)
    assert digest(m) != digest(m.reshape(53, 37)) != digest(m.astype(np.uint8))
    assert digest(m, m) != digest(m)


def test_a_step_is_computed_again_exactly_when_an_input_changed():
    calls = []

    def step(a):
        calls.append(1)
        return int(a.sum())

    cache: dict = {}
    a = np.zeros((8, 8), bool)
    new_round(cache)
    assert memoised(cache, "s", (a,), 1, lambda: step(a)) == 0
    assert memoised(cache, "s", (a.copy(),), 1, lambda: step(a)) == 0
    assert len(calls) == 1
    assert memoised(cache, "s", (a,), 2, lambda: step(a)) == 0  # other parameters
    assert memoised(cache, "t", (a,), 1, lambda: step(a)) == 0  # another step
    assert len(calls) == 3
    b = a.copy()
    b[3, 4] = True
    assert memoised(cache, "s", (b,), 1, lambda: step(b)) == 1
    assert len(calls) == 4
    assert memoised(None, "s", (a,), 1, lambda: step(a)) == 0  # no store: always computed
    assert len(calls) == 5


def test_a_round_keeps_what_the_last_one_used_and_drops_the_rest():
    cache: dict = {}
    a, b = np.zeros(4, bool), np.ones(4, bool)
    new_round(cache)
    memoised(cache, "s", (a,), (), lambda: "a")
    memoised(cache, "s", (b,), (), lambda: "b")
    new_round(cache)  # the second measurement uses only a
    assert memoised(cache, "s", (a,), (), lambda: "again") == "a"
    new_round(cache)  # b was not used last time: gone
    assert memoised(cache, "s", (b,), (), lambda: "b again") == "b again"
    assert memoised(cache, "s", (a,), (), lambda: "again") == "a"
