"""Lot-database fixtures: ``db_url`` runs a test on SQLite and on a real PostgreSQL server.

The server is started once per test session with the Debian binaries (initdb / pg_ctl,
as the ``postgres`` user when the tests run as root: PostgreSQL refuses root) in a temporary
folder, listening on a Unix socket only, and stopped at the end. Without the binaries or
psycopg the PostgreSQL parameters skip, saying why. Import the fixtures into a test module:
``from tests._lotdb import db_url, pg_server  # noqa: F401``.
"""

from __future__ import annotations

import glob
import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

_counter = itertools.count()


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("initdb")
    return Path(exe).parent if exe else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """(socket folder, port) of a PostgreSQL server for this session, or a skip."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip('psycopg is not installed: pip install "semscan[db]"')
    root = os.geteuid() == 0
    if root and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as postgres")
    folder = Path(tempfile.mkdtemp(prefix="semscan-pg-"))
    as_pg: list[str] = []
    if root:
        shutil.chown(folder, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = folder / "data"
    subprocess.run([*as_pg, str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "postgres", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-l",
                    str(folder / "log"), "-w", "-o",
                    f"-p {port} -k {folder} -c listen_addresses=''", "start"],
                   check=True, capture_output=True)
    try:
        yield folder, port
    finally:
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                        "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _pg_database(server: tuple[Path, int]) -> str:
    import psycopg

    folder, port = server
    name = f"lots_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(host=str(folder), port=port, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@/{name}?host={folder}&port={port}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty lot database: a SQLite file path, or a new PostgreSQL database URL."""
    if request.param == "sqlite":
        return str(tmp_path / "lots.db")
    return _pg_database(request.getfixturevalue("pg_server"))


def fake_folder(path: Path, n: int, *, start: int = 0, sample: str = "s1",
                view: str = "surface", porosity: float = 0.7) -> Path:
    """A minimal ``semscan analyze`` folder of ``n`` analyses with distinct image hashes
    (``images/*.json`` and ``run.json``): what :func:`semscan.lots.store.attach` reads."""
    (path / "images").mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        sha = f"{i:064x}"
        row = {"file": f"img{i}.tif", "sample": sample, "view": view,
               "areal_porosity": porosity, "xs_kappa": 3.0 if view == "cross-section" else None,
               "xs_thickness_mean_um": 5.0 if view == "cross-section" else None,
               "class": "percolation", "overlay": None}
        doc = {"sha256": sha, "config_hash": "cfg0", "semscan_version": "0.1.0",
               "file": row["file"], "view": view, "sample": sample, "config": {}, "row": row}
        (path / "images" / f"img{i}-{sha[:8]}.json").write_text(json.dumps(doc))
    (path / "run.json").write_text(json.dumps({"command": ["analyze"], "status": "finished"}))
    return path
