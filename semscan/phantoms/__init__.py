"""Synthetic micrographs with exact answers, for tests, the bundled samples and training.

- :mod:`~semscan.phantoms.geometry`: stripes and the Boolean models of discs and ellipses,
  with their closed-form stereology;
- :mod:`~semscan.phantoms.films`: film cross-sections of known thickness, tilt, laminar
  coefficient and surface layer, point-sampled or imaged;
- :mod:`~semscan.phantoms.structures`: the five structure classes' random masks that the
  structure classifier is trained on (:mod:`semscan.classify.training_data`);
- :mod:`~semscan.phantoms.render`: pore masks rendered as SEM-like images;
- :mod:`~semscan.phantoms.photo`: a photograph-like image that is no micrograph.

Nothing here is a public API: the modules are imported by path.
"""
