"""s2s.tree (jax.tree's names) and key paths against jax."""
import collections
import dataclasses

import numpy as np
import pytest

import s2s

jax = pytest.importorskip("jax")
P = collections.namedtuple("P", "x y")


@dataclasses.dataclass
class Box:
    w: object
    b: object


s2s.tree_util.register_dataclass(Box, data_fields=["w", "b"], meta_fields=[])
jax.tree_util.register_dataclass(Box, data_fields=["w", "b"], meta_fields=[])
TREES = [{"a": [1, (2, 3)], "b": P(4, 5), "c": None}, [1, {"z": 2, "y": (3,)}], 7, (),
         collections.OrderedDict([("q", 1), ("p", [2])]), Box(1, [2, 3])]


@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_paths_and_names_match_jax(tree):
    ours = s2s.tree.leaves_with_path(tree)
    ref = jax.tree.leaves_with_path(tree)
    assert [s2s.tree_util.keystr(p) for p, _ in ours] == [jax.tree_util.keystr(p)
                                                          for p, _ in ref]
    assert [x for _, x in ours] == [x for _, x in ref]
    assert repr([p for p, _ in ours]) == repr([p for p, _ in ref])
    assert s2s.tree.leaves(tree) == jax.tree.leaves(tree)
    assert s2s.tree.map(lambda v: v * 2, tree) == jax.tree.map(lambda v: v * 2, tree)
    both = s2s.tree.map_with_path(lambda p, v: (s2s.tree_util.keystr(p), v), tree)
    assert both == jax.tree.map_with_path(lambda p, v: (jax.tree_util.keystr(p), v), tree)
    flat, treedef = s2s.tree.flatten(tree)
    assert s2s.tree.unflatten(treedef, flat) == tree
    assert s2s.tree.reduce(lambda a, b: a + b, tree, 0) == jax.tree.reduce(
        lambda a, b: a + b, tree, 0)


def test_transpose_broadcast_all():
    tree = [{"a": 1, "b": 2}, {"a": 3, "b": 4}]
    outer = s2s.tree.structure([0, 0])
    inner = s2s.tree.structure({"a": 0, "b": 0})
    assert s2s.tree.transpose(outer, inner, tree) == jax.tree.transpose(
        jax.tree.structure([0, 0]), jax.tree.structure({"a": 0, "b": 0}), tree)
    assert s2s.tree.transpose(outer, None, tree) == {"a": [1, 3], "b": [2, 4]}
    assert s2s.tree.broadcast([1, {"a": 2}], [(3, 4), {"a": (5, 6)}]) == jax.tree.broadcast(
        [1, {"a": 2}], [(3, 4), {"a": (5, 6)}])
    assert s2s.tree.all([True, (1, 2)]) and not s2s.tree.all([True, (0, 2)])
    leaves = s2s.tree.leaves({"w": np.ones(2)})
    assert len(leaves) == 1
