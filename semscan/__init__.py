"""semscan: pore structure of porous films and membranes from SEM micrographs.

The package root stays light: it imports no heavy dependency. Use the sub-packages:

- :func:`semscan.io.read_micrograph` reads a calibrated micrograph,
- :mod:`semscan.segment` turns it into pore / solid / excluded masks,
- :mod:`semscan.measure` measures the masks (intercepts, porosity, directions, ...),
- :func:`semscan.pipeline.analyze_micrograph` strings all of it together.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
