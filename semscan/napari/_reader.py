"""npe2 readers: micrographs, and a batch's output folder or one ``images/*.json``.

They return layer data tuples (:mod:`semscan.napari.layers`) and import no napari.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from semscan.napari.layers import micrograph_layer, read_output_record, result_layers

__all__ = ["analyze_record", "get_micrograph_reader", "get_output_reader", "read_micrograph_layers",
           "read_output_layers"]

MICROGRAPH_SUFFIXES = (".tif", ".tiff", ".png", ".bmp", ".jpg", ".jpeg")


def _one(path: Any) -> str | None:
    if isinstance(path, list):
        return str(path[0]) if len(path) == 1 else None
    return str(path)


def _scale_bar_on() -> None:
    """Turn the scale bar of the viewer being read into on (its unit is the layers' µm).

    A reader returns layer data, not a viewer; inside napari (already imported, so this
    module imports no GUI library itself) the viewer is the current one.
    """
    napari = sys.modules.get("napari")
    viewer = napari.current_viewer() if napari is not None else None
    if viewer is not None:
        viewer.scale_bar.visible = True


def get_micrograph_reader(path: Any) -> Any:
    """The micrograph reader when ``path`` is one image file semscan reads, else None."""
    p = _one(path)
    if p is None or not p.lower().endswith(MICROGRAPH_SUFFIXES):
        return None
    return read_micrograph_layers


def read_micrograph_layers(path: Any) -> list[Any]:
    """One Image layer: the micrograph as ``semscan analyze`` reads it (data bar cropped),
    scale in µm from its calibration (px when uncalibrated)."""
    from semscan.io import read_micrograph

    p = _one(path)
    paths = [str(x) for x in path] if isinstance(path, list) else [p]
    layers = [micrograph_layer(read_micrograph(x)) for x in paths]
    _scale_bar_on()
    return layers


def get_output_reader(path: Any) -> Any:
    """The output reader for a ``semscan analyze --out`` folder or one of its
    ``images/*.json``, else None."""
    p = _one(path)
    if p is None:
        return None
    q = Path(p)
    if q.is_dir() and (q / "images").is_dir() and any((q / "images").glob("*.json")):
        return read_output_layers
    if q.suffix == ".json" and q.parent.name == "images":
        return read_output_layers
    return None


def analyze_record(out_dir: Path, stem: str, record: dict[str, Any]) -> Any:
    """The :class:`~semscan.pipeline.ImageResult` of a record: its input analysed again
    with the recorded configuration and task (semscan is deterministic, so this is what
    the batch measured), re-measured from the corrected mask when the row is reviewed."""
    from semscan.config import AnalysisConfig
    from semscan.errors import PluginError
    from semscan.pipeline import analyze_path

    where = record.get("input") or record.get("file")
    if not where or not Path(where).exists():
        raise PluginError(
            f"the input of {stem}, {where!r}, is not there any more; open the folder on "
            "the machine that holds the micrographs"
        )
    task = dict(record.get("task") or {})
    task.pop("path", None)
    config = AnalysisConfig.from_dict(record["config"])
    result = analyze_path(where, config=config, **task)
    mask = out_dir / "masks" / f"{stem}_labels.tif"
    if record["row"].get("reviewed") and mask.exists():
        import tifffile

        from semscan.pipeline.remeasure import remeasure

        result = remeasure(result, tifffile.imread(mask))
    return result


def read_output_layers(path: Any) -> list[Any]:
    """The layers of one analysed image of an output folder (see
    :func:`semscan.napari.layers.result_layers`); the Labels layer knows the folder and
    stem, so the Re-measure widget's Save writes back into it."""
    from semscan.pipeline.remeasure import prepare_remeasure

    out_dir, stem, record = read_output_record(_one(path))
    result = analyze_record(out_dir, stem, record)
    prepare_remeasure(result)  # so that the first Re-measure after an edit is fast
    _scale_bar_on()
    return result_layers(result, metadata={"semscan_out_dir": str(out_dir), "semscan_stem": stem,
                                            "semscan_record_row": record["row"]})
