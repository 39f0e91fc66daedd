"""semscan/classify/model.py: one import for loading, predicting and training."""

from __future__ import annotations

import semscan.classify.model as facade
from semscan.classify import model_file, predict, training


def test_every_public_name_is_the_object_of_its_module():
    for name in facade.__all__:
        homes = [m for m in (model_file, predict, training) if name in m.__all__]
        assert len(homes) == 1, name
        assert getattr(facade, name) is getattr(homes[0], name), name
    inner = set(model_file.__all__) | set(predict.__all__) | set(training.__all__)
    assert set(facade.__all__) == inner - {"default_model", "checked_threshold"}


def test_the_cli_imports_keep_working():
    from semscan.classify.model import (  # noqa: F401
        evaluate_structure_model,
        load_model,
        train_structure_model,
    )
