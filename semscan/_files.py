"""Reading a small file whole, up to a size limit (bottom layer: imports nothing of semscan).

Configuration files, manifests and vendor sidecars are short texts; a file far larger is
not what the user meant (a micrograph given as ``--config``, a log given as a manifest)
and is refused before it is read into memory. Each caller says what the file should be.

Examples
--------
>>> import tempfile, pathlib
>>> f = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> _ = f.write_bytes(b"12345")
>>> read_capped(f, 5), read_capped(f, 4)
(b'12345', None)
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["read_capped"]


def read_capped(path: str | Path, max_bytes: int) -> bytes | None:
    """The bytes of a file, or None when it holds more than ``max_bytes``.

    At most ``max_bytes + 1`` bytes are read, whatever the file's size.

    Raises
    ------
    OSError
        If the file cannot be opened or read (missing, a folder, no permission).
    """
    with Path(path).open("rb") as fh:
        data = fh.read(max_bytes + 1)
    return data if len(data) <= max_bytes else None
