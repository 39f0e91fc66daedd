"""Vendor metadata: pixel size, acquisition parameters and data-bar height.

One function per vendor format, in :mod:`semscan.io.tiff_tags` (metadata in TIFF tags)
and :mod:`semscan.io.sidecars` (metadata in files beside the image); this module gathers
them. Each takes metadata that has already been read (a dict
parsed by tifffile, or the text of a tag or sidecar file) plus the shape of the image in
the file, and returns a :class:`VendorInfo`. The functions never raise on malformed
metadata (any text, any values; tested by property-based fuzzing): a value that cannot be
understood, and a pixel size outside the physically plausible range
:data:`~semscan.calibration.PIXEL_SIZE_RANGE_UM` (1e-6 .. 1e4 µm), is left out and described
in ``VendorInfo.warnings``; disagreeing values are described in ``VendorInfo.conflicts``
(the reader turns those into a :class:`~semscan.errors.CalibrationError` when asked to be
strict).

============  ==========================================  ==============================
vendor        pixel size                                   data bar
============  ==========================================  ==============================
FEI/Thermo    tag 34682/34680 ``[Scan] PixelWidth`` (m),   ``TIFF height - [Image]
              else ``[EScan] PixelWidth``                  ResolutionY``, else
                                                           ``[PrivateFei] DatabarHeight``
Zeiss         tag 34118 ``ap_image_pixel_size`` (else      drawn in the pixels (detected)
              ``ap_pixel_size``), checked against
              ``ap_width`` / image width
TESCAN        tag 50431 or ``<name>-tif.hdr``:             ``ImageStripSize``
              ``[MAIN] PixelSizeX`` (m)
Hitachi       ``<name>.txt`` ``[SemImageFile] PixelSize``  TIFF height - ``DataSize``
              (nm)                                         height
JEOL          ``<name>.txt`` ``$$SM_MICRON_MARKER`` /      TIFF height - ``$CM_FULL_SIZE``
              ``$$SM_MICRON_BAR``                          height
ImageJ        description ``unit=`` + XResolution          none
============  ==========================================  ==============================
"""

from __future__ import annotations

from semscan.io._metadata import REL_TOL, VendorInfo, parse_ini
from semscan.io.sidecars import hitachi_info, jeol_info, tescan_info
from semscan.io.tiff_tags import fei_info, imagej_info, zeiss_info

__all__ = [
    "REL_TOL",
    "VendorInfo",
    "fei_info",
    "hitachi_info",
    "imagej_info",
    "jeol_info",
    "parse_ini",
    "tescan_info",
    "zeiss_info",
]
