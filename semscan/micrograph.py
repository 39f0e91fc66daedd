"""The :class:`Micrograph`: pixels, calibration, instrument metadata and the excluded mask.

This lives at the bottom of the import graph (beside :mod:`semscan.calibration`) rather
than in :mod:`semscan.io`, so that ``segment`` and ``measure`` can type against it without
depending on the file readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from semscan.calibration import UNCALIBRATED, Calibration
from semscan.errors import ImageFormatError

__all__ = ["InstrumentMetadata", "Micrograph"]


@dataclass(frozen=True)
class InstrumentMetadata:
    """What the instrument wrote about the acquisition. Every field may be missing (None).

    Attributes
    ----------
    vendor : str or None
        ``'FEI'``, ``'Zeiss'``, ``'Hitachi'``, ``'JEOL'``, ``'TESCAN'``, ``'ImageJ'`` ...
    model : str or None
        Instrument model name.
    kv : float or None
        Accelerating voltage in kV.
    magnification : float or None
        Nominal magnification (as the instrument reports it).
    working_distance_mm : float or None
        Working distance in mm.
    detector : str or None
        Detector name (SE, ETD, InLens, BSE ...).
    field_width_um : float or None
        Horizontal field width of the image in µm.
    n_pages : int
        Number of pages (frames) in the file.
    page : int
        The page that was read.
    dtype : str
        The pixel type in the file (``'uint8'``, ``'uint16'``, ...).
    original_shape : tuple of int
        (rows, columns) of the image in the file, before the data bar was cropped.
    """

    vendor: str | None = None
    model: str | None = None
    kv: float | None = None
    magnification: float | None = None
    working_distance_mm: float | None = None
    detector: str | None = None
    field_width_um: float | None = None
    n_pages: int = 1
    page: int = 0
    dtype: str = ""
    original_shape: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict[str, object]:
        """Row form, every field prefixed ``meta_`` except ``vendor``."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "original_shape":
                value = f"{value[0]}x{value[1]}"
            out[f.name if f.name == "vendor" else f"meta_{f.name}"] = value
        return out


