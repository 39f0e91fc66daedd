"""Shared fixtures: small SEM-like images with known geometry, the real-image folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._report_folder import make_report_folder
from tests._synthetic import REAL, disc_pores, sem_image, write_fei_tiff


@pytest.fixture
def sem_folder(tmp_path: Path) -> Path:
    """Three small calibrated SEM-like images in a folder."""
    folder = tmp_path / "lot"
    folder.mkdir()
    for i in range(3):
        pore = disc_pores(seed=10 + i)
        write_fei_tiff(folder / f"img{i}.tif", sem_image(pore, seed=i))
    return folder


@pytest.fixture
def real_dir() -> Path:
    if not REAL.is_dir():
        pytest.skip("../shared/data/real is absent")
    return REAL.resolve()


def _hypothesis_profile() -> None:
    """Fuzz tests replay the same examples on every run (a fixed seed, like every other
    test); ``SEMSCAN_FUZZ=explore`` draws new ones, for hunting bugs by hand."""
    import os

    try:
        from hypothesis import settings
    except ImportError:  # the fuzz tests import hypothesis themselves and fail clearly
        return
    settings.register_profile("fixed", derandomize=True, database=None)
    settings.register_profile("explore", database=None)
    settings.load_profile("explore" if os.environ.get("SEMSCAN_FUZZ") == "explore" else "fixed")


_hypothesis_profile()


@pytest.fixture(scope="session")
def report_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An analysed output folder with report.html, report.pdf and results.xlsx, made once
    per session through the real CLI (:mod:`tests._report_folder`)."""
    return make_report_folder(tmp_path_factory)
