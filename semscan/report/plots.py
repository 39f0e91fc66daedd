"""Plots of one image's results, as SVG text (for reports) or matplotlib figures (for papers).

Every plot is made from what an output folder holds (an image's JSON, its chord file):

- :func:`histogram_svg` / :func:`histogram_figure`: histogram and cumulative distribution
  of the pore intercepts of the 50-line method, or of the dense chords (rows, columns);
- :func:`rose_svg` / :func:`rose_figure`: the MIL rose as a polar plot with the fabric
  ellipse ``1 / sqrt(nᵀ M n)`` (METHODS.md 3);
- :func:`depth_profile_svg` / :func:`depth_profile_figure`: a cross-section's pore
  intercept along the film by depth from each surface, the interior value and the
  surface layers (METHODS.md 6);
- :func:`class_bars_svg` / :func:`class_bars_figure`: the structure-class probabilities.

The SVG renderers write plain SVG 1.1 (no scripts, no fonts to fetch, no external
references), a few kB each and in about a millisecond, so that a report of 500 images is
built in seconds and prints the same in a browser and in WeasyPrint. The ``*_figure``
functions draw the same data with matplotlib (Agg; install ``semscan[reports]``) for
users who want to restyle a plot; :func:`save_figure` writes one as PNG, SVG or PDF.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Series",
    "class_bars_figure",
    "class_bars_svg",
    "depth_profile_figure",
    "depth_profile_svg",
    "histogram_figure",
    "histogram_svg",
    "nice_ticks",
    "rose_figure",
    "rose_svg",
    "save_figure",
]

COLOURS = ("#1f5fa8", "#d9731a", "#2a8c4a", "#a33b8f", "#6b6b6b")
W, H = 360, 220  # default SVG size, px
Series = tuple[str, np.ndarray, np.ndarray | None]  # label, values, weights (None: 1 each)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick positions covering ``[lo, hi]``.

    Examples
    --------
    >>> nice_ticks(0, 0.93)
    [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else [0.0]
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = [start]
    while ticks[-1] < hi - step * 1e-9:  # up to the first tick at or above hi
        ticks.append(start + len(ticks) * step)
    return ticks


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="plot" '
        f'font-family="DejaVu Sans, Arial, sans-serif" font-size="10">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _empty(title: str, why: str) -> str:
    return _svg(W, 60, [f'<text x="8" y="34" fill="#666">{escape(why)}</text>'], title)


def _axes(title: str, left: float, top: float, pw: float, ph: float, xt: list[float],
          yt: list[float], x: Any, y: Any) -> list[str]:
    """Title, horizontal grid lines with y labels, and x labels of a plot's axes."""
    body = [f'<text x="{left}" y="13" font-weight="bold">{escape(title)}</text>']
    for t in yt:
        body.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                    f'stroke="#e4e4e4"/><text x="{left - 4}" y="{y(t) + 3:.1f}" '
                    f'text-anchor="end">{_fmt(t)}</text>')
    for t in xt:
        body.append(f'<text x="{x(t):.1f}" y="{top + ph + 12}" text-anchor="middle">'
                    f"{_fmt(t)}</text>")
    return body


