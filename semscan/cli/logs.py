"""How the command logs: Python warnings as log records, each message once."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any


def is_semscan_warning(w: warnings.WarningMessage) -> bool:
    """A warning semscan itself gave (about the file), not a third-party library's."""
    package = Path(__file__).resolve().parents[1]
    try:
        inside = Path(w.filename).resolve().is_relative_to(package)
    except (OSError, ValueError):
        inside = False
    return inside and issubclass(w.category, UserWarning)


def log_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int,
    file: Any = None, line: str | None = None,
) -> None:
    """``warnings.showwarning`` of an analysis: a Python warning becomes one log record."""
    logging.getLogger("py.warnings").warning(
        "%s: %s (%s:%s)", category.__name__, message, filename, lineno,
        extra={"semscan_warning": str(message)},
    )


class LogOnce(logging.Filter):
    """Lets each third-party message and each Python warning through once, and a warning
    only when semscan has not logged the same text already."""

    def __init__(self) -> None:
        super().__init__()
        self.logged: set[str] = set()
        self.seen: set[tuple[str, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        text = getattr(record, "semscan_warning", None)
        if text is not None:
            if text in self.logged or ("warning", text) in self.seen:
                return False
            self.seen.add(("warning", text))
            return True
        message = record.getMessage()
        if record.name == "semscan" or record.name.startswith("semscan."):
            self.logged.add(message)
            return True
        if (record.name, message) in self.seen:
            return False
        self.seen.add((record.name, message))
        return True
