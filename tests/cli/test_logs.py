"""semscan.cli.logs: warnings and third-party messages go to semscan.log, each once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli._helpers import _semscan


def test_warnings_are_logged_once_and_not_printed(tmp_path):
    """An uncalibrated image: semscan's warning (logged and warned) is in semscan.log once,
    and the terminal says nothing of it (it is in the result row)."""
    import cv2

    from tests._synthetic import disc_pores, sem_image

    img = sem_image(disc_pores((160, 160), seed=3), seed=3)
    cv2.imwrite(str(tmp_path / "plain.png"), np.clip(img * 255, 0, 255).astype(np.uint8))
    res = _semscan("analyze", "plain.png", "--out", "o", "-j", "1", "--no-classify",
                   "--no-local-thickness", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    log = (tmp_path / "o" / "semscan.log").read_text(encoding="utf-8")
    assert log.count("no pixel size in the file or a sidecar") == 1
    assert "no pixel size" not in res.stderr and "Warning" not in res.stderr
    row = pd.read_csv(tmp_path / "o" / "results.csv").iloc[0]
    assert "no pixel size" in row["warnings"]


def _png_with_bad_icc_profile(path: Path, image: np.ndarray) -> Path:
    """A PNG whose iCCP chunk is too short: libpng (inside OpenCV) writes
    "libpng warning: iCCP: too short" straight to file descriptor 2 when it is decoded."""
    import struct
    import zlib

    import cv2

    data = cv2.imencode(".png", image)[1].tobytes()
    body = b"bad\x00\x00" + zlib.compress(b"not an ICC profile")
    chunk = (struct.pack(">I", len(body)) + b"iCCP" + body
             + struct.pack(">I", zlib.crc32(b"iCCP" + body) & 0xFFFFFFFF))
    path.write_bytes(data[:33] + chunk + data[33:])  # after the 8-byte signature and IHDR
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_third_party_warnings_go_to_the_log_once(tmp_path, jobs):
    from tests._synthetic import disc_pores, sem_image

    img = np.clip(sem_image(disc_pores((160, 160), seed=4), seed=4) * 255, 0, 255)
    for name in ("a.png", "b.png"):
        _png_with_bad_icc_profile(tmp_path / name, img.astype(np.uint8))
    res = _semscan("analyze", "a.png", "b.png", "--out", "o", "-j", jobs, "--no-classify",
                   "--no-local-thickness", "--pixel-size-um", "0.01", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "libpng" not in res.stderr and "libpng" not in res.stdout
    log = (tmp_path / "o" / "semscan.log").read_text(encoding="utf-8")
    assert log.count("libpng warning: iCCP: too short") == 1
    assert "[2/2]" in res.stderr  # the progress still reaches the terminal


def test_the_log_takes_each_third_party_message_once(tmp_path):
    import logging
    import warnings

    from semscan.cli.analyze import _log_to

    log = tmp_path / "semscan.log"
    root = logging.getLogger()
    try:
        with warnings.catch_warnings():
            _log_to(log)
            for _ in range(3):
                logging.getLogger("tifffile").warning("TiffPage 0: invalid tag 270")
            logging.getLogger("semscan.io.reader").warning("a.tif: no pixel size")
            warnings.showwarning("a.tif: no pixel size", UserWarning, "reader.py", 1)
            for _ in range(2):
                warnings.showwarning("invalid value in divide", RuntimeWarning, "x.py", 7)
    finally:
        for h in [h for h in root.handlers if getattr(h, "_semscan_log", False)]:
            root.removeHandler(h)
            h.close()
    text = log.read_text(encoding="utf-8")
    assert text.count("TiffPage 0: invalid tag 270") == 1
    assert text.count("a.tif: no pixel size") == 1  # logged by semscan, its warning not again
    assert text.count("RuntimeWarning: invalid value in divide") == 1