def _histogram_data(
    series: Sequence[Series], bins: int
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    allv = np.concatenate([np.asarray(v, float) for _, v, _ in series])
    allv = allv[np.isfinite(allv)]
    hi = float(allv.max()) if allv.size else 1.0
    edges = np.linspace(0.0, hi if hi > 0 else 1.0, bins + 1)
    dens, cdfs = [], []
    for _, v, w in series:
        v = np.asarray(v, float)
        w = np.ones_like(v) if w is None else np.asarray(w, float)
        ok = np.isfinite(v)
        counts, _ = np.histogram(v[ok], bins=edges, weights=w[ok])
        total = counts.sum()
        dens.append(counts / total if total else counts)
        cdfs.append(np.cumsum(counts) / total if total else counts)
    return edges, dens, cdfs


def histogram_svg(
    series: Sequence[Series], *, unit: str, title: str, bins: int = 30,
    width: int = W, height: int = H,
) -> str:
    """Histogram (fraction per bin) and cumulative distribution of lengths, as SVG.

    Parameters
    ----------
    series : sequence of (label, values, weights)
        One or more length distributions (``weights`` None: one count per value); one
        series is drawn as bars, several as outlines, each with its cumulative curve
        (right axis, 0-1).
    unit : str
        Length unit for the axis label (µm or px).
    title : str
        Plot title (escaped).

    Examples
    --------
    >>> svg = histogram_svg([("50-line", np.array([0.1, 0.2, 0.2, 0.4]), None)],
    ...                     unit="µm", title="pore intercepts")
    >>> svg.startswith("<svg") and "cumulative" in svg
    True
    """
    series = [s for s in series if np.asarray(s[1]).size]
    if not series:
        return _empty(title, "no intercepts")
    edges, dens, cdfs = _histogram_data(series, bins)
    left, right, top, bottom = 44, 40, 22 + 12 * len(series), 34  # labels above the axes
    pw, ph = width - left - right, height - top - bottom
    ymax = max(float(d.max()) for d in dens) or 1.0
    yt = nice_ticks(0.0, ymax, 4)
    ymax = yt[-1]
    xt = nice_ticks(0.0, float(edges[-1]), 5)
    xmax = max(xt[-1], float(edges[-1]))

    def x(v: float) -> float:
        return left + pw * v / xmax

    def y(v: float) -> float:
        return top + ph * (1 - v / ymax)

    def yc(v: float) -> float:
        return top + ph * (1 - v)

    body = _axes(title, left, top, pw, ph, xt, yt, x, y)
    for t in (0.0, 0.5, 1.0):
        body.append(f'<text x="{left + pw + 4}" y="{yc(t) + 3:.1f}">{_fmt(t)}</text>')
    for i, d in enumerate(dens):
        colour = COLOURS[i % len(COLOURS)]
        if len(series) == 1:
            for k, v in enumerate(d):
                if v > 0:
                    body.append(
                        f'<rect x="{x(edges[k]):.1f}" y="{y(v):.1f}" '
                        f'width="{max(x(edges[k + 1]) - x(edges[k]) - 0.5, 0.5):.1f}" '
                        f'height="{y(0) - y(v):.1f}" fill="{colour}" fill-opacity="0.55"/>'
                    )
        else:
            pts = [f"{x(edges[0]):.1f},{y(0):.1f}"]
            for k, v in enumerate(d):
                pts += [f"{x(edges[k]):.1f},{y(v):.1f}", f"{x(edges[k + 1]):.1f},{y(v):.1f}"]
            pts.append(f"{x(edges[-1]):.1f},{y(0):.1f}")
            body.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{colour}"/>')
        cpts = [f"{x(edges[0]):.1f},{yc(0):.1f}"] + [
            f"{x(edges[k + 1]):.1f},{yc(c):.1f}" for k, c in enumerate(cdfs[i])
        ]
        body.append(f'<polyline points="{" ".join(cpts)}" fill="none" stroke="{colour}" '
                    f'stroke-width="1.6" stroke-dasharray="4 2"/>')
        label = f"{series[i][0]} (n = {_count(series[i])})"
        body.append(f'<text x="{left}" y="{24 + 12 * i}" fill="{colour}">'
                    f"{escape(label)}</text>")
    body.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
                f'stroke="#444"/>')
    body.append(f'<text x="{left + pw / 2}" y="{height - 4}" text-anchor="middle">'
                f"length ({escape(unit)}); dashed: cumulative (right axis)</text>")
    body.append(f'<text x="10" y="{top + ph / 2}" text-anchor="middle" '
                f'transform="rotate(-90 10 {top + ph / 2})">fraction</text>')
    return _svg(width, height, body, title)


def _weights(s: Series) -> np.ndarray:
    return np.ones(np.asarray(s[1]).size) if s[2] is None else np.asarray(s[2], float)


def _count(s: Series) -> int:
    return int(np.rint(np.sum(_weights(s))))


def fabric_ellipse(fabric: Sequence[float], angles_deg: np.ndarray) -> np.ndarray:
    """Radius ``1 / sqrt(nᵀ M n)`` of the fabric ellipse at each angle (NaN if undefined).

    Examples
    --------
    >>> fabric_ellipse([4.0, 0.0, 1.0], np.array([0.0, 90.0])).round(3).tolist()
    [0.5, 1.0]
    """
    m11, m12, m22 = (float(v) if v is not None else math.nan for v in fabric)
    t = np.radians(np.asarray(angles_deg, float))
    q = m11 * np.cos(t) ** 2 + 2 * m12 * np.sin(t) * np.cos(t) + m22 * np.sin(t) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(q > 0, 1.0 / np.sqrt(np.where(q > 0, q, 1.0)), np.nan)


