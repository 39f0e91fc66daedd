"""``report.pdf``: the report page printed by WeasyPrint (A4, page numbers, table headers
repeated on every page), from the same template as the HTML (:mod:`semscan.report.html`).

WeasyPrint runs no JavaScript and needs none: the plots are static SVG. Relative links
(the overlays) resolve against the output folder.
"""

from __future__ import annotations

import logging
from pathlib import Path

__all__ = ["write_pdf"]


def write_pdf(html_text: str, path: str | Path, *, base_url: str | Path) -> Path:
    """Render ``html_text`` to a PDF at ``path``; relative links resolve from ``base_url``."""
    from weasyprint import HTML

    from semscan.report.outputs import _atomic_via

    path = Path(path)
    # WeasyPrint logs every CSS property it ignores (e.g. the screen-only `overflow-x`)
    # as a warning on its own loggers; they are not the user's concern
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    doc = HTML(string=html_text, base_url=str(Path(base_url).resolve()) + "/")
    _atomic_via(path, lambda p: doc.write_pdf(p))
    return path
