"""Reading and writing model files safely: size, nesting and type limits (no pickle).

Both trained models of semscan (the pixel classifier and the structure classifier) are
JSON, optionally gzip-compressed. A model file comes from outside (a colleague, a
download), so reading one must never hang, exhaust memory or read out of bounds, whatever
its bytes. :func:`read_model_file` therefore

* refuses a file larger than :data:`MAX_JSON_BYTES` before reading it;
* decompresses gzip as a stream and stops at :data:`MAX_JSON_BYTES` of output (a 4 MB
  gzip bomb that would expand to gigabytes costs at most that much memory);
* measures the bracket nesting of the text before parsing it, refusing more than
  :data:`MAX_JSON_DEPTH` levels (Python's parser would recurse into them);
* refuses ``NaN``, ``Infinity`` and ``-Infinity`` (no semscan model holds one).

The field helpers (:func:`field`, :func:`int_field`, ...) check the type of every value a
model reads, so that a wrong type is a :class:`~semscan.errors.ModelError` naming the file
and the field, never a ``TypeError`` from deep inside numpy.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> d = Path(tempfile.mkdtemp())
>>> write_json(d / "m.json.gz", {"format": "x", "n": [1, 2]})
>>> payload, sha256 = read_model_file(d / "m.json.gz")
>>> payload["n"], len(sha256)
([1, 2], 64)
>>> _ = (d / "deep.json").write_text("[" * 100 + "]" * 100)
>>> read_json(d / "deep.json")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
semscan.errors.ModelError: model file .../deep.json: JSON nested 100 levels deep, more than ...
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from semscan.errors import MODEL_CORRUPT, ModelError

__all__ = [
    "CORRUPT",
    "MAX_JSON_BYTES",
    "MAX_JSON_CONTAINERS",
    "MAX_JSON_DEPTH",
    "corrupt",
    "field",
    "int_field",
    "number_field",
    "read_json",
    "read_model_file",
    "str_list_field",
    "write_json",
]

#: Largest JSON text (after decompression) a model file may hold: 64 MiB, five times the
#: shipped structure model (12 MB; a pixel classifier of 50 trees is at most about 20 MB).
#: Parsing 64 MiB of JSON takes about 2 s and at most about 600 MB of memory; anything
#: larger is refused before it is parsed.
MAX_JSON_BYTES = 64 * 1024 * 1024
#: Deepest bracket nesting a model file may have (semscan writes 6).
MAX_JSON_DEPTH = 64
#: Most lists and objects a model file may hold: a forest has one list per node (its class
#: probabilities) and six per tree; this is room for semscan._forest.MAX_NODES nodes and
#: MAX_TREES trees. Counted before parsing: a file of tiny lists is the costliest to parse
#: (64 MiB of them would take 1.3 GB).
MAX_JSON_CONTAINERS = 2_200_000
CORRUPT = MODEL_CORRUPT
_CHUNK = 1 << 20
_MISSING = object()


def corrupt(where: str, what: str) -> ModelError:
    """The :class:`ModelError` for a damaged or foreign model: ``'<where>: <what>; ...'``."""
    return ModelError(f"{where}: {what}; {CORRUPT}")


def write_json(path: str | Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as JSON (gzip-compressed when the name ends in ``.gz``).

    The output is byte-for-byte reproducible: the gzip header holds no time stamp.

    Raises
    ------
    ModelError
        If the JSON text would be larger than :data:`MAX_JSON_BYTES` (semscan could not
        load it again).

    Examples
    --------
    >>> import hashlib, tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> write_json(d / "a.json.gz", {"x": 1}); write_json(d / "b.json.gz", {"x": 1})
    >>> (d / "a.json.gz").read_bytes() == (d / "b.json.gz").read_bytes()
    True
    """
    path = Path(path)
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    data = text.encode("utf-8")
    if len(data) > MAX_JSON_BYTES:
        raise ModelError(
            f"model {path} would hold {len(data) / 2**20:.0f} MiB of JSON, more than the "
            f"{MAX_JSON_BYTES // 2**20} MiB semscan loads; train it with fewer or shallower trees"
        )
    if path.suffix == ".gz":
        # No time stamp and no file name in the gzip header: the same model gives the same
        # bytes (and sha256) every time it is written.
        with open(path, "wb") as raw, gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0
        ) as fh:
            fh.write(data)
    else:
        path.write_bytes(data)


