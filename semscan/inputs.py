"""Turn command-line arguments (files, folders, globs) into a sorted list of image files."""

from __future__ import annotations

import glob
import os
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
        Arguments that matched nothing, and symbolic links that point nowhere or into a
        loop (never silently skipped), each with the reason.

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
            found = []
            for p in sorted(path.rglob("*")):
                if p.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                if p.is_file():
                    found.append(p)
                elif p.is_symlink():
                    problems.append(_broken_link(p))
            if not found:
                problems.append(
                    f"{text}: folder holds no image file ({', '.join(sorted(IMAGE_SUFFIXES))})"
                )
            for p in found:
                add(p)
        elif path.is_file():
            add(path)
        elif path.is_symlink():
            problems.append(_broken_link(path))
        elif any(ch in text for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True))
            found = [p for p in matches if p.is_file()]
            problems += [_broken_link(p) for p in matches if not p.is_file() and p.is_symlink()]
            if not found:
                problems.append(f"{text}: no file matches this pattern")
            for p in found:
                add(p)
        else:
            problems.append(f"{text}: no such file or folder")
    return files, list(dict.fromkeys(problems))


def _broken_link(path: Path) -> str:
    """Why a symbolic link is not an input: it points nowhere, or into a loop."""
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return f"{path}: symbolic link loop (-> {target}); skipped"
    except OSError:
        pass
    return f"{path}: broken symbolic link (-> {target}, which does not exist); skipped"
