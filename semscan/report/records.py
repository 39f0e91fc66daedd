"""The records and tables of an output folder (see :mod:`semscan.report.outputs` for its layout).

``images/*.json`` and ``failures/*.json`` are the records: one per input path and outcome,
written last and atomically. :func:`scan_records` reads them (the newest per input path
wins), :func:`write_tables` and :func:`write_failures` rebuild ``results.csv`` /
``results.parquet`` and ``failures.csv`` from them, :func:`merge_chords` the folder's
``chords.parquet``; ``run.json`` says what the latest run was and whether it is still
running (:func:`write_run_json`, :func:`read_run_json`).
"""

from __future__ import annotations

import json
import os
import platform
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from semscan import __version__
from semscan.config import AnalysisConfig
from semscan.report.lock import lock_is_held
from semscan.report.outputs import (
    CSV_ENCODING,
    _atomic_via,
    _jsonable,
    _utf8,
    atomic_write,
    failure_name,
    software_versions,
)

__all__ = [
    "Record",
    "done_images",
    "merge_chords",
    "read_image_json",
    "read_run_json",
    "remove_failure_record",
    "remove_stale_temporaries",
    "scan_records",
    "write_failure_record",
    "write_failures",
    "write_run_json",
    "write_tables",
]

def read_image_json(out_dir: Path, stem: str) -> dict[str, Any] | None:
    """The per-image JSON of ``stem``, or None when missing or unreadable."""
    try:
        return json.loads((out_dir / "images" / f"{stem}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Record:
    """The latest outcome of one input path in an output folder.

    Attributes
    ----------
    input : str
        Absolute path of the input.
    kind : {'result', 'failure'}
    name : str
        The record's file stem (``images/<name>.json`` or ``failures/<name>.json``).
    key : str or None
        The run key it was made with (None for records of older semscan versions).
    finished_at : float
        When it was written (seconds since the epoch).
    row : dict
        The results row (results) or ``{"file", "sha256", "error"}`` (failures).
    sample_pool : dict or None
        The line totals the image adds to its sample (results).
    layers : list of dict or None
        The ``layers.csv`` rows of a layered cross-section (results).
    """

    input: str
    kind: str
    name: str
    key: str | None
    finished_at: float
    row: dict[str, Any]
    sample_pool: dict[str, Any] | None = None
    layers: list[dict[str, Any]] | None = None


def scan_records(out_dir: Path) -> tuple[dict[str, Record], dict[str, str]]:
    """The latest record of every input path in ``out_dir``, and which input owns each stem.

    Reads every ``images/*.json`` and ``failures/*.json``; unreadable or partial files are
    ignored (their input is redone). For each input path the newest record wins.

    Returns
    -------
    latest : dict
        ``{absolute input path: Record}``.
    stems : dict
        ``{image stem: absolute input path}`` of every image JSON (latest or not).
    """
    latest: dict[str, Record] = {}
    stems: dict[str, str] = {}
    for kind, folder in (("result", "images"), ("failure", "failures")):
        for path in sorted((out_dir / folder).glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if kind == "result":
                    row = data["row"]
                    where = data.get("input") or os.path.abspath(str(data["file"]))
                    stems[path.stem] = where
                else:
                    row = {k: data.get(k) for k in ("file", "sha256", "error")}
                    where = data["input"]
                when = data.get("finished_at") or path.stat().st_mtime
                rec = Record(
                    str(where), kind, path.stem, data.get("task_key"), float(when), row,
                    data.get("sample_pool") if kind == "result" else None,
                    data.get("layers") if kind == "result" else None,
                )
            except (OSError, ValueError, KeyError, TypeError):
                continue
            old = latest.get(rec.input)
            if old is None or rec.finished_at >= old.finished_at:
                latest[rec.input] = rec
    return latest, stems


def done_images(out_dir: Path, config_hash: str) -> dict[str, dict[str, Any]]:
    """Rows of the images whose latest record in ``out_dir`` used this configuration.

    Returns
    -------
    dict
        ``{absolute input path: row}``; unreadable or partial JSON files are ignored.
    """
    latest, _ = scan_records(out_dir)
    return {
        where: rec.row
        for where, rec in latest.items()
        if rec.kind == "result" and rec.row.get("config_hash") == config_hash
    }


def write_failure_record(
    out_dir: Path, *, file: str, sha256: str | None, key: str | None, error: str
) -> None:
    """Record that ``file`` failed (replacing its earlier failure record)."""
    payload = {
        "file": file,
        "input": os.path.abspath(file),
        "sha256": sha256,
        "task_key": key,
        "error": error,
        "finished_at": time.time(),
        "semscan_version": __version__,
    }
    atomic_write(
        out_dir / "failures" / f"{failure_name(file)}.json",
        json.dumps(payload, indent=1, ensure_ascii=False),
    )


def remove_failure_record(out_dir: Path, file: str) -> None:
    """Forget the failure of ``file`` (it has now been analysed)."""
    (out_dir / "failures" / f"{failure_name(file)}.json").unlink(missing_ok=True)


def write_tables(out_dir: Path, rows: Iterable[dict[str, Any]], *, parquet: bool = True) -> None:
    """(Re)write ``results.csv`` (and ``results.parquet``) atomically from rows."""
    import pandas as pd  # heavy: imported only when a table is made

    frame = pd.DataFrame([{k: _utf8(v) for k, v in r.items()} for r in rows])
    atomic_write(out_dir / "results.csv", _csv_text(frame), encoding=CSV_ENCODING)
    if parquet:
        frame = frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object})
        _atomic_via(out_dir / "results.parquet", lambda p: frame.to_parquet(p, index=False))


def _csv_text(frame: Any) -> str:
    """CSV text of a table whose texts may hold line breaks (a file name may).

    Python's csv quotes a field holding a newline but not one holding a lone carriage
    return unless the rows end in CRLF; such a table is written with CRLF rows (RFC 4180),
    any other exactly as before (LF rows).
    """
    text_columns = [c for c in frame.columns if frame[c].dtype.kind not in "biufcmM"]
    has_cr = any(frame[c].map(lambda v: isinstance(v, str) and "\r" in v).any()
                 for c in text_columns)
    return frame.to_csv(index=False, lineterminator="\r\n" if has_cr else "\n")


def merge_chords(out_dir: Path, stems: Iterable[str]) -> int:
    """Concatenate the per-image chord files of ``stems`` into ``chords.parquet``."""
    import pandas as pd  # heavy: imported only when a table is made

    return _merge_parts(
        out_dir, stems, "chords", ".parquet", pd.read_parquet, "chords.parquet",
        lambda path, frame: _atomic_via(path, lambda p: frame.to_parquet(p, index=False)))


def merge_whiskers(out_dir: Path, stems: Iterable[str]) -> int:
    """Concatenate the per-image ``whiskers/<stem>.csv`` of ``stems`` into ``whiskers.csv``
    (removed when no image has whiskers measured); returns the number of whiskers."""
    import pandas as pd  # heavy: imported only when a table is made

    return _merge_parts(
        out_dir, stems, "whiskers", ".csv", lambda p: pd.read_csv(p, encoding=CSV_ENCODING),
        "whiskers.csv",
        lambda path, frame: atomic_write(path, _csv_text(frame), encoding=CSV_ENCODING))


def _merge_parts(out_dir: Path, stems: Iterable[str], folder: str, suffix: str,
                 read: Callable[[Path], Any], target: str,
                 write: Callable[[Path, Any], object]) -> int:
    """One table of the per-image parts ``folder/<stem><suffix>`` that exist (the target
    removed when none does); returns its number of rows."""
    import pandas as pd  # heavy: imported only when a table is made

    frames = [read(p) for p in (out_dir / folder / f"{s}{suffix}" for s in stems)
              if p.exists()]
    if not frames:
        (out_dir / target).unlink(missing_ok=True)
        return 0
    frame = pd.concat(frames, ignore_index=True)
    write(out_dir / target, frame)
    return len(frame)


def write_failures(out_dir: Path, failures: list[tuple[str, str]]) -> None:
    """Write ``failures.csv`` (file, error); removes a stale one when nothing failed."""
    import pandas as pd  # heavy: imported only when a table is made

    path = out_dir / "failures.csv"
    if not failures:
        path.unlink(missing_ok=True)
        return
    rows = [(_utf8(f), _utf8(e)) for f, e in failures]
    frame = pd.DataFrame(rows, columns=["file", "error"])
    atomic_write(path, _csv_text(frame), encoding=CSV_ENCODING)


def remove_stale_temporaries(out_dir: Path) -> int:
    """Delete temporary files left by a run that was killed while writing; returns how many.

    Only call this while holding the folder's lock (no other run is writing).
    """
    removed = 0
    for folder in (out_dir, *(out_dir / d for d in ("images", "failures", "chords",
                                                      "overlays", "masks"))):
        for path in folder.glob(".*"):
            m = re.fullmatch(r"\.(?P<name>.+)\.[a-z0-9_]{8}(?P<suffix>\.[A-Za-z0-9]+)", path.name)
            if m and (m["suffix"] == ".tmp" or m["name"].endswith(m["suffix"])):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def write_run_json(
    out_dir: Path,
    *,
    config: AnalysisConfig,
    inputs: list[dict[str, Any]],
    status: str,
    started: float,
    argv: list[str] | None = None,
) -> None:
    """Write ``run.json`` and ``config.toml``: how this folder's latest run was made.

    ``pid`` and ``host`` identify the process, so that a reader can tell a ``'running'``
    status left by a killed run (see :func:`read_run_json`).
    """
    payload = {
        "status": status,
        "pid": os.getpid(),
        "host": platform.node(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 3),
        "command": argv or [],
        "config_hash": config.hash(),
        "config": config.to_dict(),
        "versions": software_versions(),
        "platform": platform.platform(),
        "inputs": inputs,
    }
    atomic_write(out_dir / "run.json", json.dumps(_jsonable(payload), indent=1, ensure_ascii=False))
    atomic_write(out_dir / "config.toml", config.to_toml())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    try:  # a zombie (killed, not yet reaped) is dead
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def read_run_json(out_dir: Path) -> dict[str, Any] | None:
    """``run.json`` of ``out_dir``, with a ``'running'`` status of a dead run as ``'interrupted'``.

    A run killed hard (``kill -9``, a power cut) cannot write its final status; when no
    run holds the folder's lock, or the recorded process no longer runs on this host, the
    status read is ``'interrupted'`` (and ``status_note`` says why). None when there is no
    readable ``run.json``.
    """
    try:
        data = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = data.get("pid")
    if data.get("status") == "running" and (
        not lock_is_held(out_dir)
        or (isinstance(pid, int) and data.get("host") == platform.node() and not _pid_alive(pid))
    ):
        data["status"] = "interrupted"
        data["status_note"] = f"the run (PID {data['pid']}) ended without finishing"
    return data
