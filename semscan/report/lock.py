"""One run at a time per output folder: ``<out>/.semscan.lock``.

A run holds an exclusive advisory lock (``fcntl.flock``, or ``msvcrt.locking`` on Windows)
on the lock file while it writes into the folder, and writes its PID into it. A second run
into the same folder waits for the first to finish (and then skips what it did) or, with
``wait=False``, refuses. The operating system releases the lock when the holder dies, even
by ``kill -9``, so a stale lock file never blocks a folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from semscan.errors import SemscanError

__all__ = ["LOCK_NAME", "FolderBusyError", "FolderLock", "lock_is_held"]

LOCK_NAME = ".semscan.lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class FolderBusyError(SemscanError, OSError):
    """Another run is writing into the output folder."""


def _try_lock(fd: int, *, shared: bool = False) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    import msvcrt  # pragma: no cover - Windows

    try:  # pragma: no cover
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # pragma: no cover
        return False
    return True  # pragma: no cover


def _lock_blocking(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    import time  # pragma: no cover - Windows: msvcrt.LK_LOCK gives up after 10 s

    while not _try_lock(fd):  # pragma: no cover
        time.sleep(0.5)


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 64).decode("ascii", "replace").strip()
    except OSError:
        return "?"
    return text if text.isdigit() else "?"


class FolderLock:
    """Exclusive lock of an output folder, as a context manager.

    Parameters
    ----------
    out_dir : path
        The output folder (must exist).
    wait : bool
        Wait for another run to finish (default) or raise :class:`FolderBusyError`.
    on_wait : callable, optional
        ``on_wait(message)`` once, before waiting (e.g. "waiting for the run in PID 123
        to finish").

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d, FolderLock(d) as lock:
    ...     lock_is_held(d)
    True
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        wait: bool = True,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(out_dir) / LOCK_NAME
        self.wait = wait
        self.on_wait = on_wait
        self._fd: int | None = None

    def __enter__(self) -> FolderLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if not _try_lock(fd):
                pid = _holder(fd)
                if not self.wait:
                    raise FolderBusyError(
                        f"{self.path.parent}: another run (PID {pid}) is writing into this "
                        "output folder; wait for it to finish, or choose another --out"
                    )
                if self.on_wait is not None:
                    self.on_wait(
                        f"waiting for the run in PID {pid} to finish (it writes into "
                        f"{self.path.parent})"
                    )
                _lock_blocking(fd)
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None


def lock_is_held(out_dir: str | os.PathLike[str]) -> bool:
    """True when a run holds the lock of ``out_dir`` (this process's own lock counts).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     lock_is_held(d)
    False
    """
    path = Path(out_dir) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        return not _try_lock(fd, shared=True)
    finally:
        os.close(fd)
