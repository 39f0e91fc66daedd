"""Lot specifications: TOML files of criteria, and judging a lot's values against them.

A specification names a product and lists criteria; each criterion reads one value of the
lot and holds a limit and the source of that limit::

    name = "meta-aramid-film"
    title = "Meta-aramid porous separator film"
    source = "meta-aramid porous film patent, claims"

    [[criteria]]
    name = "laminar coefficient"
    value = "result:xs_kappa"      # result:<results.csv column>, sample:<samples.csv column>,
    view = "cross-section"         #   or lab:<lab value name>; view filters result rows
    min = 2.5                      # min, max, both (a range), or in = ["a", "b"] (a set)
    unit = ""
    source = "claim 1: a cross-sectional pore laminar coefficient of 2.5 or greater"

A result value is the mean over the lot's images (of the view, those a reviewer rejected
left out) with a finite value; a set
criterion on results needs every image's value in the set. A criterion whose value is
missing (no image of the view, no lab value, a lab value in another unit) is
``incomplete``, and so is the verdict unless another criterion fails: a verdict is never
``pass`` with a value missing. This module is pure (no database): :mod:`semscan.lots.store`
feeds it the lot's rows.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from semscan.errors import SpecError

__all__ = ["Criterion", "CriterionResult", "LotValues", "Spec", "Verdict", "evaluate",
           "parse_spec", "read_spec_file", "shipped_spec", "shipped_specs"]

KINDS = ("result", "sample", "lab")
OUTCOMES = ("pass", "fail", "incomplete")


def normalise_unit(unit: str | None) -> str:
    """A unit as compared: ``um``/``micron`` are ``µm``, case and spaces kept otherwise.

    Examples
    --------
    >>> normalise_unit(" um"), normalise_unit("ml/s"), normalise_unit(None)
    ('µm', 'ml/s', '')
    """
    u = (unit or "").strip()
    return {"um": "µm", "micron": "µm", "μm": "µm", "percent": "%", "pct": "%"}.get(u, u)


@dataclass(frozen=True)
class Criterion:
    """One criterion: ``kind`` (result/sample/lab) and ``key`` name the value; ``minimum``,
    ``maximum`` or ``allowed`` hold the limit; ``view`` filters result rows."""

    name: str
    kind: str
    key: str
    source: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] | None = None
    view: str | None = None

    def limit_text(self) -> str:
        u = f" {self.unit}" if self.unit else ""
        if self.allowed is not None:
            return "in {" + ", ".join(self.allowed) + "}"
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum:g}–{self.maximum:g}{u}"
        if self.minimum is not None:
            return f">= {self.minimum:g}{u}"
        return f"<= {self.maximum:g}{u}"


@dataclass(frozen=True)
class Spec:
    """A parsed specification: its name, title, source, criteria and TOML text."""

    name: str
    title: str
    source: str
    criteria: tuple[Criterion, ...]
    text: str


def _criterion(i: int, raw: Any, where: str) -> Criterion:
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: criterion {i + 1} is {type(raw).__name__}; expected a "
                        "[[criteria]] table")
    unknown = set(raw) - {"name", "value", "source", "unit", "min", "max", "in", "view"}
    if unknown:
        raise SpecError(f"{where}: criterion {i + 1} has unknown key(s) {sorted(unknown)}; "
                        "allowed: name, value, source, unit, min, max, in, view")
    name = raw.get("name") or f"criterion {i + 1}"
    value = raw.get("value", "")
    kind, _, key = str(value).partition(":")
    if kind not in KINDS or not key:
        raise SpecError(f"{where}: criterion {name!r} has value = {value!r}; expected "
                        "'result:<column>', 'sample:<column>' or 'lab:<name>'")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise SpecError(f"{where}: criterion {name!r} has no source; every criterion names "
                        "the document (and clause) its limit comes from: add source = \"...\"")
    lo, hi, allowed = raw.get("min"), raw.get("max"), raw.get("in")
    for label, v in (("min", lo), ("max", hi)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise SpecError(f"{where}: criterion {name!r} has {label} = {v!r}; expected a number")
    if allowed is not None:
        if lo is not None or hi is not None:
            raise SpecError(f"{where}: criterion {name!r} has both a set (in) and min/max; "
                            "give one kind of limit")
        if not isinstance(allowed, list) or not allowed:
            raise SpecError(f"{where}: criterion {name!r} has in = {allowed!r}; expected a "
                            "non-empty list of values")
        allowed = tuple(str(a) for a in allowed)
    elif lo is None and hi is None:
        raise SpecError(f"{where}: criterion {name!r} has no limit; give min, max, both, or "
                        "in = [...]")
    elif lo is not None and hi is not None and lo > hi:
        raise SpecError(f"{where}: criterion {name!r} has min {lo} > max {hi}; swap them")
    view = raw.get("view")
    if view is not None and kind != "result":
        raise SpecError(f"{where}: criterion {name!r}: view applies to result values only")
    return Criterion(str(name), kind, key, source.strip(), normalise_unit(raw.get("unit")),
                     None if lo is None else float(lo), None if hi is None else float(hi),
                     allowed, view)


def parse_spec(text: str, *, where: str = "spec") -> Spec:
    """A specification from its TOML text.

    Raises
    ------
    SpecError
        Invalid TOML, no name, no criteria, or a bad criterion (the message names it).

    Examples
    --------
    >>> s = parse_spec('name = "x"\\n[[criteria]]\\nvalue = "lab:t"\\nmin = 1\\n'
    ...                'unit = "um"\\nsource = "claim 1"')
    >>> s.name, s.criteria[0].limit_text()
    ('x', '>= 1 µm')
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{where} is not valid TOML ({exc}); fix the file") from exc
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or "@" in name:
        raise SpecError(f"{where} has name = {name!r}; expected a name without '@' "
                        "(e.g. name = \"meta-aramid-film\")")
    crit = raw.get("criteria")
    if not isinstance(crit, list) or not crit:
        raise SpecError(f"{where} has no [[criteria]]; add at least one")
    criteria = tuple(_criterion(i, c, where) for i, c in enumerate(crit))
    names = [c.name for c in criteria]
    if len(set(names)) != len(names):
        raise SpecError(f"{where} names a criterion twice ({names}); give each its own name")
    return Spec(name.strip(), str(raw.get("title", name)), str(raw.get("source", "")),
                criteria, text)


