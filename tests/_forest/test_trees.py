"""The tree checks of semscan._forest.trees, called directly on concatenated node arrays.

The crafted-file corpora that reach these checks through the model readers are in
tests/_forest/test_ensemble.py; here each invariant of ``_Tree`` is broken once, by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from semscan._forest.trees import _trees_of
from semscan.errors import ModelError


def _stump_pair():
    # two trees of 3 nodes each (a root and two leaves), concatenated
    left = np.array([1, -1, -1, 1, -1, -1])
    right = np.array([2, -1, -1, 2, -1, -1])
    feature = np.array([0, 0, 0, 1, 0, 0])
    threshold = np.array([0.5, 0.0, 0.0, -1.0, 0.0, 0.0])
    value = np.array([[0.5, 0.5], [1, 0], [0, 1], [0.5, 0.5], [0, 1], [1, 0]], float)
    return left, right, feature, threshold, value, np.array([3, 3])


def test_valid_trees_keep_their_nodes_and_depths():
    trees = _trees_of(*_stump_pair(), n_features=2, where="")
    assert len(trees) == 2
    assert [t.depth for t in trees] == [1, 1]
    assert trees[1].feature.tolist() == [1, 0, 0] and trees[1].left.dtype == np.int32
    assert trees[0].value[2].tolist() == [0.0, 1.0]


@pytest.mark.parametrize(("field", "index", "bad", "message"), [
    ("left", 3, 0, "tree 1, node 0"),  # a child before its parent (a cycle)
    ("right", 0, 7, "tree 0, node 0"),  # a child outside its tree
    ("feature", 3, 2, "tree 1, node 0"),  # a feature out of range
    ("threshold", 0, np.nan, "tree 0, node 0"),  # a threshold not finite
])
def test_each_broken_invariant_names_its_tree_and_node(field, index, bad, message):
    left, right, feature, threshold, value, sizes = _stump_pair()
    arrays = {"left": left, "right": right, "feature": feature, "threshold": threshold}
    arrays[field] = arrays[field].astype(float if field == "threshold" else int)
    arrays[field][index] = bad
    with pytest.raises(ModelError, match=message):
        _trees_of(arrays["left"], arrays["right"], arrays["feature"], arrays["threshold"],
                  value, sizes, n_features=2, where="")


def test_leaf_probabilities_must_sum_to_one():
    left, right, feature, threshold, value, sizes = _stump_pair()
    value[4] = [0.7, 0.7]
    with pytest.raises(ModelError, match="tree 1, node 1"):
        _trees_of(left, right, feature, threshold, value, sizes, n_features=2, where="")

