"""Turn command-line arguments (files, folders, globs) into a sorted list of image files."""

from __future__ import annotations

import errno
import glob
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["IMAGE_SUFFIXES", "collect_inputs", "link_problem"]

IMAGE_SUFFIXES = frozenset({".tif", ".tiff", ".png", ".bmp", ".jpg", ".jpeg"})


def collect_inputs(
    args: Iterable[str | Path], *, skip_under: Iterable[str | Path] = ()
) -> tuple[list[Path], list[str]]:
    """Expand files, folders (recursively, by extension) and glob patterns.

    Parameters
    ----------
    args : iterable of str or Path
        What the user named.
    skip_under : iterable of path
        Folders whose contents are never inputs (e.g. the output folder).

    Returns
    -------
    files : list of Path
        Unique image files, in the order named (folders and globs sorted).
    problems : list of str
        Arguments that matched nothing, and image-named links that are skipped (a dangling
        link, a symlink loop), each with the reason.

    Examples
    --------
    >>> files, problems = collect_inputs(["/nonexistent/*.tif"])
    >>> files, problems
    ([], ['/nonexistent/*.tif: no file matches this pattern'])
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "gone.tif").symlink_to(d / "missing.tif")
    >>> problems = collect_inputs([d])[1]
    >>> problems[0] == f"{d / 'gone.tif'}: skipped: dangling link (to {d / 'missing.tif'})"
    True
    """
    skips = [Path(s).resolve() for s in skip_under]
    seen: set[Path] = set()
    files: list[Path] = []
    problems: list[str] = []

    def add(path: Path) -> None:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError) as exc:  # a loop that appeared meanwhile
            problems.append(f"{path}: skipped: {exc}")
            return
        if resolved in seen or any(resolved.is_relative_to(s) for s in skips):
            return
        seen.add(resolved)
        files.append(path)

    for arg in args:
        text = str(arg)
        path = Path(text)
        if path.is_dir():
            named = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
            found = [p for p in named if p.is_file()]
            problems.extend(f"{p}: {why}" for p in named if (why := link_problem(p)) is not None)
            if not found:
                problems.append(
                    f"{text}: folder holds no image file ({', '.join(sorted(IMAGE_SUFFIXES))})"
                )
            for p in found:
                add(p)
        elif path.is_file():
            add(path)
        elif (why := link_problem(path)) is not None:
            problems.append(f"{text}: {why}")
        elif any(ch in text for ch in "*?["):
            matched = sorted(Path(p) for p in glob.glob(text, recursive=True))
            found = [p for p in matched if p.is_file()]
            problems.extend(f"{p}: {w}" for p in matched if (w := link_problem(p)) is not None)
            if not matched:
                problems.append(f"{text}: no file matches this pattern")
            for p in found:
                add(p)
        else:
            problems.append(f"{text}: no such file or folder")
    return files, problems


def link_problem(path: Path) -> str | None:
    """Why a symbolic link cannot be read (dangling, a loop), or None for anything else.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "a.tif").symlink_to(d / "b.tif"); (d / "b.tif").symlink_to(d / "a.tif")
    >>> link_problem(d / "a.tif")
    'skipped: symlink loop'
    """
    if not path.is_symlink():
        return None
    try:
        path.stat()
    except FileNotFoundError:
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"skipped: dangling link (to {target})"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "skipped: symlink loop"
        return f"skipped: unreadable link ({exc.strerror})"
    return None
