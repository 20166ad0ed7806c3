"""Pytrees: nested tuples, lists, dicts, None, namedtuples and registered containers."""
import collections
import dataclasses
import functools

_registry = {}
_dataclasses = {}  # a dataclass registered with register_dataclass -> its data fields
_key_funcs = {}  # a registered type -> x -> the keys of its children (for key paths)


def register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys_func=None):
    """``flatten_func(x) -> (children, aux)``, ``unflatten_func(aux, children) -> x``."""
    if nodetype in _registry:
        raise ValueError(f"Duplicate custom PyTreeDef type registration for {nodetype}.")
    _registry[nodetype] = (flatten_func, unflatten_func)
    if flatten_with_keys_func is not None:
        _key_funcs[nodetype] = lambda x: [k for k, _ in flatten_with_keys_func(x)[0]]
    return nodetype


def register_pytree_node_class(cls):
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_dataclass(nodetype, data_fields=None, meta_fields=None, drop_fields=()):
    if data_fields is None:
        meta_fields = [f.name for f in dataclasses.fields(nodetype)
                       if f.metadata.get("static", False)]
        data_fields = [f.name for f in dataclasses.fields(nodetype)
                       if not f.metadata.get("static", False) and f.name not in drop_fields]
    data_fields, meta_fields = tuple(data_fields), tuple(meta_fields or ())

    def flatten(x):
        return [getattr(x, n) for n in data_fields], tuple(getattr(x, n) for n in meta_fields)

    def unflatten(meta, children):
        return nodetype(**dict(zip(data_fields, children)), **dict(zip(meta_fields, meta)))
    register_pytree_node(nodetype, flatten, unflatten)
    _key_funcs[nodetype] = lambda x: [GetAttrKey(n) for n in data_fields]
    if not meta_fields:
        _dataclasses[nodetype] = data_fields
    return nodetype


def dataclass_fields(nodetype):
    """The fields of a dataclass registered with ``register_dataclass`` and no static fields
    (built by ``nodetype(**fields)``, as the transforms build its derivatives), else None."""
    return _dataclasses.get(nodetype) if isinstance(nodetype, type) else None


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _node(x):
    """(kind, aux, children) for a container, or None for a leaf."""
    t = type(x)
    if t in _registry:
        children, aux = _registry[t][0](x)
        return t, aux, list(children)
    if t is tuple or t is list:
        return t, None, list(x)
    if t is dict:
        keys = sorted(x)
        return dict, tuple(keys), [x[k] for k in keys]
    if x is None:
        return None, None, []
    if _is_namedtuple(x):
        return t, None, list(x)
    if isinstance(x, collections.OrderedDict):
        return collections.OrderedDict, tuple(x), list(x.values())
    if isinstance(x, collections.defaultdict):
        keys = sorted(x)
        return collections.defaultdict, (x.default_factory, tuple(keys)), [x[k] for k in keys]
    return "leaf"


class PyTreeDef:
    __slots__ = ("kind", "aux", "children", "num_leaves")

    def __init__(self, kind, aux, children):
        self.kind, self.aux, self.children = kind, aux, tuple(children)
        self.num_leaves = 1 if kind == "leaf" else sum(c.num_leaves for c in children)

    @property
    def num_nodes(self):
        return 1 + sum(c.num_nodes for c in self.children)

    def unflatten(self, leaves):
        return tree_unflatten(self, leaves)

    def __eq__(self, other):
        return (isinstance(other, PyTreeDef) and self.kind == other.kind
                and _aux_eq(self.aux, other.aux) and self.children == other.children)

    def __hash__(self):
        try:
            return hash((self.kind, self.aux, self.children))
        except TypeError:
            return hash((self.kind, self.children))

    def _str(self):
        k = self.kind
        if k == "leaf":
            return "*"
        if k is None:
            return "None"
        inner = ", ".join(c._str() for c in self.children)
        if k is tuple:
            return f"({inner}{',' if len(self.children) == 1 else ''})"
        if k is list:
            return f"[{inner}]"
        if k is dict:
            return "{" + ", ".join(f"{key!r}: {c._str()}" for key, c in
                                   zip(self.aux, self.children)) + "}"
        return f"CustomNode({getattr(k, '__name__', k)}[{self.aux!r}], [{inner}])"

    def __repr__(self):
        return f"PyTreeDef({self._str()})"


def _aux_eq(a, b):
    try:
        return bool(a == b)
    except Exception:
        return a is b


def tree_flatten(tree, is_leaf=None):
    leaves = []

    def rec(x):
        if is_leaf is not None and is_leaf(x):
            leaves.append(x)
            return PyTreeDef("leaf", None, ())
        n = _node(x)
        if n == "leaf":
            leaves.append(x)
            return PyTreeDef("leaf", None, ())
        kind, aux, children = n
        return PyTreeDef(kind, aux, [rec(c) for c in children])
    return leaves, rec(tree)


def tree_unflatten(treedef, leaves):
    it = iter(leaves)

    def rec(td):
        if td.kind == "leaf":
            return next(it)
        children = [rec(c) for c in td.children]
        k = td.kind
        if k is None:
            return None
        if k is tuple:
            return tuple(children)
        if k is list:
            return children
        if k is dict:
            return dict(zip(td.aux, children))
        if k is collections.OrderedDict:
            return collections.OrderedDict(zip(td.aux, children))
        if k is collections.defaultdict:
            return collections.defaultdict(td.aux[0], zip(td.aux[1], children))
        if k in _registry:
            return _registry[k][1](td.aux, children)
        return k(*children)  # namedtuple
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"Too {'few' if len(leaves) < treedef.num_leaves else 'many'} leaves "
                         f"for PyTreeDef; expected {treedef.num_leaves}, got {len(leaves)}.")
    return rec(treedef)


