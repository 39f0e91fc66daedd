"""The core never imports UI, database, plotting or distributed libraries (DESIGN.md)."""

import subprocess
import sys

import pytest

FORBIDDEN = ("napari", "PyQt5", "PyQt6", "PySide2", "PySide6", "qtpy", "typer", "rich",
             "sqlalchemy", "matplotlib", "dask", "distributed", "magicgui", "superqt", "vispy")
GUI = ("napari", "PyQt5", "PyQt6", "PySide2", "PySide6", "qtpy", "magicgui", "superqt", "vispy")


@pytest.mark.parametrize("module", ["semscan", "semscan.pipeline", "semscan.io",
                                    "semscan.segment", "semscan.measure", "semscan.classify",
                                    "semscan.pipeline.remeasure", "semscan.napari",
                                    "semscan.napari.layers", "semscan.napari._reader"])
def test_core_imports_stay_light(module):
    code = (
        f"import sys, {module}\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "", f"{module} pulled in: {res.stdout.strip()}"


def test_package_root_is_cheap():
    code = "import sys, semscan\nprint('numpy' in sys.modules, semscan.__version__)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.split()[0] == "False"


def test_only_the_napari_package_imports_napari_or_qt():
    """The widgets (semscan/napari/_widget.py) are the only code that imports a GUI library;
    the readers and layer builders of semscan.napari import none (tested above)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "semscan"
    pattern = re.compile(rf"^\s*(?:from|import)\s+({'|'.join(GUI)})\b", re.M)
    offenders = sorted(
        str(p.relative_to(root.parent))
        for p in root.rglob("*.py")
        if "napari" not in p.relative_to(root).parts[:1] and pattern.search(p.read_text("utf-8"))
    )
    assert offenders == []
    widget = (root / "napari" / "_widget.py").read_text("utf-8")
    assert pattern.search(widget)  # the check sees the imports it is about
