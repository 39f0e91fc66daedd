"""Shared fixtures: small SEM-like images with known geometry, the real-image folder."""

from __future__ import annotations

from pathlib import Path

import pytest

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
