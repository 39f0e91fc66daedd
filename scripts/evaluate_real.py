#!/usr/bin/env python3
"""Score semscan's default segmentation against the authors' masks of real micrographs.

    python scripts/evaluate_real.py [--shared PATH]

``PATH`` is the shared folder (default: ``../shared`` beside the repository); the images
are read from ``PATH/data/real/gt`` (see its README) and ``PATH/data/real``.

Every image goes through :func:`semscan.pipeline.analyze_path` with the default
configuration (``pores='bright'`` for the dealloyed cross-sections, whose authors counted
the bright phase), exactly as ``semscan analyze`` would run it, view detection and the
cross-section path included. The printed table has, per image: solid-vs-mask IoU
(``gt/bam_tio2``, rows above the data bar) or pore-vs-mask IoU inside the authors' ImageJ
ROI (``gt/dealloyed_fe_ni``), the porosity semscan's mask gives there and the authors'
(``Total Ratio%`` of ``<stem>_summary.csv``), the view, the threshold method and the
verdict when the result carries one. Then the other real images in ``data/real``: view,
method, porosity.

The comparison is made in the file's pixel grid on the rows above the data bar: the
result's ``labels_full`` (the file's grid) when it has them, else its segmentation's
labels; a mask of the file's full shape is cut to those rows, one of exactly those rows
is used as it is, and any other shape (a mask in a rotated film frame) is reported as not
comparable.
"""

from __future__ import annotations

import argparse
import csv
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from semscan.config import AnalysisConfig  # noqa: E402
from semscan.pipeline import analyze_path  # noqa: E402

IMAGE_SUFFIXES = (".tif", ".tiff", ".png", ".bmp", ".jpg", ".jpeg")


@dataclass(frozen=True)
class Score:
    """One image's figures (``iou`` None when the masks cannot be compared)."""

    group: str
    name: str
    iou: float | None
    porosity: float | None
    porosity_authors: float | None
    view: str
    method: str
    reason: str
    verdict: str

    @property
    def porosity_error(self) -> float | None:
        if self.porosity is None or self.porosity_authors is None:
            return None
        return self.porosity - self.porosity_authors


def _read_grey(path: Path) -> np.ndarray:
    if path.suffix.lower() in (".tif", ".tiff"):
        import tifffile

        arr = tifffile.imread(path)
    else:
        from PIL import Image

        with Image.open(path) as im:
            arr = np.asarray(im)
    if arr.ndim == 3:
        arr = arr[..., 0]
    return arr


def file_grid(mask: np.ndarray, full_shape: tuple[int, int], bar: int) -> np.ndarray | None:
    """``mask`` on the rows above the data bar of the file, or None when it is not in the
    file's grid (e.g. a mask in a rotated film frame).

    Accepts a mask of the file's full shape (cut to the rows above the bar) or of exactly
    the rows above the bar.
    """
    rows, cols = full_shape
    keep = rows - bar
    if mask.shape == (rows, cols):
        return mask[:keep]
    if mask.shape == (keep, cols):
        return mask
    return None


def result_labels(result: object) -> np.ndarray:
    """The result's labels (0 solid, 1 pore, 2 excluded) in the file's grid when the result
    offers them (``labels_full``), else in the measured grid."""
    full = getattr(result, "labels_full", None)
    return full if full is not None else result.segmentation.labels()  # type: ignore[attr-defined]


def iou(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None) -> float:
    """Intersection over union of two boolean masks (inside ``where``)."""
    if where is not None:
        a, b = a & where, b & where
    union = np.count_nonzero(a | b)
    return float(np.count_nonzero(a & b) / union) if union else 1.0


def _verdict(result: object) -> str:
    v = getattr(result, "verdict", None)
    if v is None:
        return ""
    return str(getattr(v, "verdict", getattr(v, "level", v)))


def _row(group: str, name: str, result: object, iou_: float | None, por: float | None,
         authors: float | None) -> Score:
    seg = result.segmentation  # type: ignore[attr-defined]
    return Score(group, name, iou_, por, authors, result.view,  # type: ignore[attr-defined]
                 seg.method, seg.method_reason, _verdict(result))


def score_solid(
    solid: np.ndarray, truth: np.ndarray, bar: int
) -> tuple[float, float] | None:
    """(solid-vs-mask IoU, porosity) on the file's rows above the data bar, or None when
    ``solid`` is not in the file's grid (see :func:`file_grid`).

    ``truth`` is the authors' mask of the solid, of the file's full shape; ``bar`` the
    data-bar rows of the micrograph.
    """
    solid = file_grid(solid, truth.shape, bar)
    if solid is None:
        return None
    return iou(solid, truth[: truth.shape[0] - bar]), 1.0 - float(solid.mean())


def score_pores(
    labels: np.ndarray, truth: np.ndarray, roi: np.ndarray, bar: int
) -> tuple[float, float] | None:
    """(pore-vs-mask IoU inside the ROI, porosity of the ROI's counted pixels) on the
    file's rows above the data bar, or None when the labels are not in the file's grid.

    ``labels`` are a result's labels (0 solid, 1 pore, 2 excluded; :func:`result_labels`);
    ``truth`` (the authors' pores) and ``roi`` have the file's full shape.
    """
    keep = truth.shape[0] - bar
    pore = file_grid(labels == 1, truth.shape, bar)
    excl = file_grid(labels == 2, truth.shape, bar)
    if pore is None or excl is None:
        return None
    inside = roi[:keep]
    value = iou(pore, truth[:keep], inside)
    counted = inside & ~excl
    return value, float(np.count_nonzero(pore & counted) / max(np.count_nonzero(counted), 1))


