"""Errors of the napari plugin."""

from __future__ import annotations

from semscan.errors import SemscanError


class PluginError(SemscanError):
    """A file or folder the napari plugin cannot open or save."""
