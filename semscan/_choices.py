"""Every option's allowed choices, in one place (bottom layer: imports nothing of semscan).

Each choice is a ``Literal`` type, used as the annotation of the configuration field
(:mod:`semscan.config`) and of the keyword parameter of the function it feeds
(:mod:`semscan.segment`, :mod:`semscan.measure`), and a tuple of its values (the
``Literal``'s ``get_args``) for checks and messages. The command line takes its choices
from the configuration's annotations (:mod:`semscan.cli.options`), so a choice added here
is accepted everywhere at once. Defaults are the configuration's
(:mod:`semscan.config`); a test checks that every function fed by a configuration section
has the same keyword names and defaults (``tests/test_config.py``).

Examples
--------
>>> THRESHOLD_METHODS[:3]
('auto', 'otsu', 'li')
>>> "exact" in THICKNESS_METHODS
True
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "CI_METHODS",
    "CONFIG_VIEWS",
    "DENOISE_METHODS",
    "GLOBAL_METHODS",
    "LAYERS_CHOICES",
    "PORE_TONES",
    "SAMPLINGS",
    "THICKNESS_METHODS",
    "THRESHOLD_METHODS",
    "VIEWS",
    "WINDOW_CHOICES",
    "CIMethod",
    "ConfigView",
    "DenoiseMethod",
    "GlobalMethod",
    "LayersChoice",
    "PoreTone",
    "Sampling",
    "ThicknessMethod",
    "ThresholdMethod",
    "View",
    "WindowChoice",
]

#: Threshold method of a segmentation (``[segment] method``); ``'auto'`` chooses one.
ThresholdMethod = Literal[
    "auto", "otsu", "li", "triangle", "multiotsu", "sauvola", "hysteresis", "manual",
    "classifier",
]
#: The global (histogram) threshold methods, a subset of :data:`ThresholdMethod`.
GlobalMethod = Literal["otsu", "li", "triangle", "multiotsu"]
#: Denoising before thresholding (``[segment] denoise``).
DenoiseMethod = Literal["auto", "none", "median", "gaussian", "bilateral", "nlmeans"]
#: Grey level of the pores (``[segment] pores``).
PoreTone = Literal["dark", "bright"]
#: Confidence interval of the mean intercept (``[measure] ci_method``).
CIMethod = Literal["ratio", "bootstrap"]
#: How a measuring line reads a mask.
Sampling = Literal["nearest", "linear"]
#: A window given by name rather than a side in µm (``[measure] window_um``).
WindowChoice = Literal["auto", "full"]
#: Local-thickness algorithm.
ThicknessMethod = Literal["fast", "exact"]
#: Layers of a laminated film given by name rather than a number (``[cross_section] layers``).
LayersChoice = Literal["auto", "off"]
#: The view an image shows.
View = Literal["surface", "cross-section"]
#: The view as configured (``[cross_section] view``): a view, or ``'auto'`` to detect it.
ConfigView = Literal["auto", "surface", "cross-section"]

THRESHOLD_METHODS: tuple[str, ...] = get_args(ThresholdMethod)
GLOBAL_METHODS: tuple[str, ...] = get_args(GlobalMethod)
DENOISE_METHODS: tuple[str, ...] = get_args(DenoiseMethod)
PORE_TONES: tuple[str, ...] = get_args(PoreTone)
CI_METHODS: tuple[str, ...] = get_args(CIMethod)
SAMPLINGS: tuple[str, ...] = get_args(Sampling)
WINDOW_CHOICES: tuple[str, ...] = get_args(WindowChoice)
THICKNESS_METHODS: tuple[str, ...] = get_args(ThicknessMethod)
VIEWS: tuple[str, ...] = get_args(View)
CONFIG_VIEWS: tuple[str, ...] = get_args(ConfigView)
LAYERS_CHOICES: tuple[str, ...] = get_args(LayersChoice)
