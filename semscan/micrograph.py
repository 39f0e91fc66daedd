"""The :class:`Micrograph`: pixels, calibration, instrument metadata and the excluded mask.

This lives at the bottom of the import graph (beside :mod:`semscan.calibration`) rather
than in :mod:`semscan.io`, so that ``segment`` and ``measure`` can type against it without
depending on the file readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from semscan.calibration import UNCALIBRATED, Calibration
from semscan.errors import ImageFormatError

__all__ = [
    "FrameRotation",
    "InstrumentMetadata",
    "Micrograph",
    "film_frame_rotation",
    "rotate_micrograph",
]


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
    def file_shape(self) -> tuple[int, int]:
        """(rows, columns) of the image in the file, data bar included.

        ``metadata.original_shape`` as the reader recorded it. The reader crops rows at
        the bottom only (the data bar), so the analysed image is the file's top-left
        ``shape``; when no original shape was recorded (or it is smaller than the image,
        e.g. a rotated frame) this is ``shape``.

        Examples
        --------
        >>> import numpy as np
        >>> from dataclasses import replace
        >>> m = Micrograph.from_array(np.zeros((30, 40), np.float32))
        >>> replace(m, metadata=InstrumentMetadata(original_shape=(36, 40))).file_shape
        (36, 40)
        """
        rows, cols = self.shape
        orig = tuple(int(v) for v in self.metadata.original_shape)
        if len(orig) == 2 and orig[0] >= rows and orig[1] >= cols:
            return (orig[0], orig[1])
        return (rows, cols)

    def to_file_grid(self, array: np.ndarray, *, fill: object) -> np.ndarray:
        """Place an array of this image's shape into the file's full pixel grid.

        The rows (and columns) the reader cropped, the data bar at the bottom, are added
        and set to ``fill``; every other pixel keeps its row and column.

        Parameters
        ----------
        array : ndarray, shape ``self.shape`` (+ trailing axes)
            A per-pixel array of the analysed image (labels, a mask, grey values).
        fill : scalar
            The value of the added rows (labels: 2 = excluded; masks: False).

        Returns
        -------
        ndarray, shape ``self.file_shape`` (+ trailing axes), dtype of ``array``

        Raises
        ------
        ImageFormatError
            ``array`` does not have this image's shape.

        Examples
        --------
        >>> import numpy as np
        >>> from dataclasses import replace
        >>> m = Micrograph.from_array(np.zeros((3, 2), np.float32))
        >>> m = replace(m, metadata=InstrumentMetadata(original_shape=(4, 2)))
        >>> m.to_file_grid(np.ones((3, 2), np.uint8), fill=2).tolist()
        [[1, 1], [1, 1], [1, 1], [2, 2]]
        """
        arr = np.asarray(array)
        if arr.shape[:2] != self.shape:
            raise ImageFormatError(
                f"an array of shape {arr.shape} cannot be placed in the file grid of an image "
                f"of shape {self.shape}; pass an array of the analysed image's shape"
            )
        rows, cols = self.shape
        full_rows, full_cols = self.file_shape
        if (full_rows, full_cols) == (rows, cols):
            return arr.copy()
        out = np.full((full_rows, full_cols, *arr.shape[2:]), fill, dtype=arr.dtype)
        out[:rows, :cols] = arr
        return out

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


@dataclass(frozen=True, eq=False)
class FrameRotation:
    """The rotation of an image's pixel grid into a film frame, and back.

    ``matrix`` maps image pixel coordinates to frame pixel coordinates,
    ``[col', row'] = matrix @ [col, row, 1]`` (OpenCV's convention, pixel centres at
    integers); the frame is the enlarged canvas :func:`rotate_micrograph` resamples onto.

    Attributes
    ----------
    angle_deg : float
        The film direction undone (counter-clockwise as displayed), degrees.
    image_shape : (int, int)
        (rows, columns) of the image before the rotation.
    frame_shape : (int, int)
        (rows, columns) of the rotated frame.
    matrix : ndarray of float, shape (2, 3)
        Image -> frame affine map.

    Examples
    --------
    >>> fr = film_frame_rotation((40, 60), 90.0)
    >>> fr.frame_shape
    (60, 40)
    >>> [round(float(v), 6) + 0.0 for v in fr.to_frame(0.0, 0.0)]   # top-left -> top-right
    [0.0, 39.0]
    >>> [round(float(v), 6) for v in fr.to_image(*fr.to_frame(3.0, 7.0))]
    [3.0, 7.0]
    """

    angle_deg: float
    image_shape: tuple[int, int]
    frame_shape: tuple[int, int]
    matrix: np.ndarray

    def to_frame(self, rows: np.ndarray | float, cols: np.ndarray | float) -> tuple[Any, Any]:
        """Image (row, column) -> frame (row, column), pixels (sub-pixel allowed)."""
        m = self.matrix
        r = np.asarray(rows, float)
        c = np.asarray(cols, float)
        return m[1, 0] * c + m[1, 1] * r + m[1, 2], m[0, 0] * c + m[0, 1] * r + m[0, 2]

    def to_image(self, rows: np.ndarray | float, cols: np.ndarray | float) -> tuple[Any, Any]:
        """Frame (row, column) -> image (row, column), pixels: the inverse of ``to_frame``."""
        m = self.matrix
        r = np.asarray(rows, float) - m[1, 2]
        c = np.asarray(cols, float) - m[0, 2]
        det = m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]
        img_c = (m[1, 1] * c - m[0, 1] * r) / det
        img_r = (-m[1, 0] * c + m[0, 0] * r) / det
        return img_r, img_c

    def frame_to_image(self, array: np.ndarray, *, fill: object) -> np.ndarray:
        """Resample a per-pixel array of the frame onto the image grid (nearest pixel).

        Each image pixel takes the value of the frame pixel nearest to where the rotation
        puts it, so labels stay labels; image pixels that fall outside the frame get
        ``fill`` (with the enlarged canvas of :func:`rotate_micrograph` none do).

        Parameters
        ----------
        array : ndarray, shape ``frame_shape`` (+ trailing axes)
        fill : scalar
            Value outside the frame (labels: 2 = excluded).

        Returns
        -------
        ndarray, shape ``image_shape`` (+ trailing axes), dtype of ``array``

        Raises
        ------
        ImageFormatError
            ``array`` does not have the frame's shape.

        Examples
        --------
        >>> import numpy as np
        >>> fr = film_frame_rotation((2, 3), 90.0)
        >>> frame = np.arange(6).reshape(3, 2)
        >>> fr.frame_to_image(frame, fill=-1).tolist()
        [[1, 3, 5], [0, 2, 4]]
        """
        arr = np.asarray(array)
        if arr.shape[:2] != tuple(self.frame_shape):
            raise ImageFormatError(
                f"an array of shape {arr.shape} is not in the film frame "
                f"{tuple(self.frame_shape)}; pass an array of the rotated (measured) grid"
            )
        rows, cols = self.image_shape
        f_rows, f_cols = self.frame_shape
        out = np.empty((rows, cols, *arr.shape[2:]), arr.dtype)
        cc = np.arange(cols, dtype=float)[None, :]
        step = max(1, (1 << 21) // max(cols, 1))  # bounded memory on large images
        for r0 in range(0, rows, step):
            rr = np.arange(r0, min(rows, r0 + step), dtype=float)[:, None]
            fr_, fc_ = self.to_frame(rr, cc)
            ir = np.rint(fr_).astype(np.intp)
            ic = np.rint(fc_).astype(np.intp)
            ok = (ir >= 0) & (ir < f_rows) & (ic >= 0) & (ic < f_cols)
            block = np.full((len(rr), cols, *arr.shape[2:]), fill, arr.dtype)
            block[ok] = arr[ir[ok], ic[ok]]
            out[r0 : r0 + len(rr)] = block
        return out


def film_frame_rotation(shape: tuple[int, int], angle_deg: float) -> FrameRotation:
    """The rotation :func:`rotate_micrograph` applies to an image of ``shape``.

    Clockwise by ``angle_deg`` as displayed, about the image centre, onto a canvas
    enlarged to keep every pixel.

    Parameters
    ----------
    shape : (rows, columns)
        The image's shape.
    angle_deg : float
        The film direction to undo, degrees.

    Returns
    -------
    FrameRotation

    Examples
    --------
    >>> film_frame_rotation((40, 60), 30.0).frame_shape
    (65, 72)
    """
    import cv2

    rows, cols = int(shape[0]), int(shape[1])
    theta = np.radians(angle_deg)
    c, s = abs(np.cos(theta)), abs(np.sin(theta))
    new_cols = int(np.ceil(cols * c + rows * s - 1e-6))
    new_rows = int(np.ceil(cols * s + rows * c - 1e-6))
    # OpenCV: a positive angle turns the picture counter-clockwise; undo the film's tilt.
    matrix = cv2.getRotationMatrix2D(((cols - 1) / 2.0, (rows - 1) / 2.0), -angle_deg, 1.0)
    matrix[0, 2] += (new_cols - cols) / 2.0
    matrix[1, 2] += (new_rows - rows) / 2.0
    return FrameRotation(float(angle_deg), (rows, cols), (new_rows, new_cols), matrix)


def rotate_micrograph(micrograph: Micrograph, angle_deg: float) -> Micrograph:
    """Rotate a micrograph's grey image clockwise by ``angle_deg`` as displayed.

    A structure that runs at ``angle_deg`` counter-clockwise from the rows (a tilted film)
    runs along the rows afterwards. The grey image is resampled bilinearly (OpenCV) on a
    canvas enlarged to keep every pixel; the corners that come from outside the image are
    added to ``excluded``, and so are pixels interpolated from excluded ones. The pixel
    size is unchanged (a rotation preserves lengths). :func:`film_frame_rotation` gives
    the same rotation as a :class:`FrameRotation`, to map results back to the image.

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

    rotation = film_frame_rotation(micrograph.shape, angle_deg)
    matrix = rotation.matrix
    size = (rotation.frame_shape[1], rotation.frame_shape[0])
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
