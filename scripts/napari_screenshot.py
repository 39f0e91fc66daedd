"""Make docs/napari.png: the bundled surface sample analysed and shown in napari.

    xvfb-run -a python scripts/napari_screenshot.py [IMAGE] [OUT.png]

Needs ``semscan[napari]`` and a Qt binding. The viewer is shown (a hidden one screenshots
black) and the screenshot is checked not to be blank before it is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    import napari
    from PIL import Image

    from semscan.napari.layers import result_layers
    from semscan.pipeline import analyze_path

    image = Path(argv[0]) if argv else ROOT / "data" / "sample_surface.tif"
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "napari.png"
    result = analyze_path(image)
    viewer = napari.Viewer(show=True)
    viewer.window.resize(1400, 900)
    for data, kwargs, kind in result_layers(result):
        getattr(viewer, f"add_{kind}")(data, **kwargs)
    viewer.scale_bar.visible = True
    viewer.reset_view()
    from semscan.napari._widget import remeasure_widget

    viewer.window.add_dock_widget(remeasure_widget(viewer), name="semscan Re-measure")
    shot = viewer.screenshot(canvas_only=False, flash=False)
    if shot[..., :3].std() < 20:
        raise SystemExit("the screenshot is blank; run under a shown X display (xvfb-run)")
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(shot[..., :3], np.uint8)).save(out, optimize=True)
    print(f"{out}: {shot.shape[1]} x {shot.shape[0]}")
    viewer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