def rose_svg(
    angles_deg: Sequence[float], mil: Sequence[float], *, fabric: Sequence[float] | None,
    unit: str, title: str, size: int = 240,
) -> str:
    """MIL rose (both half-planes) with the fabric ellipse, as SVG.

    Angles are line directions, 0 along the image rows, counter-clockwise as displayed.

    Examples
    --------
    >>> svg = rose_svg([0, 45, 90, 135], [2.0, 1.5, 1.0, 1.5], fabric=[0.25, 0, 1],
    ...                unit="µm", title="MIL")
    >>> "fabric ellipse" in svg
    True
    """
    a = np.asarray(angles_deg, float)
    m = np.asarray(mil, float)
    ok = np.isfinite(m)
    if not ok.any():
        return _empty(title, "no MIL rose")
    fine = np.arange(0.0, 360.0, 3.0)
    ell = fabric_ellipse(fabric, fine) if fabric is not None else np.full(fine.size, np.nan)
    rmax = max(float(np.nanmax(m)), float(np.nanmax(ell)) if np.isfinite(ell).any() else 0)
    ticks = nice_ticks(0.0, rmax, 3)
    rmax = ticks[-1]
    cx, cy, rad = size / 2, size / 2 + 8, size / 2 - 26

    def pt(r: float, deg: float) -> str:
        t = math.radians(deg)
        return f"{cx + rad * r / rmax * math.cos(t):.1f},{cy - rad * r / rmax * math.sin(t):.1f}"

    body = [f'<text x="4" y="13" font-weight="bold">{escape(title)}</text>']
    for t in ticks[1:]:
        body.append(f'<circle cx="{cx}" cy="{cy}" r="{rad * t / rmax:.1f}" fill="none" '
                    f'stroke="#ddd"/><text x="{cx + 2}" y="{cy - rad * t / rmax - 2:.1f}" '
                    f'fill="#777">{_fmt(t)}</text>')
    for deg in range(0, 180, 45):
        body.append(f'<line x1="{pt(rmax, deg).split(",")[0]}" y1="{pt(rmax, deg).split(",")[1]}"'
                    f' x2="{pt(rmax, deg + 180).split(",")[0]}" '
                    f'y2="{pt(rmax, deg + 180).split(",")[1]}" stroke="#eee"/>')
    both_a = np.concatenate([a[ok], a[ok] + 180.0])
    both_m = np.concatenate([m[ok], m[ok]])
    order = np.argsort(both_a)
    pts = " ".join(pt(r, d) for d, r in zip(both_a[order], both_m[order], strict=True))
    body.append(f'<polygon points="{pts}" fill="{COLOURS[0]}" fill-opacity="0.18" '
                f'stroke="{COLOURS[0]}" stroke-width="1.4"/>')
    for d, r in zip(both_a, both_m, strict=True):
        x, y = pt(r, d).split(",")
        body.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{COLOURS[0]}"/>')
    if np.isfinite(ell).all():
        epts = " ".join(pt(r, d) for d, r in zip(fine, ell, strict=True))
        body.append(f'<polygon points="{epts}" fill="none" stroke="{COLOURS[1]}" '
                    f'stroke-width="1.4" stroke-dasharray="5 3"/>')
    body.append(f'<text x="4" y="{size + 4}" fill="{COLOURS[0]}">MIL ({escape(unit)})</text>'
                f'<text x="{size - 4}" y="{size + 4}" text-anchor="end" fill="{COLOURS[1]}">'
                "fabric ellipse</text>")
    return _svg(size, size + 10, body, title)


