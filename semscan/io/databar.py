"""Finding the instrument's data bar in the pixels.

SEM software burns a *data bar* (also: data zone, info bar) into the bottom of the saved
image: a band of rows in the instrument's style, text and graphics (scale bar, kV,
magnification, logo) on a flat background, black on FEI / Hitachi / JEOL, white on Zeiss,
separated from the micrograph by a sharp, straight edge. When the metadata does not give
its height, :func:`detect_databar` finds it from the pixels alone.

The rules are conservative: an image without a bar must lose nothing. A candidate band is
accepted only when all of these hold:

- it lies in the bottom 40 % of the image and is between 1.5 % and 40 % of its height;
- most of its rows are dominated by the bar's flat background level (≥ 40 % of the row
  within ±2/255 of the level of the band's bottom row);
- its top row is (almost) uniform across the whole width, and the row just above it is not
  flat, i.e. the band starts at a sharp, straight edge;
- the flat level of every band row is the bar's own background level (within 2/255), so
  a flat substrate above a black bar (particles on a dark wafer) is not taken for bar;
- the rows above it look like a micrograph: textured, or flat at another grey level;
- it holds text or graphics: between 0.3 % and 60 % of its pixels differ from the band's
  background by more than 0.25 of the grey range (a uniformly blank or saturated band is
  *not* a data bar: masking those is the segmentation's job).

Zeiss SmartSEM draws its data zone as a box that can stop a few rows short of the bottom
edge; up to 5 % of the height of non-bar rows below the band is allowed and cropped with it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["detect_databar"]

_SEARCH_FRACTION = 0.40
_MIN_FRACTION = 0.015
_MAX_FRACTION = 0.40
_TAIL_FRACTION = 0.05
_FLAT_ROW = 0.40  # a bar row: at least this fraction of pixels within ±2 levels of its mode
_UNIFORM_ROW = 0.90  # the band's top row (a rule line or the margin above the text)
_TEXTURED_ABOVE = 0.30  # median flatness of the rows above the band must stay below this
_MAX_GAP = 3  # rows of large text allowed inside the band
_LEVEL_TOL = 2  # grey levels (of 255) around the bar background that count as background


def _row_flatness(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row mode (0..255) and fraction of pixels within ±2 levels of it."""
    rows, cols = q.shape
    idx = q.astype(np.int64) + 256 * np.arange(rows, dtype=np.int64)[:, None]
    counts = np.bincount(idx.ravel(), minlength=256 * rows).reshape(rows, 256)
    padded = np.pad(counts, ((0, 0), (2, 2)))
    csum = np.cumsum(padded, axis=1)
    csum = np.concatenate([np.zeros((rows, 1), csum.dtype), csum], axis=1)
    window = csum[:, 5:] - csum[:, :-5]  # sum over [v-2, v+2]
    mode = np.argmax(window, axis=1)
    frac = window[np.arange(rows), mode] / float(cols)
    return mode, frac


