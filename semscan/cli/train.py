"""The training commands: ``train-pixels``, ``train-classifier``, ``evaluate-classifier``."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from semscan.cli._console import check_io, err, msg, out
from semscan.errors import SemscanError


def train_pixels(
    image: Annotated[Path, typer.Argument(help="The micrograph to learn from.")],
    labels: Annotated[
        Path,
        typer.Argument(
            help="Label image of the same size: 0 unlabelled, 1 pore, 2 solid, 3 excluded "
            "(strokes painted in napari, Fiji or any editor)."
        ),
    ],
    out_path: Annotated[
        Path, typer.Option("--out", "-o", help="Model file (.smodel; .json or .json.gz for JSON).")
    ] = Path("pixel-classifier.smodel"),
    pixel_size_um: Annotated[
        float | None, typer.Option("--pixel-size-um", help="Override the pixel size (µm).")
    ] = None,
    sigma_max_px: Annotated[
        float, typer.Option("--sigma-max-px", min=1.0, max=256.0,
                            help="Largest feature scale (px).")
    ] = 16.0,
    trees: Annotated[int, typer.Option("--trees", min=1, max=10_000,
                                       help="Number of trees.")] = 50,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
) -> None:
    """Train the pixel classifier from labelled strokes; use it with --classifier-path."""
    import numpy as np

    from semscan.io import read_micrograph
    from semscan.segment import PixelClassifier

    check_io(pixel_size_um=pixel_size_um)
    try:
        m = read_micrograph(image, pixel_size_um=pixel_size_um)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a label image has no calibration, nor needs one
            lab = read_micrograph(labels, keep_databar=True)
        raw = np.rint(lab.image * _label_scale(lab)).astype(np.uint8)
        if raw.shape != m.shape:
            if raw.shape[1] == m.shape[1] and raw.shape[0] == m.metadata.original_shape[0]:
                raw = raw[: m.shape[0]]  # labels drawn on the uncropped image
            else:
                raise SemscanError(
                    f"labels {labels} are {raw.shape[1]}x{raw.shape[0]} px but the image is "
                    f"{m.shape[1]}x{m.shape[0]} px (after cropping the data bar); "
                    "paint the labels on the same image"
                )
        model = PixelClassifier.train(
            m.image,
            raw,
            calibration=m.calibration,
            sigma_max_px=sigma_max_px,
            n_estimators=trees,
            seed=seed,
        )
        model.save(out_path)
    except (SemscanError, OSError, ValueError) as exc:
        err.print(f"[red]error[/red] {msg(exc)}")
        raise typer.Exit(1) from exc
    counts = {
        name: int((raw == k).sum()) for k, name in ((1, "pore"), (2, "solid"), (3, "excluded"))
    }
    out.print(f"trained on {counts} labelled pixels; model written to {out_path}")
    out.print(f"use it: semscan analyze ... --classifier-path {msg(out_path)}")


def _label_scale(lab: Any) -> float:
    """Undo read_micrograph's [0, 1] scaling of an integer label image."""
    dtype = lab.metadata.dtype
    return {"uint8": 255.0, "uint16": 65535.0}.get(dtype, 1.0)


