"""Turn command-line arguments (files, folders, globs) into a sorted list of image files."""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

__all__ = ["IMAGE_SUFFIXES", "collect_inputs"]

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
        Arguments that matched nothing, each with the reason.

    Examples
    --------
    >>> files, problems = collect_inputs(["/nonexistent/*.tif"])
    >>> files, problems
    ([], ['/nonexistent/*.tif: no file matches this pattern'])
    """
    skips = [Path(s).resolve() for s in skip_under]
    seen: set[Path] = set()
    files: list[Path] = []
    problems: list[str] = []

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved in seen or any(resolved.is_relative_to(s) for s in skips):
            return
        seen.add(resolved)
        files.append(path)

    for arg in args:
        text = str(arg)
        path = Path(text)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
            if not found:
                problems.append(
                    f"{text}: folder holds no image file ({', '.join(sorted(IMAGE_SUFFIXES))})"
                )
            for p in found:
                add(p)
        elif path.is_file():
            add(path)
        elif any(ch in text for ch in "*?["):
            found = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not found:
                problems.append(f"{text}: no file matches this pattern")
            for p in found:
                add(p)
        else:
            problems.append(f"{text}: no such file or folder")
    return files, problems
