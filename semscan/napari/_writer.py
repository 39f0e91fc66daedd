"""npe2 writer: a Labels layer as a semscan label TIFF (0 solid, 1 pore, 2 excluded).

What ``--save-masks`` and a saved review write (:func:`semscan.report.outputs.write_label_tiff`):
uint8, ImageJ resolution and unit ``micron`` from the pixel size, so ``semscan analyze
--masks`` and any image tool read the scale. Imports no napari.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["layer_calibration", "write_labels"]


def layer_calibration(meta: dict[str, Any]) -> Any:
    """The pixel size of a layer: the semscan calibration in its metadata, else its scale
    when its units are µm, else uncalibrated.

    Examples
    --------
    >>> layer_calibration({"scale": (0.02, 0.02), "units": ("um", "um")}).pixel_size_um
    0.02
    >>> layer_calibration({"scale": (1.0, 1.0)}).is_calibrated
    False
    """
    from semscan.calibration import UNCALIBRATED, Calibration

    cal = (meta.get("metadata") or {}).get("calibration")
    if cal and cal.get("pixel_size_um"):
        return Calibration(float(cal["pixel_size_um"]), "user",
                           f"from the layer ({cal.get('calibration_source')})")
    units = [str(u).lower() for u in (meta.get("units") or ())]
    scale = meta.get("scale")
    if scale is not None and units and all(u in ("um", "µm", "micrometer", "micron")
                                           for u in units[-2:]):
        sy, sx = (float(v) for v in list(scale)[-2:])
        if sy == sx and sx > 0:
            return Calibration(sx, "user", "from the layer's scale")
    return UNCALIBRATED


def write_labels(path: str, data: Any, meta: dict[str, Any]) -> list[str]:
    """Write a 2-D Labels layer holding 0 solid, 1 pore, 2 excluded (3 whisker) as a label
    TIFF.

    Raises
    ------
    semscan.errors.PluginError
        If the layer is not 2-D or holds other labels.
    """
    from semscan.errors import PluginError
    from semscan.report.outputs import write_label_tiff

    arr = np.asarray(data)
    if arr.ndim != 2:
        raise PluginError(f"a semscan label TIFF is one 2-D image; this layer has shape "
                          f"{arr.shape}")
    bad = sorted({int(v) for v in np.unique(arr) if v not in (0, 1, 2, 3)})[:5]
    if bad:
        raise PluginError(
            f"the layer holds labels {bad} besides 0 solid, 1 pore, 2 excluded, 3 whisker; "
            "a semscan label TIFF holds only those (paint with 0, 1, 2 and 3)"
        )
    write_label_tiff(path, arr, layer_calibration(meta))
    return [str(path)]
