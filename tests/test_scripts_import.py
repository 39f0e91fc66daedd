"""Every script and benchmark still imports (a moved function must not break them)."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
FILES = sorted(p for d in ("scripts", "benchmarks") for p in (ROOT / d).glob("*.py")
               if p.name != "__init__.py")


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_imports(path, monkeypatch):
    name = f"_import_check_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(sys, "path", list(sys.path))  # scripts put the repository first
    spec.loader.exec_module(module)  # the top level only: main() runs under __main__
    assert callable(getattr(module, "main", None)) or module.__doc__
