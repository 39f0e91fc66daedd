"""How the command logs: Python warnings as log records, each message once."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
import warnings
from collections.abc import Iterator
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


_GLUED = re.compile(r"(?<=\S)(?=libpng (?:warning|error): )")


@contextlib.contextmanager
def native_stderr_to_log(name: str = "stderr") -> Iterator[None]:
    """Send what compiled libraries write straight to file descriptor 2 (libpng's
    ``libpng warning: iCCP: ...`` from OpenCV) to the log, each line once.

    Python's ``sys.stderr`` (the progress bar, errors) keeps writing to the terminal; worker
    processes forked inside inherit both. Nothing changes where descriptor 2 cannot be
    duplicated.
    """
    try:
        saved = os.dup(2)
        r, w = os.pipe()
    except OSError:
        yield
        return
    try:
        python_on_fd2 = sys.stderr is not None and sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        python_on_fd2 = False
    old = sys.stderr
    if python_on_fd2:
        old.flush()
    os.dup2(w, 2)
    os.close(w)
    if python_on_fd2:
        sys.stderr = open(
            os.dup(saved), "w", encoding=getattr(old, "encoding", None) or "utf-8",
            errors="backslashreplace", buffering=1,
        )
    logger = logging.getLogger(name)

    def pump() -> None:
        with os.fdopen(r, "rb") as fh:
            for raw in fh:
                # Two workers' messages can land on one line: libpng writes its text and
                # its newline separately.
                for line in _GLUED.split(raw.decode("utf-8", "replace").rstrip()):
                    if line.strip():
                        logger.warning("%s", line.strip())  # LogOnce keeps one of each

    thread = threading.Thread(target=pump, name="semscan-stderr", daemon=True)
    thread.start()
    try:
        yield
    finally:
        if sys.stderr is not old:
            sys.stderr.close()
            sys.stderr = old
        os.dup2(saved, 2)  # closes the pipe's last write end held here
        os.close(saved)
        thread.join(timeout=2.0)
