"""The exceptions semscan raises.

Every error is a :class:`SemscanError` and also derives from the builtin that a caller
would naturally catch (``ValueError`` for bad values, ``OSError`` for unreadable files),
so ``except ValueError`` keeps working for code that does not know semscan.
"""

from __future__ import annotations

__all__ = [
    "CalibrationError",
    "ConfigError",
    "ImageFormatError",
    "LotError",
    "ManifestError",
    "MeasurementError",
    "ModelError",
    "PluginError",
    "SegmentationError",
    "SemscanError",
    "SpecError",
]


class SemscanError(Exception):
    """Base class of every error semscan raises on purpose."""


class ImageFormatError(SemscanError, OSError):
    """A file cannot be read as a micrograph (missing, empty, truncated, odd dtype, too small)."""


class CalibrationError(SemscanError, ValueError):
    """The pixel size is missing where it is required, invalid, or contradictory."""


class ConfigError(SemscanError, ValueError):
    """An analysis option has a wrong name, type or value."""


class ManifestError(ConfigError):
    """A manifest (CSV of images with sample and view) cannot be read or has a bad row."""


class SegmentationError(SemscanError, ValueError):
    """An image cannot be segmented with the requested method and options."""


class MeasurementError(SemscanError, ValueError):
    """A measurement cannot be made on the given masks (wrong shape, empty region, ...)."""


class ModelError(SemscanError, ValueError):
    """A model file is missing, unsafe, or was trained with other features or versions."""


#: The end of every message about a damaged or foreign model file (both file formats).
MODEL_CORRUPT = "the model file is corrupt or was not written by semscan"


class PluginError(SemscanError, OSError):
    """A file or folder the napari plugin cannot open or save."""


class LotError(SemscanError, ValueError):
    """A lot-database request that cannot be done: unknown lot or spec, bad value, bad folder."""


class SpecError(LotError):
    """A lot specification (TOML) that cannot be read or has a bad criterion."""
