"""The core never imports UI, database, plotting or distributed libraries (DESIGN.md)."""

import subprocess
import sys

import pytest

FORBIDDEN = ("napari", "PyQt5", "PyQt6", "PySide2", "PySide6", "qtpy", "typer", "rich",
             "sqlalchemy", "matplotlib", "dask", "distributed")


@pytest.mark.parametrize("module", ["semscan", "semscan.pipeline", "semscan.io",
                                    "semscan.segment", "semscan.measure", "semscan.classify"])
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
