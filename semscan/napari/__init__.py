"""semscan's napari plugin (npe2): readers for micrographs and output folders, and the
Analyse and Re-measure widgets.

Install with ``pip install 'semscan[napari]'`` (plus a Qt binding, e.g. ``pyqt6``); napari
finds it through the ``napari.manifest`` entry point (``napari.yaml`` in this package).
Only :mod:`semscan.napari._widget` imports napari, magicgui or Qt, and only when a widget
is made; :mod:`semscan.napari.layers` and :mod:`semscan.napari._reader` build layer data
from plain arrays. Nothing outside this package imports napari or Qt.
"""
