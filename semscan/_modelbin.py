"""Binary model files: a small JSON header and raw little-endian arrays (no pickle).

A trained forest is hundreds of thousands of numbers; as JSON the shipped structure model
takes 1.7 s to parse. In this format the numbers are stored as they lie in memory and read
with :func:`numpy.frombuffer` (the shipped model loads and validates in about 30 ms), and
nothing is ever unpickled or executed.

Layout (all integers little-endian)::

    MAGIC                         16 bytes, b"\\x89semscan-model\\r\\n"
    header length H               uint32
    header                        H bytes of UTF-8 JSON (at most MAX_HEADER_BYTES)
    zero padding                  to a multiple of 64 bytes from the file's start
    payload                       the arrays, one after the other, each at an offset that
                                  is a multiple of 8 (zero padding between)

The header is ``{"format": BIN_FORMAT, "model": <the model's JSON payload, its big arrays
left out>, "arrays": [{"name", "dtype", "shape", "offset"}, ...], "payload": {"bytes",
"sha256", "compression"}}``. ``compression`` is ``"none"`` (the payload as stored) or
``"zlib"`` (the payload is one zlib stream of ``bytes`` bytes once decompressed); the sha256
is that of the uncompressed payload.

:func:`read_model_bin` checks everything before an array exists: the file size, the magic,
the header (within the JSON limits of :mod:`semscan._modelfile`: nesting, NaN), every
array's name, dtype (only ``<i4``, ``<u4``, ``<f8``), shape and offset (contiguous, in
order, aligned, summing to the payload exactly), declared sizes against
:data:`MAX_PAYLOAD_BYTES` before anything is allocated or decompressed, the decompressed
size, and the sha256. What the arrays mean is checked by the model that reads them
(:meth:`semscan._forest.TreeEnsemble.from_dict`). Arrays are read-only views.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> import numpy as np
>>> d = Path(tempfile.mkdtemp())
>>> write_model_bin(d / "m.smodel", {"format": "x"}, {"a": np.arange(3, dtype=np.int32)})
>>> model, arrays, sha256 = read_model_bin(d / "m.smodel")
>>> model, arrays["a"].tolist(), arrays["a"].flags.writeable
({'format': 'x'}, [0, 1, 2], False)
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from semscan.errors import MODEL_CORRUPT, ModelError

__all__ = [
    "BIN_FORMAT",
    "DTYPES",
    "MAGIC",
    "MAX_ARRAYS",
    "MAX_HEADER_BYTES",
    "MAX_PAYLOAD_BYTES",
    "is_json_name",
    "is_model_bin",
    "read_model_bin",
    "write_model_bin",
]

MAGIC = b"\x89semscan-model\r\n"
BIN_FORMAT = "semscan-binary-model/1"
#: Largest header: the model's small fields (names, medians, training recipe) fit in 64 kB.
MAX_HEADER_BYTES = 1 << 20
#: Largest payload once decompressed: 256 MiB, 15 times the shipped structure model (17 MB);
#: a forest at semscan._forest's limits of 2 097 152 nodes with 8 classes is 130 MB.
MAX_PAYLOAD_BYTES = 256 * 1024 * 1024
MAX_ARRAYS = 64
#: The element types a model file may hold (little-endian int32, uint32, float64).
DTYPES = {"<i4": np.dtype("<i4"), "<u4": np.dtype("<u4"), "<f8": np.dtype("<f8")}
_CODES = {("i", 4): "<i4", ("u", 4): "<u4", ("f", 8): "<f8"}  # any byte order in, "<" out
_PREFIX = len(MAGIC) + 4
_ALIGN = 64


def is_json_name(path: str | Path) -> bool:
    """True when ``path`` names a JSON model file (``.json`` or ``.json.gz``).

    Examples
    --------
    >>> is_json_name("m.json.gz"), is_json_name("m.smodel")
    (True, False)
    """
    name = Path(path).name.lower()
    return name.endswith(".json") or name.endswith(".json.gz")


def is_model_bin(path: str | Path) -> bool:
    """True when the file starts with :data:`MAGIC` (False when unreadable or shorter)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def corrupt(where: str, what: str) -> ModelError:
    """The :class:`ModelError` for a damaged or foreign model: ``'<where>: <what>; ...'``."""
    return ModelError(f"{where}: {what}; {MODEL_CORRUPT}")


def _reject_constant(name: str) -> float:
    raise ValueError(f"holds {name}, which no semscan model does")


def _parse_header(data: bytes, where: str) -> Any:
    """The JSON header (at most MAX_HEADER_BYTES: deep nesting is a RecursionError of the
    parser, caught; NaN and Infinity are refused)."""
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise corrupt(where, f"its header is not UTF-8 text ({exc})") from exc
    except (ValueError, RecursionError) as exc:
        raise corrupt(where, f"its header is not valid JSON: {exc}") from exc


def _pad(n: int, to: int) -> int:
    return -n % to