def detect_databar(image: np.ndarray) -> int:
    """Height in pixels of the data bar at the bottom of an image, 0 when there is none.

    Parameters
    ----------
    image : ndarray, shape (rows, columns)
        Grey image, float in [0, 1] (integers are scaled by their dtype's maximum).

    Returns
    -------
    int
        Number of rows at the bottom that belong to the data bar (to crop), in pixels.
        0 when no band in a data bar's style is found; images smaller than 32 x 32 px
        always give 0.

    Notes
    -----
    The criteria are listed in the module docstring. The detector only looks at the
    bottom of the image, where every vendor places its bar.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> img = rng.uniform(0.2, 0.8, (200, 300)).astype(np.float32)
    >>> img[170:] = 0.0                # black data bar, 30 rows
    >>> img[180:190, 20:60] = 1.0      # white "text"
    >>> img[182:195, 200:260] = 1.0
    >>> detect_databar(img)
    30
    >>> detect_databar(img[:170])      # the micrograph alone: nothing to crop
    0
    """
    arr = np.asarray(image)
    if arr.ndim != 2:
        raise ValueError(f"detect_databar needs a 2-D grey image, got shape {arr.shape}")
    rows, cols = arr.shape
    if rows < 32 or cols < 32:
        return 0
    start = max(0, int(rows * (1.0 - _SEARCH_FRACTION)) - 20)
    sub = arr[start:]  # only the bottom is read: converted alone, not the whole image
    if sub.dtype == bool:
        sub = sub.astype(np.float32)
    elif np.issubdtype(sub.dtype, np.integer):
        sub = sub.astype(np.float32) / float(np.iinfo(sub.dtype).max)
    sub = np.nan_to_num(np.asarray(sub, dtype=np.float32), nan=0.0)
    q = np.clip(np.rint(sub * 255.0), 0, 255).astype(np.uint8)
    mode, flat = _row_flatness(q)
    n = flat.size
    # Zeiss data zones can stop a few rows short of the bottom edge: try each bottom row
    # within the allowed tail, nearest the edge first.
    max_tail = round(_TAIL_FRACTION * rows)
    for bottom in range(n - 1, max(-1, n - 2 - max_tail), -1):
        height = _band_from(sub, q, mode, flat, bottom, rows=rows, start=start)
        if height:
            return height
    return 0


def _band_from(
    sub: np.ndarray,
    q: np.ndarray,
    mode: np.ndarray,
    flat: np.ndarray,
    bottom: int,
    *,
    rows: int,
    start: int,
) -> int:
    """Height of a data bar whose last row is ``bottom`` (of ``sub``), else 0."""
    level = int(mode[bottom])
    # A bar row is flat *at the bar's own background level*: a flat substrate above a
    # black bar (particles on a dark wafer) is flat too, but at another grey level.
    near = np.abs(q.astype(np.int16) - level) <= _LEVEL_TOL
    at_level = near.mean(axis=1)
    barlike = at_level >= _FLAT_ROW
    if not barlike[bottom]:
        return 0

    # Grow the band upwards, bridging short gaps of large text.
    top = bottom
    gap = 0
    r = bottom - 1
    while r >= 0:
        if barlike[r]:
            top = r
            gap = 0
        else:
            gap += 1
            if gap > _MAX_GAP:
                break
        r -= 1

    # The band must start at a straight, sharp edge: a uniform row under a non-bar row.
    edge = None
    for cand in range(top, bottom + 1):
        if at_level[cand] >= _UNIFORM_ROW and cand > 0 and not barlike[cand - 1]:
            edge = cand
            break
    if edge is None:
        return 0
    # A box outline or rule line (1-2 uniform rows of another grey level) bounds the band:
    # crop it with the band, unless the "line" continues upwards (a flat vacuum region).
    for k in (1, 2):
        if edge - k - 1 < 0:
            break
        rule = slice(edge - k, edge)
        line_level = int(mode[edge - 1])
        if np.any(flat[rule] < _UNIFORM_ROW) or np.any(at_level[rule] >= _FLAT_ROW):
            break
        if np.any(np.abs(mode[rule].astype(np.int64) - line_level) > _LEVEL_TOL):
            break
        above_line = np.abs(q[edge - k - 1].astype(np.int16) - line_level) <= _LEVEL_TOL
        if float(above_line.mean()) < _FLAT_ROW:
            edge -= k
            break
    height = rows - (start + edge)
    if height < max(6, _MIN_FRACTION * rows) or height > _MAX_FRACTION * rows:
        return 0

    # The rows above must look like a micrograph: textured, or flat at another level.
    above = at_level[max(0, edge - 20) : edge]
    if above.size < 5 or float(np.median(above)) >= _TEXTURED_ABOVE:
        return 0

    band = sub[edge : bottom + 1]
    background = level / 255.0
    content = float(np.mean(np.abs(band - background) > 0.25))
    if not 0.003 <= content <= 0.60:
        return 0
    return int(height)