def read_json(path: str | Path) -> dict[str, Any]:
    """The JSON payload of a model file (see :func:`read_model_file`)."""
    return read_model_file(path)[0]


def read_model_file(path: str | Path) -> tuple[Any, str]:
    """Read a JSON or gzip-compressed JSON model file within the limits of this module.

    Parameters
    ----------
    path : str or Path
        The file; gzip is recognised by its magic bytes or a ``.gz`` name.

    Returns
    -------
    payload : object
        The parsed JSON (any JSON value; the model classes check its contents).
    sha256 : str
        SHA-256 of the file's bytes, as stored (compressed).

    Raises
    ------
    ModelError
        If the file is missing, empty, larger than :data:`MAX_JSON_BYTES` (compressed or
        not), not gzip although named so, truncated, not UTF-8, not JSON, nested more than
        :data:`MAX_JSON_DEPTH` levels, or holds NaN or Infinity. The message names the file.
    """
    path = Path(path)
    where = f"model file {path}"
    limit = f"{MAX_JSON_BYTES // 2**20} MiB"
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ModelError(f"{where} is not a file")
        if size > MAX_JSON_BYTES:
            raise ModelError(f"{where} is {size / 2**20:.0f} MiB, more than the {limit} a "
                             f"semscan model may be; {CORRUPT}")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelError(f"{where} does not exist") from exc
    except OSError as exc:
        raise ModelError(f"{where} cannot be read: {exc}") from exc
    if not raw:
        raise ModelError(f"{where} is empty; {CORRUPT}")
    digest = hashlib.sha256(raw).hexdigest()
    if raw[:2] == b"\x1f\x8b" or path.suffix == ".gz":
        raw = _gunzip(raw, where)
    payload = _parse(raw, where)
    return payload, digest


def _gunzip(raw: bytes, where: str) -> bytes:
    """Decompress every gzip member, never producing more than the limit (plus one byte)."""
    parts: list[bytes] = []
    total = 0
    data = raw
    while data:
        d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        if data[:2] != b"\x1f\x8b":
            what = "is not gzip-compressed" if not parts else "has data after its gzip stream"
            raise corrupt(where, f"{what} (no gzip signature)")
        try:
            chunk = d.decompress(data, MAX_JSON_BYTES + 1 - total)
        except zlib.error as exc:
            raise corrupt(where, f"is a damaged gzip file ({exc})") from exc
        total += len(chunk)
        if total > MAX_JSON_BYTES:
            raise corrupt(where, f"decompresses to more than the {MAX_JSON_BYTES // 2**20} "
                                 "MiB a semscan model may be")
        if not d.eof:
            raise corrupt(where, "is a truncated gzip file")
        parts.append(chunk)
        data = d.unused_data.lstrip(b"\0")  # another member may follow (padding allowed)
    return b"".join(parts)


def _reject_constant(name: str) -> float:
    raise ValueError(f"holds {name}, which no semscan model does")


def _parse(data: bytes, where: str) -> Any:
    depth, containers = json_shape(data)
    if depth > MAX_JSON_DEPTH:
        raise corrupt(where, f"JSON nested {depth} levels deep, more than the "
                             f"{MAX_JSON_DEPTH} a semscan model may have")
    if containers > MAX_JSON_CONTAINERS:
        raise corrupt(where, f"holds {containers} JSON lists and objects, more than the "
                             f"{MAX_JSON_CONTAINERS} a semscan model may have")
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise ModelError(f"{where} is not valid JSON: not UTF-8 text ({exc})") from exc
    except (ValueError, RecursionError) as exc:
        raise ModelError(f"{where} is not valid JSON: {exc}") from exc