def write_model_bin(path: str | Path, model: dict[str, Any], arrays: dict[str, np.ndarray],
                    *, compress: bool = False) -> None:
    """Write ``model`` (JSON-ready) and ``arrays`` as a binary model file.

    The bytes depend on the contents only (no time stamp), so the same model gives the
    same file and sha256 every time.

    Parameters
    ----------
    path : str or Path
        The file.
    model : dict
        The model's JSON payload without its arrays.
    arrays : dict of str to ndarray
        Arrays of int32, uint32 or float64 (stored little-endian), in this order.
    compress : bool
        zlib-compress the payload (level 6): smaller, about 30 ms slower to load.

    Raises
    ------
    ModelError
        If an array has another dtype, or the file would exceed the limits
        (:data:`MAX_HEADER_BYTES`, :data:`MAX_PAYLOAD_BYTES`, :data:`MAX_ARRAYS`) that
        :func:`read_model_bin` enforces.
    """
    path = Path(path)
    if len(arrays) > MAX_ARRAYS:
        raise ModelError(f"model {path}: {len(arrays)} arrays, at most {MAX_ARRAYS}")
    specs, parts, offset = [], [], 0
    for name, arr in arrays.items():
        arr = np.asarray(arr)
        code = _CODES.get((arr.dtype.kind, arr.dtype.itemsize))
        if code is None:
            raise ModelError(f"model {path}: array {name!r} is {arr.dtype}, expected one of "
                             f"{sorted(DTYPES)}")
        data = np.ascontiguousarray(arr, dtype=DTYPES[code]).tobytes()
        parts += [bytes(_pad(offset, 8)), data]
        offset += _pad(offset, 8)
        specs.append({"name": name, "dtype": code, "shape": list(arr.shape), "offset": offset})
        offset += len(data)
    payload = b"".join(parts)
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ModelError(f"model {path} would hold {len(payload) / 2**20:.0f} MiB of arrays, "
                         f"more than the {MAX_PAYLOAD_BYTES // 2**20} MiB semscan loads; "
                         "train it with fewer or shallower trees")
    stored = zlib.compress(payload, 6) if compress else payload
    try:
        header = json.dumps({
            "format": BIN_FORMAT,
            "model": model,
            "arrays": specs,
            "payload": {"bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest(),
                        "compression": "zlib" if compress else "none"},
        }, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:  # NaN, or what JSON cannot hold
        raise ModelError(f"model {path}: its fields cannot be written as JSON ({exc})") from exc
    if len(header) > MAX_HEADER_BYTES:
        raise ModelError(f"model {path}: the header would be {len(header)} bytes, more than "
                         f"{MAX_HEADER_BYTES}")
    head = MAGIC + struct.pack("<I", len(header)) + header
    path.write_bytes(head + bytes(_pad(len(head), _ALIGN)) + stored)


def read_model_bin(path: str | Path) -> tuple[Any, dict[str, np.ndarray], str]:
    """Read and check a binary model file (see the module docstring for the checks).

    Returns
    -------
    model : object
        The header's ``"model"`` value (the model class checks its fields).
    arrays : dict of str to ndarray
        The arrays, read-only, native byte order.
    sha256 : str
        SHA-256 of the file's bytes.

    Raises
    ------
    ModelError
        Naming the file and the first problem, whatever the bytes.
    """
    path = Path(path)
    where = f"model file {path}"
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ModelError(f"{where} is not a file")
        limit = _PREFIX + MAX_HEADER_BYTES + _ALIGN + MAX_PAYLOAD_BYTES + 1024
        if size > limit:
            raise corrupt(where, f"is {size / 2**20:.0f} MiB, more than a semscan model "
                                 f"may be ({MAX_PAYLOAD_BYTES // 2**20} MiB of arrays)")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelError(f"{where} does not exist") from exc
    except OSError as exc:
        raise ModelError(f"{where} cannot be read: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if raw[: len(MAGIC)] != MAGIC:
        raise corrupt(where, "is not a semscan binary model (no signature)")
    if len(raw) < _PREFIX:
        raise corrupt(where, "is truncated (in its header)")
    (n_header,) = struct.unpack_from("<I", raw, len(MAGIC))
    if n_header > MAX_HEADER_BYTES:
        raise corrupt(where, f"declares a header of {n_header} bytes, more than the "
                             f"{MAX_HEADER_BYTES} allowed")
    if len(raw) < _PREFIX + n_header:
        raise corrupt(where, "is truncated (in its header)")
    header = _parse_header(raw[_PREFIX: _PREFIX + n_header], where)
    start = _PREFIX + n_header + _pad(_PREFIX + n_header, _ALIGN)
    if not isinstance(header, dict) or header.get("format") != BIN_FORMAT:
        got = header.get("format") if isinstance(header, dict) else type(header).__name__
        raise corrupt(where, f"has header format {got!r}, expected {BIN_FORMAT!r}")
    if raw[_PREFIX + n_header: start].strip(b"\0"):
        raise corrupt(where, "has bytes other than zeros after its header")
    n_bytes, sha256, compression = _payload_spec(header, where)
    specs = _array_specs(header, n_bytes, where)
    stored = memoryview(raw)[start:]
    if compression == "zlib":
        payload = _inflate(stored, n_bytes, where)
    else:
        if len(stored) < n_bytes:
            raise corrupt(where, f"is truncated: {len(stored)} of its {n_bytes} bytes of "
                                 "arrays are there")
        if len(stored) > n_bytes:
            raise corrupt(where, f"has {len(stored) - n_bytes} bytes after its arrays")
        payload = stored
    if hashlib.sha256(payload).hexdigest() != sha256:
        raise corrupt(where, "its arrays do not match their sha256 (damaged or edited)")
    arrays = {}
    for name, dtype, shape, offset, count in specs:
        arr = np.frombuffer(payload, dtype=dtype, count=count, offset=offset).reshape(shape)
        arrays[name] = arr if dtype.isnative else arr.astype(dtype.newbyteorder("="))
        arrays[name].flags.writeable = False
    return header.get("model"), arrays, digest


def _payload_spec(header: dict[str, Any], where: str) -> tuple[int, str, str]:
    spec = header.get("payload")
    if not isinstance(spec, dict):
        raise corrupt(where, "the header has no 'payload' object")
    n_bytes, sha256, compression = spec.get("bytes"), spec.get("sha256"), spec.get("compression")
    if type(n_bytes) is not int or not 0 <= n_bytes <= MAX_PAYLOAD_BYTES:
        raise corrupt(where, f"declares {n_bytes!r} bytes of arrays, expected 0 to "
                             f"{MAX_PAYLOAD_BYTES}")
    if not (isinstance(sha256, str) and len(sha256) == 64
            and all(c in "0123456789abcdef" for c in sha256)):
        raise corrupt(where, "the header's payload sha256 is not 64 hex digits")
    if compression not in ("none", "zlib"):
        raise corrupt(where, f"payload compression {compression!r} is not 'none' or 'zlib'")
    return n_bytes, sha256, compression


def _array_specs(header: dict[str, Any], n_bytes: int,
                 where: str) -> list[tuple[str, np.dtype, tuple[int, ...], int, int]]:
    """(name, dtype, shape, offset, count) of every array, each checked; together they
    must fill the payload exactly, in order, each at the next multiple of 8."""
    specs = header.get("arrays")
    if not isinstance(specs, list) or len(specs) > MAX_ARRAYS:
        raise corrupt(where, f"the header's 'arrays' is not a list of at most {MAX_ARRAYS}")
    out, end, names = [], 0, set()
    for spec in specs:
        if not isinstance(spec, dict) or set(spec) != {"name", "dtype", "shape", "offset"}:
            raise corrupt(where, f"array entry {str(spec)[:80]} is not "
                                 "{name, dtype, shape, offset}")
        name, code, shape, offset = spec["name"], spec["dtype"], spec["shape"], spec["offset"]
        what = f"array {str(name)[:80]!r}"
        if not isinstance(name, str) or not name or name in names:
            raise corrupt(where, f"{what}: the name is missing or repeated")
        names.add(name)
        if code not in DTYPES:
            raise corrupt(where, f"{what} has dtype {str(code)[:40]!r}, expected one of "
                                 f"{sorted(DTYPES)}")
        if not (isinstance(shape, list) and len(shape) <= 4
                and all(type(v) is int and 0 <= v <= MAX_PAYLOAD_BYTES for v in shape)):
            raise corrupt(where, f"{what} has shape {str(shape)[:80]}, expected at most 4 "
                                 f"sizes from 0 to {MAX_PAYLOAD_BYTES}")
        count = math.prod(shape)
        size = count * DTYPES[code].itemsize
        expected = end + _pad(end, 8)
        if type(offset) is not int or offset != expected:
            raise corrupt(where, f"{what} is at offset {offset!r}, expected {expected}")
        if size > n_bytes - offset:
            raise corrupt(where, f"{what} of shape {shape} ({size} bytes) does not fit in the "
                                 f"{n_bytes} bytes of arrays")
        out.append((name, DTYPES[code], tuple(shape), offset, count))
        end = offset + size
    if end != n_bytes:
        raise corrupt(where, f"its arrays take {end} bytes but {n_bytes} are declared")
    return out


def _inflate(stored: memoryview, n_bytes: int, where: str) -> bytes:
    """The zlib payload, never more than ``n_bytes`` (+1) of output whatever it holds."""
    d = zlib.decompressobj()
    try:
        payload = d.decompress(stored, n_bytes + 1)
    except zlib.error as exc:
        raise corrupt(where, f"its compressed arrays are damaged ({exc})") from exc
    if len(payload) > n_bytes:
        raise corrupt(where, f"its arrays decompress to more than the {n_bytes} bytes declared")
    if not d.eof:
        raise corrupt(where, f"is truncated: its arrays decompress to {len(payload)} of "
                             f"{n_bytes} bytes")
    if d.unused_data:
        raise corrupt(where, f"has {len(d.unused_data)} bytes after its compressed arrays")
    if len(payload) != n_bytes:
        raise corrupt(where, f"its arrays decompress to {len(payload)} bytes, not the "
                             f"{n_bytes} declared")
    return payload

