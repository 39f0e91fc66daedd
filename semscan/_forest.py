"""Tree ensembles stored as plain JSON: no pickle, no code execution on load.

Both trainable models in semscan (the pixel classifier of :mod:`semscan.segment` and the
structure classifier of :mod:`semscan.classify`) are random forests. scikit-learn trains
them; this module turns a fitted ``RandomForestClassifier`` or ``ExtraTreesClassifier``
into arrays (children, split feature, threshold, leaf class probabilities) and predicts
from those arrays with numpy alone. Loading a model therefore never unpickles anything and
does not depend on the scikit-learn version that trained it.

Files are JSON (``.json``) or gzip-compressed JSON (``.json.gz``) with a ``"format"`` key.

Examples
--------
>>> import numpy as np
>>> from sklearn.ensemble import RandomForestClassifier
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
>>> rf = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
>>> forest = TreeEnsemble.from_sklearn(rf)
>>> bool(np.allclose(forest.predict_proba(X), rf.predict_proba(X)))
True
>>> TreeEnsemble.from_dict(forest.to_dict()).predict(np.array([[2.5]])).tolist()
[1]
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from semscan.errors import ModelError

__all__ = ["FORMAT", "TreeEnsemble", "read_json", "write_json"]

FORMAT = "semscan-tree-ensemble/1"


@dataclass(frozen=True, eq=False)
class _Tree:
    left: np.ndarray  # int32, -1 at leaves
    right: np.ndarray
    feature: np.ndarray  # int32
    threshold: np.ndarray  # float64
    value: np.ndarray  # float64 (n_nodes, n_classes), rows sum to 1


@dataclass(frozen=True, eq=False)
class TreeEnsemble:
    """A fitted forest of classification trees, as arrays.

    Attributes
    ----------
    classes : ndarray
        Class labels, in the column order of :meth:`predict_proba`.
    n_features : int
        Number of input features.
    trees : tuple
        The trees (private structure).
    """

    classes: np.ndarray
    n_features: int
    trees: tuple[_Tree, ...]

    @classmethod
    def from_sklearn(cls, model: Any) -> TreeEnsemble:
        """Convert a fitted scikit-learn ``RandomForestClassifier``/``ExtraTreesClassifier``."""
        if not hasattr(model, "estimators_"):
            raise ModelError(f"expected a fitted sklearn forest classifier, got {type(model)}")
        trees = []
        for est in model.estimators_:
            t = est.tree_
            value = np.asarray(t.value[:, 0, :], dtype=np.float64)
            total = value.sum(axis=1, keepdims=True)
            value = np.divide(value, total, out=np.zeros_like(value), where=total > 0)
            trees.append(
                _Tree(
                    left=t.children_left.astype(np.int32),
                    right=t.children_right.astype(np.int32),
                    feature=np.maximum(t.feature, 0).astype(np.int32),
                    threshold=t.threshold.astype(np.float64),
                    value=value,
                )
            )
        return cls(np.asarray(model.classes_), int(model.n_features_in_), tuple(trees))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Mean leaf class probabilities, shape (n_samples, n_classes).

        Every sample goes down every tree (``X[feature] <= threshold`` goes left; NaN goes
        right). For float32 input of 1024 rows or more the traversal runs in compiled code:
        each stored tree is rebuilt (from the validated arrays, never unpickled) as a
        scikit-learn tree whose ``apply`` gives the leaf; the comparisons are the same as
        the numpy path's, so are the results. Without scikit-learn it falls back to numpy.
        """
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ModelError(
                f"the model expects {self.n_features} features per sample, got shape {X.shape}"
            )
        if X.dtype == np.float32 and X.shape[0] >= 1024:
            compiled = self._compiled_trees()
            if compiled is not None:
                Xc = np.ascontiguousarray(X)
                out = np.zeros((X.shape[0], len(self.classes)), np.float64)
                for fast, tree in zip(compiled, self.trees, strict=True):
                    out += tree.value[fast.apply(Xc)]
                return out / max(len(self.trees), 1)
        return self._predict_proba_numpy(np.asarray(X, dtype=np.float64))

    def _predict_proba_numpy(self, X: np.ndarray) -> np.ndarray:
        out = np.zeros((X.shape[0], len(self.classes)), np.float64)
        rows = np.arange(X.shape[0])
        for tree in self.trees:
            node = np.zeros(X.shape[0], np.int32)
            active = tree.left[node] >= 0
            while active.any():
                idx = rows[active]
                cur = node[idx]
                go_left = X[idx, tree.feature[cur]] <= tree.threshold[cur]
                node[idx] = np.where(go_left, tree.left[cur], tree.right[cur])
                active[idx] = tree.left[node[idx]] >= 0
            out += tree.value[node]
        return out / max(len(self.trees), 1)

    def _compiled_trees(self) -> tuple[Any, ...] | None:
        """scikit-learn ``Tree`` objects rebuilt from the arrays (cached), or None."""
        cached = self.__dict__.get("_compiled", False)
        if cached is not False:
            return cached
        try:
            compiled: tuple[Any, ...] | None = tuple(
                _to_sklearn_tree(t, self.n_features, len(self.classes)) for t in self.trees
            )
        except (ImportError, AttributeError, TypeError, ValueError, KeyError):
            compiled = None
        object.__setattr__(self, "_compiled", compiled)
        return compiled

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Most probable class label per sample."""
        return self.classes[np.argmax(self.predict_proba(X), axis=1)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (lists of numbers only)."""
        return {
            "format": FORMAT,
            "classes": self.classes.tolist(),
            "n_features": self.n_features,
            "trees": [
                {
                    "left": t.left.tolist(),
                    "right": t.right.tolist(),
                    "feature": t.feature.tolist(),
                    "threshold": [round(float(v), 9) for v in t.threshold],
                    "value": np.round(t.value, 6).tolist(),
                }
                for t in self.trees
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TreeEnsemble:
        """Rebuild from :meth:`to_dict` output, validating every array."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelError(f"not a semscan tree-ensemble model (expected format {FORMAT!r})")
        try:
            classes = np.asarray(data["classes"])
            n_features = int(data["n_features"])
            trees = []
            for t in data["trees"]:
                tree = _Tree(
                    left=np.asarray(t["left"], np.int32),
                    right=np.asarray(t["right"], np.int32),
                    feature=np.asarray(t["feature"], np.int32),
                    threshold=np.asarray(t["threshold"], np.float64),
                    value=np.asarray(t["value"], np.float64).reshape(len(t["left"]), -1),
                )
                n = len(tree.left)
                if not (
                    len(tree.right) == len(tree.feature) == len(tree.threshold) == n
                    and tree.value.shape == (n, len(classes))
                    and tree.left.max(initial=-1) < n
                    and tree.right.max(initial=-1) < n
                    and (tree.feature < n_features).all()
                    and (tree.feature >= 0).all()
                ):
                    raise ValueError("inconsistent tree arrays")
                trees.append(tree)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"corrupt tree-ensemble model: {exc}") from exc
        return cls(classes, n_features, tuple(trees))


def _depths(tree: _Tree) -> int:
    depth = np.zeros(len(tree.left), np.int64)
    stack = [0]
    while stack:
        node = stack.pop()
        if tree.left[node] >= 0:
            for child in (tree.left[node], tree.right[node]):
                depth[child] = depth[node] + 1
                stack.append(int(child))
    return int(depth.max(initial=0))


def _to_sklearn_tree(tree: _Tree, n_features: int, n_classes: int) -> Any:
    """A scikit-learn ``Tree`` with the same nodes, used only for its compiled ``apply``."""
    from sklearn.tree._tree import NODE_DTYPE, Tree

    n = len(tree.left)
    leaf = tree.left < 0
    nodes = np.zeros(n, dtype=NODE_DTYPE)
    nodes["left_child"] = tree.left
    nodes["right_child"] = tree.right
    nodes["feature"] = np.where(leaf, -2, tree.feature)
    nodes["threshold"] = np.where(leaf, -2.0, tree.threshold)
    nodes["n_node_samples"] = 1
    nodes["weighted_n_node_samples"] = 1.0
    if "missing_go_to_left" in nodes.dtype.names:
        nodes["missing_go_to_left"] = 0  # NaN goes right, as in the numpy path
    values = np.ascontiguousarray(tree.value.reshape(n, 1, n_classes), dtype=np.float64)
    out = Tree(n_features, np.array([n_classes], dtype=np.intp), 1)
    out.__setstate__(
        {"max_depth": _depths(tree), "node_count": n, "nodes": nodes, "values": values}
    )
    return out


def write_json(path: str | Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as JSON (gzip-compressed when the name ends in ``.gz``).

    The output is byte-for-byte reproducible: the gzip header holds no time stamp.

    Examples
    --------
    >>> import hashlib, tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> write_json(d / "a.json.gz", {"x": 1}); write_json(d / "b.json.gz", {"x": 1})
    >>> (d / "a.json.gz").read_bytes() == (d / "b.json.gz").read_bytes()
    True
    """
    path = Path(path)
    text = json.dumps(payload, separators=(",", ":"))
    if path.suffix == ".gz":
        # No time stamp and no file name in the gzip header: the same model gives the same
        # bytes (and sha256) every time it is written.
        with open(path, "wb") as raw, gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0
        ) as fh:
            fh.write(text.encode("utf-8"))
    else:
        path.write_text(text, encoding="utf-8")


def read_json(path: str | Path) -> dict[str, Any]:
    """Read a JSON or ``.json.gz`` model file.

    Raises
    ------
    ModelError
        If the file is missing or not valid JSON.
    """
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return json.load(fh)
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"model file {path} does not exist") from exc
    except (OSError, ValueError) as exc:
        raise ModelError(f"model file {path} is not valid JSON: {exc}") from exc