@dataclass(frozen=True, eq=False)
class Micrograph:
    """A calibrated SEM image ready for analysis.

    Attributes
    ----------
    image : ndarray of float32, shape (rows, columns)
        Grey values in [0, 1]; the data bar is already cropped unless it was kept.
    calibration : Calibration
        Pixel size and its source.
    excluded : ndarray of bool, same shape as ``image``
        True where the pixels are not specimen (a kept data bar, blank borders ...).
    metadata : InstrumentMetadata
        Instrument metadata.
    databar_height_px : int
        Height of the data bar in the file, in pixels (0 when none was found).
    databar_source : str
        How the data bar was found: ``'metadata'``, ``'detected'``, ``'none'`` or ``'kept'``.
    path : str
        Path of the file ('' for an in-memory image).
    sha256 : str
        SHA-256 of the file's bytes ('' for an in-memory image).
    warnings : tuple of str
        What went wrong but did not stop the read (malformed metadata, colour converted ...).

    Examples
    --------
    >>> import numpy as np
    >>> m = Micrograph.from_array(np.zeros((32, 32), np.float32))
    >>> m.shape, m.calibration.unit
    ((32, 32), 'px')
    """

    image: np.ndarray
    calibration: Calibration = UNCALIBRATED
    excluded: np.ndarray | None = None
    metadata: InstrumentMetadata = field(default_factory=InstrumentMetadata)
    databar_height_px: int = 0
    databar_source: str = "none"
    path: str = ""
    sha256: str = ""
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        image = np.asarray(self.image)
        if image.ndim != 2:
            raise ImageFormatError(
                f"a micrograph is a 2-D grey image, got shape {image.shape}; "
                "convert colour images to grey first (read_micrograph does it)"
            )
        if image.dtype != np.float32:
            image = image.astype(np.float32)
        object.__setattr__(self, "image", image)
        if self.excluded is None:
            object.__setattr__(self, "excluded", np.zeros(image.shape, bool))
        else:
            excluded = np.asarray(self.excluded, bool)
            if excluded.shape != image.shape:
                raise ImageFormatError(
                    f"excluded mask shape {excluded.shape} differs from image {image.shape}"
                )
            object.__setattr__(self, "excluded", excluded)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the analysed image."""
        return (int(self.image.shape[0]), int(self.image.shape[1]))

    @property
    def name(self) -> str:
        """File name without folders ('' for an in-memory image)."""
        from pathlib import PurePath

        return PurePath(self.path).name if self.path else ""

    @classmethod
    def from_array(
        cls,
        image: np.ndarray,
        *,
        pixel_size_um: float | None = None,
        excluded: np.ndarray | None = None,
    ) -> Micrograph:
        """Wrap an in-memory grey image (values scaled to [0, 1] if integer).

        Parameters
        ----------
        image : ndarray, shape (rows, columns)
            uint8, uint16, bool or float image. Integers are scaled by their dtype's maximum.
        pixel_size_um : float, optional
            Pixel size in µm; recorded with source ``'user'``. None leaves it uncalibrated.
        excluded : ndarray of bool, optional
            Pixels that are not specimen.
        """
        arr = np.asarray(image)
        if arr.dtype == bool:
            arr = arr.astype(np.float32)
        elif np.issubdtype(arr.dtype, np.integer):
            arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max)
        cal = (
            Calibration(pixel_size_um, "user", "given with the array")
            if pixel_size_um is not None
            else UNCALIBRATED
        )
        meta = InstrumentMetadata(dtype=str(np.asarray(image).dtype), original_shape=arr.shape[:2])
        return cls(arr.astype(np.float32), cal, excluded, meta)


def rotate_micrograph(micrograph: Micrograph, angle_deg: float) -> Micrograph:
    """Rotate a micrograph's grey image clockwise by ``angle_deg`` as displayed.

    A structure that runs at ``angle_deg`` counter-clockwise from the rows (a tilted film)
    runs along the rows afterwards. The grey image is resampled bilinearly (OpenCV) on a
    canvas enlarged to keep every pixel; the corners that come from outside the image are
    added to ``excluded``, and so are pixels interpolated from excluded ones. The pixel
    size is unchanged (a rotation preserves lengths).

    Parameters
    ----------
    micrograph : Micrograph
        The image to rotate.
    angle_deg : float
        Rotation in degrees (the film direction to undo).

    Returns
    -------
    Micrograph
        With a note of the rotation in ``warnings``.

    Examples
    --------
    >>> import numpy as np
    >>> m = Micrograph.from_array(np.ones((40, 60), np.float32))
    >>> r = rotate_micrograph(m, 90.0)
    >>> r.shape, bool(r.excluded.any())
    ((60, 40), False)
    """
    import cv2

    rows, cols = micrograph.shape
    theta = np.radians(angle_deg)
    c, s = abs(np.cos(theta)), abs(np.sin(theta))
    new_cols = int(np.ceil(cols * c + rows * s - 1e-6))
    new_rows = int(np.ceil(cols * s + rows * c - 1e-6))
    # OpenCV: a positive angle turns the picture counter-clockwise; undo the film's tilt.
    matrix = cv2.getRotationMatrix2D(((cols - 1) / 2.0, (rows - 1) / 2.0), -angle_deg, 1.0)
    matrix[0, 2] += (new_cols - cols) / 2.0
    matrix[1, 2] += (new_rows - rows) / 2.0
    size = (new_cols, new_rows)
    image = cv2.warpAffine(
        micrograph.image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    keep = (~micrograph.excluded).astype(np.float32)
    inside = cv2.warpAffine(
        keep, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    excluded = inside < 0.999
    note = (
        f"analysed in the film frame: image rotated by {angle_deg:.2f} deg (bilinear) so the "
        "film runs along the rows"
    )
    from dataclasses import replace

    return replace(
        micrograph,
        image=np.clip(image, 0.0, 1.0).astype(np.float32),
        excluded=excluded,
        warnings=(*micrograph.warnings, note),
    )
