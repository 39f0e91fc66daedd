"""The structure classes (METHODS.md 8), in one place.

:data:`CLASSES` is the order the classifier is trained, scored and reported in; the
result columns ``p_<class>`` (:data:`PROBABILITY_FIELDS`) are derived from it.

Examples
--------
>>> CLASSES[0], PROBABILITY_FIELDS["spherical-particle"]
('percolation', 'p_spherical_particle')
"""

from __future__ import annotations

from typing import Literal, get_args

from semscan.errors import ConfigError

__all__ = [
    "CLASSES",
    "CLASS_DESCRIPTIONS",
    "PROBABILITY_FIELDS",
    "StructureClassName",
    "class_index",
    "probability_field",
]

StructureClassName = Literal[
    "percolation", "spherical-particle", "cellular", "non-porous", "coarse"
]
CLASSES: tuple[str, ...] = get_args(StructureClassName)

CLASS_DESCRIPTIONS: dict[str, str] = {
    "percolation": "bicontinuous (spinodal-like) pores and solid with a narrow pore-size "
                   "spread",
    "spherical-particle": "a packing of (sintered) round particles; the pores are the gaps",
    "cellular": "closed or nearly closed cells in a continuous solid (foams, holes in a "
                "sheet, macrovoids in a dense or sponge matrix)",
    "non-porous": "a solid surface with at most a few tiny pits",
    "coarse": "percolation-like with a wide pore-size spread (two scales)",
}


def probability_field(structure_class: str) -> str:
    """Result column of a class's probability: ``'p_'`` + the name with ``-`` as ``_``.

    Examples
    --------
    >>> probability_field("non-porous")
    'p_non_porous'
    """
    return "p_" + structure_class.replace("-", "_")


PROBABILITY_FIELDS: dict[str, str] = {c: probability_field(c) for c in CLASSES}


def class_index(structure_class: str) -> int:
    """Position of a class in :data:`CLASSES`.

    Raises
    ------
    ConfigError
        If the name is not one of :data:`CLASSES`.

    Examples
    --------
    >>> class_index("cellular")
    2
    """
    if structure_class not in CLASSES:
        raise ConfigError(
            f"unknown structure class {structure_class!r}; valid classes: {', '.join(CLASSES)}"
        )
    return CLASSES.index(structure_class)
