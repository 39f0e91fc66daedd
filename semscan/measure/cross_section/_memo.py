"""Results of a cross-section's steps kept between measurements of edits of one image.

A reviewer's edit changes a few hundred pixels of a section (napari's Re-measure, issue 20):
most depth-profile bands, most blocks of the layer search, and often the film interior's
laminar coefficient see exactly the masks they saw before. :func:`memoised` keeps each such
result under the *content* of its inputs (a 128-bit BLAKE2b digest of the arrays, their
shape and dtype, and the other arguments), so a step whose inputs did not change returns
what it returned before, and any change, however small, computes it again: the numbers are
those of a fresh measurement, only sooner.

The store is a plain dict, the ``cache`` of
:func:`~semscan.measure.cross_section.analyze_cross_section` (None: nothing kept). Each
measurement is a *round* (:func:`new_round`): what the last round used is kept for the
next one, anything older is dropped, so the store holds about one measurement's results.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

__all__ = ["digest", "memoised", "new_round"]

T = TypeVar("T")

_NOW, _BEFORE = "memo_now", "memo_before"


def digest(*arrays: np.ndarray) -> bytes:
    """128-bit BLAKE2b digest of arrays: their shapes, dtypes and values.

    Examples
    --------
    >>> a = np.zeros((2, 3), bool)
    >>> digest(a) == digest(a.copy()), digest(a) == digest(a.reshape(3, 2))
    (True, False)
    """
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        arr = np.asarray(a)
        h.update(f"{arr.shape}{arr.dtype.str};".encode())
        # a mask is hashed packed, 8 pixels a byte: the same content, a quarter of the time
        data = np.packbits(arr, axis=None) if arr.dtype == bool else np.ascontiguousarray(arr)
        h.update(memoryview(data).cast("B"))
    return h.digest()


def new_round(cache: dict[str, Any] | None) -> None:
    """Start a measurement: keep what the last one used, drop anything older."""
    if cache is None:
        return
    last = cache.get(_NOW)
    if last is not None:
        cache[_BEFORE] = last
    cache[_NOW] = {}


def memoised(
    cache: dict[str, Any] | None,
    name: str,
    arrays: tuple[np.ndarray, ...],
    params: Hashable,
    compute: Callable[[], T],
) -> T:
    """``compute()``, or what it returned for the same ``arrays`` and ``params`` before.

    Parameters
    ----------
    cache : dict or None
        The store (None: computed every time).
    name : str
        The step (keys of different steps never meet).
    arrays : tuple of ndarray
        Every array ``compute`` reads, compared by content.
    params : hashable
        Every other input ``compute`` depends on.
    compute : callable
        The step, without arguments; its result must not be modified afterwards.

    Examples
    --------
    >>> calls = []
    >>> def step():
    ...     calls.append(1)
    ...     return int(m.sum())
    >>> cache, m = {}, np.ones((4, 4), bool)
    >>> new_round(cache)
    >>> memoised(cache, "sum", (m,), (), step), memoised(cache, "sum", (m.copy(),), (), step)
    (16, 16)
    >>> m[0, 0] = False
    >>> memoised(cache, "sum", (m,), (), step), len(calls)
    (15, 2)
    """
    if cache is None:
        return compute()
    now = cache.setdefault(_NOW, {})
    key = (name, params, digest(*arrays))
    if key in now:
        return now[key]  # type: ignore[no-any-return]
    before = cache.get(_BEFORE, {})
    value = before[key] if key in before else compute()
    now[key] = value
    return value
