"""Files -> tasks: what a manifest or a file-name pattern says about each input file.

A :class:`BatchTask` is one file with the sample, view, pixel size and film direction a
manifest row or a pattern attached to it; :func:`make_tasks` builds them and
:func:`file_sha256` gives the identity of a file's bytes (what decides whether a batch
re-analyses it). :func:`semscan.pipeline.analyze_batch` runs the tasks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from semscan.io.manifest import assign_sample, read_manifest, view_from_pattern

__all__ = ["BatchTask", "file_sha256", "make_tasks"]


@dataclass(frozen=True)
class BatchTask:
    """One file to analyse, with what a manifest or pattern says about it.

    Every field but ``path`` is a keyword of :func:`semscan.pipeline.analyze_path` of the
    same name (:meth:`analysis_options`); None and '' leave the decision to the pipeline.
    ``masks`` is a corrected label TIFF to measure from instead of segmenting
    (:func:`attach_masks`); being a field, it is part of the batch's run key.
    """

    path: str
    view: str | None = None
    view_source: str = ""
    sample: str | None = None
    sample_source: str = ""
    pixel_size_um: float | None = None
    film_direction_deg: float | None = None
    masks: str | None = None
    state: str = ""
    layer_depths_um: tuple[float, ...] = ()

    def analysis_options(self) -> dict[str, str | float | None]:
        """Everything the task says about its file, as keywords of ``analyze_path``
        (``masks`` only when set).

        Examples
        --------
        >>> BatchTask("a.tif", pixel_size_um=0.01).analysis_options()["pixel_size_um"]
        0.01
        """
        options = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                   if f.name != "path"}
        if options["masks"] is None:  # run keys of tasks without masks stay those of before
            del options["masks"]
        for key in ("state", "layer_depths_um"):  # likewise without a state or given layers
            if not options[key]:
                del options[key]
        return options


def make_tasks(
    files: Iterable[str | os.PathLike[str]],
    *,
    manifest: str | os.PathLike[str] | None = None,
    sample_pattern: str | None = None,
    xs_pattern: str | None = "*_xs*",
    surface_pattern: str | None = None,
) -> list[BatchTask]:
    """Attach sample, view, pixel size and film direction to each file.

    A manifest row wins (sample, view, pixel size, film direction; a row without a view
    takes it from the patterns as a file without a row does); otherwise the sample
    comes from ``sample_pattern`` (a regex with a ``(?P<sample>...)`` group) or the
    folder name, and the view from the file-name patterns (else the pipeline decides:
    configuration, then detection). With a manifest and no files, the manifest's files
    are the inputs.

    Examples
    --------
    >>> [t.view for t in make_tasks(["lot/a_xs1.tif", "lot/b.tif"])]
    ['cross-section', None]
    """
    entries = read_manifest(manifest) if manifest is not None else {}
    paths = [Path(f) for f in files] or [e.path for e in entries.values()]
    tasks = []
    for path in paths:
        entry = entries.get(path.resolve())
        if entry is not None:
            view, view_source = entry.view, "manifest"
            if view is None:  # a manifest without the view: the patterns, else the pipeline
                view = view_from_pattern(path, xs_pattern=xs_pattern,
                                         surface_pattern=surface_pattern)
                view_source = "pattern" if view else ""
            tasks.append(
                BatchTask(
                    str(path),
                    view,
                    view_source,
                    entry.sample,
                    "manifest",
                    entry.pixel_size_um,
                    entry.film_direction_deg,
                    state=entry.state,
                    layer_depths_um=entry.layer_depths_um,
                )
            )
            continue
        sample, sample_source = assign_sample(path, sample_pattern=sample_pattern)
        view = view_from_pattern(path, xs_pattern=xs_pattern, surface_pattern=surface_pattern)
        tasks.append(BatchTask(str(path), view, "pattern" if view else "", sample, sample_source))
    return tasks


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
