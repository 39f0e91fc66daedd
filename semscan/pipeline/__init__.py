"""Strings the steps together: read -> segment -> measure -> (cross-section) -> classify.

The only package that knows the order of the steps. It imports no UI, database,
plotting or distributed-computing library; :mod:`semscan.report` and :mod:`semscan.cli`
turn its results into files and tables.

- :func:`analyze_micrograph` analyses one :class:`~semscan.micrograph.Micrograph`,
  :func:`analyze_path` reads a file and analyses it (:mod:`~semscan.pipeline.analyze`);
- :class:`ImageResult` is what they return (:mod:`~semscan.pipeline.result`);
- the cross-section policy, film frame and re-segmentation, is in
  :mod:`~semscan.pipeline.section`;
- :class:`Models` and :func:`load_models` load the trained models once
  (:mod:`~semscan.pipeline.models`);
- :func:`analyze_batch` analyses many files in worker processes; one bad file never
  stops the others (its error is returned in its :class:`BatchItem`)
  (:mod:`~semscan.pipeline.batch`). Its tasks come from :mod:`semscan.io.tasks`
  (:class:`BatchTask`, :func:`make_tasks`, :func:`file_sha256`, re-exported here).
"""

from semscan.io.tasks import BatchTask, file_sha256, make_tasks
from semscan.pipeline.analyze import analyze_micrograph, analyze_path
from semscan.pipeline.batch import BatchItem, analyze_batch
from semscan.pipeline.models import Models, load_models
from semscan.pipeline.result import ImageResult

__all__ = [
    "BatchItem",
    "BatchTask",
    "ImageResult",
    "Models",
    "analyze_batch",
    "analyze_micrograph",
    "analyze_path",
    "file_sha256",
    "load_models",
    "make_tasks",
]