def tree_leaves(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f, tree, *rest, is_leaf=None):
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = [flatten_up_to(treedef, r) for r in rest]
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


def flatten_up_to(treedef, tree):
    """The subtrees of ``tree`` at the leaf positions of ``treedef`` (for ``in_axes`` prefixes)."""
    out = []

    def rec(td, x):
        if td.kind == "leaf":
            out.append(x)
            return
        n = _node(x)
        if n == "leaf" or n[0] != td.kind or len(n[2]) != len(td.children):
            raise ValueError(f"Tree structure mismatch: expected {td!r}, got "
                             f"{tree_structure(x)!r}.")
        for c, sub in zip(td.children, n[2]):
            rec(c, sub)
    rec(treedef, tree)
    return out


# ---- key paths: where each leaf sits ----------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SequenceKey:
    idx: int

    def __str__(self):
        return f"[{self.idx!r}]"


@dataclasses.dataclass(frozen=True)
class DictKey:
    key: object

    def __str__(self):
        return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    name: str

    def __str__(self):
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class FlattenedIndexKey:
    key: int

    def __str__(self):
        return f"[<flat index {self.key}>]"


def keystr(keys):
    """``['a'][0].x`` for the path ``(DictKey('a'), SequenceKey(0), GetAttrKey('x'))``."""
    return "".join(str(k) for k in keys)


def _child_keys(x, kind, aux, count):
    if kind in _key_funcs:
        return _key_funcs[kind](x)
    if kind is tuple or kind is list:
        return [SequenceKey(i) for i in range(count)]
    if kind is dict or kind is collections.OrderedDict:
        return [DictKey(k) for k in aux]
    if kind is collections.defaultdict:
        return [DictKey(k) for k in aux[1]]
    if isinstance(kind, type) and hasattr(kind, "_fields"):
        return [GetAttrKey(f) for f in kind._fields]
    return [FlattenedIndexKey(i) for i in range(count)]


def tree_flatten_with_path(tree, is_leaf=None):
    """``([(path, leaf), ...], treedef)``: each leaf with the keys leading to it."""
    out = []

    def rec(x, path):
        n = "leaf" if is_leaf is not None and is_leaf(x) else _node(x)
        if n == "leaf":
            out.append((path, x))
            return PyTreeDef("leaf", None, ())
        kind, aux, children = n
        keys = _child_keys(x, kind, aux, len(children))
        return PyTreeDef(kind, aux, [rec(c, path + (k,)) for c, k in zip(children, keys)])
    return out, rec(tree, ())


def tree_leaves_with_path(tree, is_leaf=None):
    return tree_flatten_with_path(tree, is_leaf)[0]


def tree_map_with_path(f, tree, *rest, is_leaf=None):
    """``f(path, leaf, *other leaves)`` for each leaf of ``tree``."""
    pairs, treedef = tree_flatten_with_path(tree, is_leaf)
    others = [flatten_up_to(treedef, r) for r in rest]
    return tree_unflatten(treedef, [f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)])


def tree_transpose(outer_treedef, inner_treedef, pytree_to_transpose):
    """An outer tree of inner trees -> an inner tree of outer trees."""
    inners = flatten_up_to(outer_treedef, pytree_to_transpose)
    if inner_treedef is None:
        inner_treedef = tree_structure(inners[0]) if inners else tree_structure(None)
    columns = [flatten_up_to(inner_treedef, t) for t in inners]
    return tree_unflatten(inner_treedef, [
        tree_unflatten(outer_treedef, [col[j] for col in columns])
        for j in range(inner_treedef.num_leaves)])


def tree_broadcast(prefix_tree, full_tree, is_leaf=None):
    """``prefix_tree`` with each leaf repeated over the subtree of ``full_tree`` below it."""
    prefix_def = tree_structure(prefix_tree, is_leaf)
    subtrees = flatten_up_to(prefix_def, full_tree)
    return tree_unflatten(prefix_def, [
        tree_map(lambda _: leaf, sub, is_leaf=is_leaf)
        for leaf, sub in zip(tree_leaves(prefix_tree, is_leaf), subtrees)])


def tree_reduce(function, tree, initializer=None, is_leaf=None):
    leaves = tree_leaves(tree, is_leaf)
    return functools.reduce(function, leaves) if initializer is None else functools.reduce(
        function, leaves, initializer)


def tree_all(tree):
    return all(tree_leaves(tree))


def treedef_is_leaf(treedef):
    return treedef.kind == "leaf"


def all_leaves(iterable):
    return all(tree_structure(x).kind == "leaf" for x in iterable)


# ---- leaves that the transforms see through ----------------------------------------------------
# Some leaves (typed PRNG keys) are leaves to users, as in JAX, but hold an array the staging and
# batching machinery must see. ``for_staging`` swaps each for a private node over its data whose
# unflattening rebuilds the leaf, so flatten -> trace -> unflatten round-trips them.

_STAGED = {}


def register_staged_leaf(cls, parts, rebuild):
    """``parts(leaf) -> list of arrays``; ``rebuild(list of arrays) -> leaf``."""
    node = type(f"_Staged{cls.__name__}", (), {"__slots__": ("parts",)})

    def init(self, parts_):
        self.parts = parts_
    node.__init__ = init
    register_pytree_node(node, lambda n: (list(n.parts), None),
                         lambda _, children: rebuild(list(children)))
    _STAGED[cls] = (node, parts)


def for_staging(tree):
    if not _STAGED:
        return tree

    def swap(x):
        hit = _STAGED.get(type(x))
        return hit[0](hit[1](x)) if hit else x
    return tree_map(swap, tree, is_leaf=lambda x: type(x) in _STAGED)