def depth_profile_svg(
    profile: dict[str, Any], *, layers: dict[str, tuple[str, float]], title: str,
    width: int = W, height: int = H,
) -> str:
    """Pore intercept along the film by depth from each surface, with the surface layers.

    Parameters
    ----------
    profile : dict
        ``{"band", "unit", "interior", "top": [[from, to, mean, n], ...], "bottom": ...}``
        as in an image's JSON (``depth_profile``).
    layers : dict
        ``{"top": (kind, thickness), "bottom": (kind, thickness)}`` (``'skin'``,
        ``'open'`` or ``'none'``), shaded from the surface.

    Examples
    --------
    >>> prof = {"band": 0.1, "unit": "µm", "interior": 0.3,
    ...         "top": [[0, 0.1, 0.15, 9], [0.1, 0.2, 0.3, 12]], "bottom": []}
    >>> "interior" in depth_profile_svg(prof, layers={"top": ("skin", 0.1)}, title="d")
    True
    """
    unit = str(profile.get("unit") or "µm")
    sides = [(s, [b for b in profile.get(s) or [] if b[2] is not None])
             for s in ("top", "bottom")]
    sides = [(s, b) for s, b in sides if b]
    if not sides:
        return _empty(title, "no depth profile")
    depth_max = max(float(b[1]) for _, bands in sides for b in bands)
    interior = profile.get("interior")
    dmax = max(float(b[2]) for _, bands in sides for b in bands)
    if interior is not None and math.isfinite(float(interior)):
        dmax = max(dmax, float(interior))
    left, right, top, bottom = 44, 12, 22, 34
    pw, ph = width - left - right, height - top - bottom
    xt, yt = nice_ticks(0.0, depth_max, 5), nice_ticks(0.0, dmax, 4)
    xmax, ymax = max(xt[-1], depth_max), yt[-1]

    def x(v: float) -> float:
        return left + pw * v / xmax

    def y(v: float) -> float:
        return top + ph * (1 - v / ymax)

    body = _axes(title, left, top, pw, ph, xt, yt, x, y)
    for i, (side, bands) in enumerate(sides):
        colour = COLOURS[i]
        kind, thick = layers.get(side, ("none", 0.0))
        if kind != "none" and thick and math.isfinite(thick) and thick > 0:
            body.append(f'<rect x="{x(0):.1f}" y="{top}" width="{x(min(thick, xmax)) - x(0):.1f}"'
                        f' height="{ph}" fill="{colour}" fill-opacity="0.10"/>')
        pts = " ".join(f"{x((b[0] + b[1]) / 2):.1f},{y(b[2]):.1f}" for b in bands)
        body.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                    f'stroke-width="1.4"/>')
        label = f"from {side} surface" + (f": {kind} layer {thick:.3g} {unit}"
                                          if kind != "none" else ": no layer")
        body.append(f'<text x="{left + pw - 4}" y="{top + 12 + 12 * i}" text-anchor="end" '
                    f'fill="{colour}">{escape(label)}</text>')
    if interior is not None and math.isfinite(float(interior)):
        yi = y(float(interior))
        body.append(f'<line x1="{left}" x2="{left + pw}" y1="{yi:.1f}" y2="{yi:.1f}" '
                    f'stroke="#333" stroke-dasharray="4 3"/><text x="{left + 4}" '
                    f'y="{yi - 3:.1f}">interior {_fmt(float(interior))} {escape(unit)}</text>')
    body.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
                f'stroke="#444"/>')
    body.append(f'<text x="{left + pw / 2}" y="{height - 4}" text-anchor="middle">depth from '
                f"the surface ({escape(unit)})</text>")
    body.append(f'<text x="10" y="{top + ph / 2}" text-anchor="middle" '
                f'transform="rotate(-90 10 {top + ph / 2})">d along ({escape(unit)})</text>')
    return _svg(width, height, body, title)


def class_bars_svg(
    probabilities: Sequence[tuple[str, float]], *, chosen: str | None, title: str,
    width: int = W,
) -> str:
    """Horizontal bars of the class probabilities; the chosen class is drawn dark.

    Examples
    --------
    >>> "cellular" in class_bars_svg([("cellular", 0.6), ("coarse", 0.4)], chosen="cellular",
    ...                              title="class")
    True
    """
    probabilities = [(n, p) for n, p in probabilities if p is not None and math.isfinite(p)]
    if not probabilities:
        return _empty(title, "not classified")
    row, left, top = 18, 110, 22
    height = top + row * len(probabilities) + 8
    pw = width - left - 50
    body = [f'<text x="4" y="13" font-weight="bold">{escape(title)}</text>']
    for i, (name, p) in enumerate(probabilities):
        yy = top + i * row
        colour = COLOURS[0] if name == chosen else "#9bb4d4"
        body.append(f'<text x="{left - 6}" y="{yy + 12}" text-anchor="end">'
                    f"{escape(name.replace('_', ' '))}</text>"
                    f'<rect x="{left}" y="{yy + 2}" width="{pw * p:.1f}" height="{row - 5}" '
                    f'fill="{colour}"/><text x="{left + pw * p + 4:.1f}" y="{yy + 12}">'
                    f"{100 * p:.0f} %</text>")
    return _svg(width, height, body, title)