_ESCAPE = re.compile(rb"\\.", re.DOTALL)


def json_shape(data: bytes) -> tuple[int, int]:
    """Deepest nesting of ``[`` and ``{`` in JSON text and how many there are, brackets
    inside strings ignored.

    Vectorised (about 30 ms for 12 MB); malformed text gives some numbers, never an error.

    Examples
    --------
    >>> json_shape(b'{"a": [[1, 2], "]]]["], "b": {}}')
    (3, 4)
    """
    if b"\\" in data:
        data = _ESCAPE.sub(b"", data)  # escaped quotes no longer end a string
    b = np.frombuffer(data, np.uint8)
    quotes = np.flatnonzero(b == 34)
    folded = b | 0x20  # '[' -> '{' (0x7b) and ']' -> '}' (0x7d); nothing else maps there
    brackets = np.flatnonzero((folded == 0x7B) | (folded == 0x7D))
    if brackets.size == 0:
        return 0, 0
    if quotes.size:
        brackets = brackets[np.searchsorted(quotes, brackets) % 2 == 0]
    step = 0x7C - folded[brackets].astype(np.int64)  # +1 opening, -1 closing
    return int(np.cumsum(step).max(initial=0)), int(np.count_nonzero(step > 0))


def json_depth(data: bytes) -> int:
    """Deepest nesting of ``[`` and ``{`` in JSON text (see :func:`json_shape`).

    Examples
    --------
    >>> json_depth(b'{"a": [[1, 2], "]]]["], "b": {}}')
    3
    """
    return json_shape(data)[0]


# ------------------------------------------------------------------- field type checks
def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def field(data: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...],
          *, default: Any = _MISSING) -> Any:
    """``data[key]``, checked to be an instance of ``kind`` (bool is never an int here).

    Examples
    --------
    >>> field({"a": [1]}, "a", "m", list)
    [1]
    >>> field({"a": True}, "a", "m", int)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semscan.errors.ModelError: m: 'a' is bool, expected int; the model file is corrupt ...
    """
    if key not in data:
        if default is not _MISSING:
            return default
        raise corrupt(where, f"the field {key!r} is missing")
    value = data[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
        raise corrupt(where, f"{key!r} is {_type_name(value)}, expected {names}")
    return value


def int_field(data: Mapping[str, Any], key: str, where: str, *, low: int, high: int,
              default: Any = _MISSING) -> int:
    """An integer field in ``[low, high]``."""
    value = field(data, key, where, int, default=default)
    if value is not default and not low <= value <= high:
        raise corrupt(where, f"{key!r} is {value}, expected {low} to {high}")
    return value


def number_field(data: Mapping[str, Any], key: str, where: str, *, low: float, high: float,
                 default: Any = _MISSING) -> float:
    """A finite number (int or float) in ``[low, high]``, as float."""
    value = field(data, key, where, (int, float), default=default)
    if value is default:
        return value
    if not (math.isfinite(value) and low <= value <= high):
        raise corrupt(where, f"{key!r} is {value!r}, expected a number from {low:g} to {high:g}")
    return float(value)


def str_list_field(data: Mapping[str, Any], key: str, where: str, *, max_len: int,
                   default: Any = _MISSING) -> Any:
    """A list of at most ``max_len`` strings."""
    value = field(data, key, where, list, default=default)
    if value is default:
        return value
    if len(value) > max_len:
        raise corrupt(where, f"{key!r} has {len(value)} entries, at most {max_len} expected")
    bad = [v for v in value if not isinstance(v, str)]
    if bad:
        raise corrupt(where, f"{key!r} holds {_type_name(bad[0])} {bad[0]!r}, expected strings")
    return value
