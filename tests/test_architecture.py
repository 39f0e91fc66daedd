"""The shape of the code (DESIGN.md, README "Architecture"): tests mirror modules, every module
imports on its own, imports point downward only, and the core stays light.

The layer table below is the one source of the import rules; the README's map is written
from it, and a test checks that the map names every entry at its layer.
"""

from __future__ import annotations

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import semscan

ROOT = Path(semscan.__file__).resolve().parent
TESTS = Path(__file__).resolve().parent

#: Layer of each module or package, by name prefix (the longest prefix decides; the key
#: ``"semscan"`` matches the package root itself only). A module may import a module of a
#: lower layer, and any module of its own package (``semscan.measure.x`` may import
#: ``semscan.measure.y``); nothing else. Packages of the same layer are independent.
LAYERS: dict[str, int] = {
    # bottom: no semscan imports but each other's
    "semscan": 0,  # the root: version and a few re-exports, no heavy imports
    "semscan.errors": 0,
    "semscan._choices": 0,
    "semscan._files": 1,
    "semscan._options": 1,
    "semscan._modelfile": 1,
    "semscan._modelbin": 1,
    "semscan._dask_plugin": 1,  # imports distributed, never semscan
    "semscan.calibration": 1,
    "semscan.config": 2,  # a package: AnalysisConfig, and config.sections (the dataclasses)
    "semscan._forest": 2,
    "semscan._ndimage": 2,
    "semscan._morphology": 2,
    "semscan._tiled": 2,
    "semscan.micrograph": 2,
    "semscan.inputs": 2,
    "semscan._workers": 2,
    # the algorithms: images -> masks -> numbers; files -> micrographs
    "semscan.io": 3,
    "semscan.segment": 3,
    "semscan.measure": 3,
    "semscan.phantoms": 4,  # synthetic micrographs (draws with measure's line kit)
    "semscan.classify": 5,  # trains on phantoms segmented by segment
    # the only place that strings the steps together
    "semscan.pipeline": 6,
    # on top of the pipeline
    "semscan.distributed": 7,
    "semscan.report": 7,
    "semscan.lots": 7,
    # front ends
    "semscan.cli": 8,
    "semscan.napari": 8,
}

#: Libraries the core (everything up to semscan.pipeline) never loads.
HEAVY = ("napari", "PyQt5", "PyQt6", "PySide2", "PySide6", "qtpy", "typer", "rich",
         "sqlalchemy", "matplotlib", "dask", "distributed")


def _modules() -> list[str]:
    names = ["semscan"]
    for info in pkgutil.walk_packages([str(ROOT)], prefix="semscan."):
        names.append(info.name)
    return sorted(names)


def _path_of(module: str) -> Path:
    rel = Path(*module.split(".")[1:])
    package = ROOT / rel / "__init__.py"
    return package if package.exists() else (ROOT / rel).with_suffix(".py")