def shipped_specs() -> list[str]:
    """Names of the example specifications shipped with semscan (``semscan/lots/specs``)."""
    return sorted(p.name.removesuffix(".toml")
                  for p in resources.files("semscan.lots").joinpath("specs").iterdir()
                  if p.name.endswith(".toml"))


def shipped_spec(name: str) -> str:
    """The TOML text of a shipped specification (``meta_aramid_film`` etc.)."""
    if name not in shipped_specs():
        raise SpecError(f"no shipped specification {name!r}; shipped: {shipped_specs()}")
    return resources.files("semscan.lots").joinpath("specs", f"{name}.toml").read_text("utf-8")


def read_spec_file(path: str | Path) -> Spec:
    """A specification from a file, or the shipped one of that name."""
    p = Path(path)
    if not p.exists() and str(path) in shipped_specs():
        return parse_spec(shipped_spec(str(path)), where=f"shipped spec {path}")
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read the specification {p}: {exc}; give a TOML file or one "
                        f"of the shipped names {shipped_specs()}") from exc
    return parse_spec(text, where=str(p))


@dataclass(frozen=True)
class LotValues:
    """What a lot holds to judge: result rows (one per attached analysis, with ``view``),
    sample rows (``samples.csv``), lab values ``{name: (value, unit)}``."""

    results: tuple[dict[str, Any], ...] = ()
    samples: tuple[dict[str, Any], ...] = ()
    lab: dict[str, tuple[float, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CriterionResult:
    """One criterion judged: the value (a number, a text, or None when missing), the limit,
    the margin (distance to the nearest limit in the criterion's unit, negative when
    outside; None for sets and missing values), the status, and how many values it read."""

    name: str
    value: float | str | None
    limit: str
    margin: float | None
    status: str
    unit: str
    source: str
    n: int
    note: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    """A lot judged against a spec: the outcome (pass, fail, incomplete) and each criterion."""

    outcome: str
    criteria: tuple[CriterionResult, ...]

    def to_dict(self) -> dict:
        return {"outcome": self.outcome, "criteria": [c.to_dict() for c in self.criteria]}


def _number(v: Any) -> float:
    if isinstance(v, bool) or v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _judge_number(c: Criterion, value: float, n: int, note: str) -> CriterionResult:
    margins = []
    if c.minimum is not None:
        margins.append(value - c.minimum)
    if c.maximum is not None:
        margins.append(c.maximum - value)
    margin = min(margins)
    return CriterionResult(c.name, value, c.limit_text(), margin,
                           "pass" if margin >= 0 else "fail", c.unit, c.source, n, note)


def _missing(c: Criterion, note: str, value: Any = None) -> CriterionResult:
    return CriterionResult(c.name, value, c.limit_text(), None, "incomplete", c.unit,
                           c.source, 0, note)


def _judge(c: Criterion, values: LotValues) -> CriterionResult:
    if c.kind == "lab":
        if c.key not in values.lab:
            return _missing(c, f"no lab value {c.key!r}: add it with `semscan lots lab`")
        v, unit = values.lab[c.key]
        if normalise_unit(unit) != c.unit:
            return _missing(c, f"lab value {c.key!r} is in {unit or 'no unit'!r}, the "
                               f"criterion in {c.unit or 'no unit'!r}: give it in "
                               f"{c.unit or 'no unit'}", v)
        if c.allowed is not None:
            return CriterionResult(c.name, str(v), c.limit_text(), None,
                                   "pass" if str(v) in c.allowed else "fail", c.unit,
                                   c.source, 1, "lab value")
        return _judge_number(c, float(v), 1, "lab value")
    rows = values.results if c.kind == "result" else values.samples
    if c.kind == "result":  # an image a reviewer rejected counts in no lot value
        rows = tuple(r for r in rows if r.get("review_status") != "rejected")
    if c.view is not None:
        rows = tuple(r for r in rows if r.get("view") == c.view)
    what = f"{c.kind} column {c.key!r}" + (f" ({c.view} views)" if c.view else "")
    if c.allowed is not None:
        got = [r[c.key] for r in rows if r.get(c.key) not in (None, "")]
        if not got:
            return _missing(c, f"no {what} in the lot")
        bad = sorted({str(g) for g in got if str(g) not in c.allowed})
        shown = ", ".join(sorted({str(g) for g in got}))
        note = f"{len(got)} value(s)" + (f"; not allowed: {', '.join(bad)}" if bad else "")
        return CriterionResult(c.name, shown, c.limit_text(), None,
                               "fail" if bad else "pass", c.unit, c.source, len(got), note)
    nums = [x for x in (_number(r.get(c.key)) for r in rows) if math.isfinite(x)]
    if not nums:
        return _missing(c, f"no finite {what} in the lot")
    return _judge_number(c, sum(nums) / len(nums), len(nums), f"mean of {len(nums)} value(s)")


def evaluate(spec: Spec, values: LotValues) -> Verdict:
    """Judge a lot's values against a spec.

    The outcome is ``fail`` when a criterion fails, else ``incomplete`` when a value is
    missing, else ``pass``.

    Examples
    --------
    >>> s = parse_spec('name = "x"\\n[[criteria]]\\nname = "t"\\nvalue = "lab:t"\\nmin = 1\\n'
    ...                'max = 10\\nunit = "µm"\\nsource = "claim 1"')
    >>> evaluate(s, LotValues(lab={"t": (4.0, "um")})).outcome
    'pass'
    >>> evaluate(s, LotValues()).outcome
    'incomplete'
    >>> evaluate(s, LotValues(lab={"t": (12.0, "µm")})).criteria[0].margin
    -2.0
    """
    results = tuple(_judge(c, values) for c in spec.criteria)
    status = {r.status for r in results}
    outcome = "fail" if "fail" in status else "incomplete" if "incomplete" in status else "pass"
    return Verdict(outcome, results)
