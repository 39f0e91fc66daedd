"""Tree ensembles stored without pickle: :mod:`~semscan._forest.ensemble` (the forest,
its prediction and model files) over :mod:`~semscan._forest.trees` (limits and the
checks every stored tree passes before it exists)."""

from semscan._forest.ensemble import (
    ARRAYS,
    FORMAT,
    MAX_CLASSES,
    MAX_DEPTH,
    MAX_FEATURES,
    MAX_NODES,
    MAX_TREES,
    TreeEnsemble,
    read_json,
    read_model,
    require_sklearn,
    write_json,
    write_model,
)

__all__ = [
    "ARRAYS",
    "FORMAT",
    "MAX_CLASSES",
    "MAX_DEPTH",
    "MAX_FEATURES",
    "MAX_NODES",
    "MAX_TREES",
    "TreeEnsemble",
    "read_json",
    "read_model",
    "require_sklearn",
    "write_json",
    "write_model",
]