def _layer_key(module: str) -> str | None:
    if module == "semscan":
        return "semscan"
    parts = module.split(".")
    for n in range(len(parts), 1, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return key
    return None


def _package(module: str) -> str:
    """The unit whose modules may import each other: ``semscan.measure`` for
    ``semscan.measure.cross_section.film``, the module itself for a top-level module."""
    return ".".join(module.split(".")[:2])


def _imports(module: str) -> list[tuple[int, str]]:
    """(line, imported module) of every semscan import in a module, at any depth."""
    path = _path_of(module)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "semscan"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.split(".")[0] != "semscan":
                continue
            # ``from semscan.cli import analyze`` imports the submodule semscan.cli.analyze
            for alias in node.names:
                sub = f"{name}.{alias.name}"
                out.append((node.lineno, sub if _is_module(sub) else name))
    return out


def _import_kinds(module: str) -> dict[int, str]:
    """Line of each import statement -> ``'top'`` (runs on import), ``'function'`` (inside
    a function) or ``'typing'`` (under ``if TYPE_CHECKING:``, never runs)."""
    path = _path_of(module)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    kinds: dict[int, str] = {}

    def visit(node: ast.AST, kind: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = kind
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = "function"
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                inner = "typing" if kind == "top" else kind
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                kinds[child.lineno] = kind
            visit(child, inner)

    visit(tree, "top")
    return kinds


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (ROOT / rel / "__init__.py").exists() or (ROOT / rel).with_suffix(".py").exists()


# ------------------------------------------------------------------ tests mirror modules
def _mirror_of(path: Path) -> Path:
    rel = path.relative_to(ROOT)
    return TESTS.joinpath(*rel.parts[:-1], f"test_{path.stem.lstrip('_')}.py")


def test_every_module_has_a_test_file_at_its_mirrored_path():
    """semscan/measure/intercept.py -> tests/measure/test_intercept.py; a private _x.py ->
    test_x.py; __init__.py and __main__.py are exempt."""
    missing = [
        f"{p.relative_to(ROOT.parent)} -> {_mirror_of(p).relative_to(TESTS.parent)}"
        for p in sorted(ROOT.rglob("*.py"))
        if p.name not in ("__init__.py", "__main__.py") and not _mirror_of(p).is_file()
    ]
    assert not missing, "modules without their test file:\n  " + "\n  ".join(missing)


# ------------------------------------------------------------------------ the README map
def _readme_map() -> dict[int, str]:
    """The README "Architecture" diagram: the text of each layer (its numbered line and the
    indented lines after it)."""
    text = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("## Architecture", 1)[1]
    block = section.split("```", 2)[1]
    layers: dict[int, str] = {}
    current = None
    for line in block.splitlines():
        head = line[:3].strip()
        if head.isdigit():
            current = int(head)
            layers[current] = line[3:]
        elif current is not None and line.strip() != "|":
            layers[current] += "\n" + line
    return layers


def test_the_readme_map_names_every_layer_entry_at_its_layer():
    """``semscan.io`` must stand as ``io`` or ``io/`` on the map's layer-3 lines, and so on
    for every entry of LAYERS (the root as ``semscan``)."""
    layers = _readme_map()
    assert sorted(layers) == sorted(set(LAYERS.values())), sorted(layers)
    missing = []
    for key, layer in LAYERS.items():
        name = key.rsplit(".", 1)[-1]
        if not re.search(rf"(?<![\w/.]){re.escape(name)}(?![\w])", layers[layer]):
            missing.append(f"{name} (layer {layer})")
    assert not missing, "the README map does not show: " + ", ".join(missing)


# ------------------------------------------------------------------------- import rules
def test_every_module_imports_at_top_level_in_a_fresh_interpreter():
    """One interpreter imports every module in turn: an import cycle, which a function-level
    import would hide, fails here."""
    names = _modules()
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    for order in (names, names[::-1]):  # a cycle may break in one order only
        res = subprocess.run([sys.executable, "-c", code, *order], capture_output=True,
                             text=True, cwd=ROOT.parent)
        assert res.returncode == 0, res.stderr[-3000:]


def test_no_function_level_import_hides_a_cycle():
    """An import inside a function is fine for a heavy or optional library, not to break a
    cycle: the module it imports must not import (at its top, at any remove) the module
    that imports it. TYPE_CHECKING imports never run and do not count."""
    names = _modules()
    top: dict[str, set[str]] = {}
    local: list[tuple[str, int, str]] = []
    for module in names:
        kinds = _import_kinds(module)
        top[module] = set()
        for line, target in _imports(module):
            if kinds.get(line) == "top":
                top[module].add(target)
            elif kinds.get(line) == "function":
                local.append((module, line, target))

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            m = todo.pop()
            if m == goal:
                return True
            if m not in seen:
                seen.add(m)
                todo += top.get(m, ())
        return False

    hidden = sorted({f"{m} line {line} imports {t}, which imports {m}"
                     for m, line, t in local if t != m and reaches(t, m)})
    assert not hidden, "function-level imports hiding a cycle:\n  " + "\n  ".join(hidden)


def test_every_module_has_a_layer():
    unknown = [m for m in _modules() if _layer_key(m) is None]
    assert not unknown, f"add these to LAYERS (and the README map): {unknown}"


def test_imports_point_downward_only():
    """Top-level and function-level imports alike (TYPE_CHECKING ones too)."""
    wrong = []
    for module in _modules():
        key = _layer_key(module)
        if key is None:
            continue  # test_every_module_has_a_layer says so
        for line, target in _imports(module):
            if _package(target) == _package(module):
                continue
            target_key = _layer_key(target)
            if target_key is None or LAYERS[target_key] >= LAYERS[key]:
                layer = "?" if target_key is None else LAYERS[target_key]
                wrong.append(f"{module} (layer {LAYERS[key]}) line {line} imports {target} "
                             f"(layer {layer})")
    assert not wrong, "imports against the layers:\n  " + "\n  ".join(wrong)


def test_the_layer_rule_refuses_an_upward_import():
    """The checker itself: an import from a higher layer, and one across packages of the
    same layer, are refused; one inside a package is allowed."""
    def refused(module: str, target: str) -> bool:
        return (_package(target) != _package(module)
                and LAYERS[_layer_key(target)] >= LAYERS[_layer_key(module)])

    assert refused("semscan.measure.intercept", "semscan.pipeline")
    assert refused("semscan.config", "semscan.io.reader")
    assert refused("semscan.io.reader", "semscan.segment")
    assert refused("semscan.errors", "semscan")  # same layer, another module
    assert not refused("semscan.measure.view", "semscan.measure.cross_section.film")
    assert not refused("semscan.cli.app", "semscan.pipeline")
    assert _layer_key("semscan.pipeline.batch") == "semscan.pipeline"
    assert _layer_key("semscan.semscanner") is None  # a prefix is a whole name


CORE_RUN = f"""
import sys
import numpy as np
import semscan.pipeline
from semscan.config import AnalysisConfig
from semscan.micrograph import Micrograph
from semscan.pipeline import analyze_micrograph

img = np.full((128, 128), 0.8, np.float32)
img[:, ::8] = 0.1; img[:, 1::8] = 0.1
res = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.01), config=AnalysisConfig())
assert res.porosity.porosity > 0
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})))
"""


@pytest.mark.slow
def test_the_core_runs_an_analysis_without_front_end_libraries():
    """Importing semscan.pipeline and analysing an image (classification included) loads no
    UI, plotting, database or cluster library."""
    res = subprocess.run([sys.executable, "-c", CORE_RUN], capture_output=True, text=True,
                         cwd=ROOT.parent)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip() == "", f"the core loaded: {res.stdout.strip()}"