def train_classifier(
    out_path: Annotated[
        Path, typer.Option("--out", "-o", help="Model file (.smodel; .json or .json.gz for JSON).")
    ] = Path("structure.smodel"),
    card: Annotated[
        Path | None, typer.Option("--card", help="Model card (JSON); default: beside the model.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the training data.")] = 0,
    n_per_class: Annotated[
        int, typer.Option("--n-per-class", min=1, max=100_000, help="Synthetic images per class.")
    ] = 800,
    n_test_per_class: Annotated[
        int, typer.Option("--n-test-per-class", min=1, max=100_000,
                     help="Held-out images per class.")
    ] = 100,
    trees: Annotated[
        int, typer.Option("--trees", min=1, max=10_000, help="Number of trees.")
    ] = 250,
    max_canvas: Annotated[
        float, typer.Option("--max-canvas", help="Cut each training field from a canvas 1 to "
                            "this many times its side, segmented whole, as an analysis cuts "
                            "fields from a whole micrograph; 1 (default, the shipped model): "
                            "field-size images.")
    ] = 1.0,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, max=1024,
                     help="Processes generating the data (same model).")
    ] = 1,
) -> None:
    """Train the structure classifier on generated data; use it with `analyze --model`."""
    from semscan.classify.model import train_structure_model

    card_path = card or out_path.with_name(out_path.name.split(".")[0] + ".card.json")
    err.print(
        f"training on {n_per_class} synthetic images per class (seed {seed}); "
        "this takes several minutes"
    )
    try:
        report = train_structure_model(
            out_path,
            seed=seed,
            n_per_class=n_per_class,
            n_test_per_class=n_test_per_class,
            n_estimators=trees,
            canvas_scale=(1.0, max_canvas),
            card_path=card_path,
            n_jobs=jobs,
        )
    except (SemscanError, OSError, ValueError) as exc:
        err.print(f"[red]error[/red] {msg(exc)}")
        raise typer.Exit(1) from exc
    out.print(_confusion_table(f"held-out accuracy {100 * report.accuracy:.1f} %",
                               report.classes, report.confusion, report.per_class_accuracy))
    out.print(f"model {report.model_path} (sha256 {report.sha256[:16]}...), card {card_path}")


def _confusion_table(
    title: str, classes: tuple[str, ...], confusion: list[list[int]],
    recall: dict[str, float],
) -> Table:
    table = Table(title=title)
    table.add_column("true \\ predicted", overflow="fold")
    for cls in classes:
        table.add_column(cls, overflow="fold")
    table.add_column("recall", overflow="fold")
    for cls, row in zip(classes, confusion, strict=True):
        table.add_row(cls, *map(str, row), f"{100 * recall[cls]:.1f} %")
    return table


def evaluate_classifier(
    model_path: Annotated[
        Path | None,
        typer.Option("--model-path", "--model",
                     help="Structure model file; default: the shipped model."),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of the evaluation images; use one the model "
                          "was not trained (seed) or tuned (seed + 1) on.")
    ] = 2,
    n_per_class: Annotated[
        int, typer.Option("--n-per-class", min=1, max=100_000, help="Synthetic images per class.")
    ] = 200,
    max_canvas: Annotated[
        float | None,
        typer.Option("--max-canvas", help="Cut each field from a canvas 1 to this many "
                     "times its side, segmented whole, as an analysis does (2: fields like "
                     "those of a micrograph up to two fields wide); default: as the model "
                     "was trained (1, field-size images, for the shipped model).")
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, max=1024, help="Processes generating the images.")
    ] = 1,
) -> None:
    """Score a structure model on fresh synthetic images of another seed."""
    from semscan.classify.model import evaluate_structure_model, load_model

    err.print(f"generating and classifying {n_per_class} synthetic images per class "
              f"(seed {seed}); about 0.3 s per image and process on field-size images, "
              "0.45 s on fields cut from canvases up to 2x their side")
    try:
        model = load_model(model_path)
        report = evaluate_structure_model(
            model, seed=seed, n_per_class=n_per_class, n_jobs=jobs,
            canvas_scale=None if max_canvas is None else (1.0, max_canvas))
    except (SemscanError, OSError, ValueError) as exc:
        err.print(f"[red]error[/red] {msg(exc)}")
        raise typer.Exit(1) from exc
    lo, hi = report.canvas_scale
    out.print(_confusion_table(
        f"seed {report.seed}: accuracy {100 * report.accuracy:.1f} % of {report.n} images",
        report.classes, report.confusion, report.per_class_accuracy))
    out.print("images: field-size, each segmented on its own" if hi == 1.0 else
              f"images: fields cut from canvases {lo:g}-{hi:g}x their side, segmented whole")
    out.print(f"confidence threshold {report.threshold:.2f}: {100 * report.coverage:.1f} % "
              f"of the images classified, {100 * report.precision:.1f} % of those right")
