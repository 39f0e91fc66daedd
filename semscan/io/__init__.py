"""Reading calibrated SEM micrographs.

:func:`read_micrograph` turns a file (TIFF, PNG, BMP, JPEG; vendor tags and sidecars) into
a :class:`~semscan.micrograph.Micrograph`: grey pixels in [0, 1], the pixel size and its
source, instrument metadata, and the data bar cropped (or excluded).
"""

from __future__ import annotations

from semscan.io.databar import detect_databar
from semscan.io.reader import find_sidecars, read_micrograph
from semscan.io.vendors import VendorInfo

__all__ = ["VendorInfo", "detect_databar", "find_sidecars", "read_micrograph"]