# --------------------------------------------------------------------------- matplotlib
def _figure(**kw: Any) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - the reports extra is missing
        from semscan.report.folder import ReportError

        raise ReportError('matplotlib is not installed; pip install "semscan[reports]"') from exc
    return Figure(**kw)  # no pyplot: no GUI backend, no global state (renders with Agg)


def histogram_figure(series: Sequence[Series], *, unit: str, title: str, bins: int = 30) -> Any:
    """The plot of :func:`histogram_svg` as a matplotlib Figure."""
    fig = _figure(figsize=(4.5, 2.8), layout="constrained")
    ax = fig.add_subplot()
    ax2 = ax.twinx()
    series = [s for s in series if np.asarray(s[1]).size]
    if series:
        edges, dens, cdfs = _histogram_data(series, bins)
        for i, (s, d, c) in enumerate(zip(series, dens, cdfs, strict=True)):
            colour = COLOURS[i % len(COLOURS)]
            ax.stairs(d, edges, fill=len(series) == 1, alpha=0.55 if len(series) == 1 else 1,
                      color=colour, label=f"{s[0]} (n = {_count(s)})")
            ax2.plot(edges, np.concatenate([[0.0], c]), "--", color=colour)
        ax.legend(fontsize=8, frameon=False)
    ax.set(xlabel=f"length ({unit})", ylabel="fraction", title=title)
    ax2.set(ylim=(0, 1.02), ylabel="cumulative")
    return fig


def rose_figure(angles_deg: Sequence[float], mil: Sequence[float], *,
                fabric: Sequence[float] | None, unit: str, title: str) -> Any:
    """The plot of :func:`rose_svg` as a matplotlib Figure (polar axes)."""
    fig = _figure(figsize=(3.6, 3.6), layout="constrained")
    ax = fig.add_subplot(projection="polar")
    a, m = np.asarray(angles_deg, float), np.asarray(mil, float)
    t = np.radians(np.concatenate([a, a + 180.0, a[:1]]))
    ax.plot(t, np.concatenate([m, m, m[:1]]), "o-", color=COLOURS[0], label=f"MIL ({unit})")
    if fabric is not None:
        fine = np.arange(0.0, 361.0, 3.0)
        ax.plot(np.radians(fine), fabric_ellipse(fabric, fine), "--", color=COLOURS[1],
                label="fabric ellipse")
    ax.set_title(title)
    ax.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(-0.1, -0.15))
    return fig


def depth_profile_figure(profile: dict[str, Any], *, layers: dict[str, tuple[str, float]],
                         title: str) -> Any:
    """The plot of :func:`depth_profile_svg` as a matplotlib Figure."""
    fig = _figure(figsize=(4.5, 2.8), layout="constrained")
    ax = fig.add_subplot()
    unit = str(profile.get("unit") or "µm")
    for i, side in enumerate(("top", "bottom")):
        bands = [b for b in profile.get(side) or [] if b[2] is not None]
        if not bands:
            continue
        kind, thick = layers.get(side, ("none", 0.0))
        ax.plot([(b[0] + b[1]) / 2 for b in bands], [b[2] for b in bands], color=COLOURS[i],
                label=f"from {side} surface ({kind})")
        if kind != "none" and thick and math.isfinite(thick):
            ax.axvspan(0, thick, color=COLOURS[i], alpha=0.1)
    if profile.get("interior") is not None:
        ax.axhline(float(profile["interior"]), color="#333", ls="--", label="interior")
    ax.set(xlabel=f"depth from the surface ({unit})", ylabel=f"d along ({unit})", title=title)
    ax.legend(fontsize=8, frameon=False)
    return fig


def class_bars_figure(probabilities: Sequence[tuple[str, float]], *, chosen: str | None,
                      title: str) -> Any:
    """The plot of :func:`class_bars_svg` as a matplotlib Figure."""
    fig = _figure(figsize=(4.5, 0.5 + 0.35 * len(probabilities)), layout="constrained")
    ax = fig.add_subplot()
    names = [n.replace("_", " ") for n, _ in probabilities][::-1]
    values = [p for _, p in probabilities][::-1]
    colours = [COLOURS[0] if n == chosen else "#9bb4d4" for n, _ in probabilities][::-1]
    ax.barh(names, values, color=colours)
    ax.set(xlim=(0, 1), xlabel="probability", title=title)
    return fig


def save_figure(fig: Any, path: str | Path) -> Path:
    """Write a figure of this module (format from the suffix: .png, .svg, .pdf)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    return path