def bam_images(folder: Path) -> list[Path]:
    """The micrographs of ``gt/bam_tio2``."""
    return sorted((folder / "SEM").glob("*.tif"))


def bam_truth(folder: Path, img: Path) -> np.ndarray:
    """The authors' mask of the solid (the particles) of one ``gt/bam_tio2`` image."""
    return _read_grey(folder / "masks" / f"{img.stem}_m.tif") > 0


def score_bam(folder: Path) -> list[Score]:
    """Solid-vs-mask IoU on the rows above the data bar (particles are the solid)."""
    out = []
    for img in bam_images(folder):
        truth = bam_truth(folder, img)
        result = analyze_path(img, config=AnalysisConfig())
        scored = score_solid(result_labels(result) == 0, truth,
                             result.micrograph.databar_height_px)
        value, por = scored if scored is not None else (None, None)
        out.append(_row("bam_tio2", img.stem, result, value, por, None))
    return out


def _roi_mask(roi_path: Path, shape: tuple[int, int]) -> np.ndarray:
    import roifile
    from skimage.draw import polygon

    xy = roifile.ImagejRoi.fromfile(roi_path).coordinates()
    rr, cc = polygon(xy[:, 1], xy[:, 0], shape)
    mask = np.zeros(shape, bool)
    mask[rr, cc] = True
    return mask


def dealloyed_images(folder: Path) -> list[Path]:
    """The micrographs of ``gt/dealloyed_fe_ni``."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".tif", ".jpg"))


def dealloyed_truth(folder: Path, img: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """(the authors' mask of the pores, their ImageJ ROI as a mask, their porosity) of one
    ``gt/dealloyed_fe_ni`` image (needs ``roifile``)."""
    truth = _read_grey(folder / f"{img.stem}_mask.png") > 0
    roi = _roi_mask(folder / f"{img.name}.roi", truth.shape)
    with open(folder / f"{img.stem}_summary.csv", newline="") as fh:
        authors = float(next(csv.DictReader(fh))["Total Ratio%"]) / 100.0
    return truth, roi, authors


#: The configuration of the dealloyed cross-sections, whose authors counted the bright phase.
DEALLOYED_CONFIG = AnalysisConfig().with_overrides({"segment.pores": "bright"})


def score_dealloyed(folder: Path) -> list[Score]:
    """Pore-vs-mask IoU inside the ROI (the bright phase is pore) and porosity there."""
    out = []
    for img in dealloyed_images(folder):
        truth, roi, authors = dealloyed_truth(folder, img)
        result = analyze_path(img, config=DEALLOYED_CONFIG)
        scored = score_pores(result_labels(result), truth, roi,
                             result.micrograph.databar_height_px)
        value, por = scored if scored is not None else (None, None)
        out.append(_row("dealloyed_fe_ni", img.stem, result, value, por, authors))
    return out


def others(folder: Path) -> list[Score]:
    """The real images without masks: view, method, porosity."""
    out = []
    for img in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        result = analyze_path(img, config=AnalysisConfig())
        out.append(_row("other", img.name, result, None, result.porosity.porosity, None))
    return out


def _fmt(v: float | None, spec: str = ".3f") -> str:
    return "-" if v is None else format(v, spec)


def print_table(rows: list[Score]) -> None:
    head = ("group", "image", "IoU", "porosity", "authors", "error", "view", "method",
            "verdict")
    lines = [head] + [
        (r.group, r.name[:44], _fmt(r.iou), _fmt(r.porosity), _fmt(r.porosity_authors),
         _fmt(r.porosity_error, "+.3f"), r.view, r.method, r.verdict or "-")
        for r in rows
    ]
    widths = [max(len(str(x[i])) for x in lines) for i in range(len(head))]
    for line in lines:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())
    print()
    for r in rows:
        print(f"{r.name[:44]}: {r.reason}")


def summary(rows: list[Score]) -> None:
    for group in ("bam_tio2", "dealloyed_fe_ni"):
        sel = [r.iou for r in rows if r.group == group and r.iou is not None]
        if sel:
            print(f"{group}: mean IoU {np.mean(sel):.3f}, min {min(sel):.3f} ({len(sel)} images)")
        errs = [abs(r.porosity_error) for r in rows
                if r.group == group and r.porosity_error is not None]
        if errs:
            print(f"{group}: largest porosity error {max(errs):.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared",
                        help="the shared folder holding data/real (default: ../shared)")
    args = parser.parse_args(argv)
    real = args.shared / "data" / "real"
    if not (real / "gt").is_dir():
        print(f"no real images at {real / 'gt'}", file=sys.stderr)
        return 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # uncalibrated JPEG and the like: shown in the table
        rows = score_bam(real / "gt" / "bam_tio2") + score_dealloyed(
            real / "gt" / "dealloyed_fe_ni")
        print_table(rows)
        print()
        summary(rows)
        print()
        print_table(others(real))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
