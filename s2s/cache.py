"""The cache of generated functions, and the rule that keeps it from going stale.

Generating source is slow (milliseconds), so every transformation caches what it generated.
A cached function is reused only when everything it baked in is still the same:

- the function itself: its code object, its globals dict, the values in its closure cells and
  its default values, by identity (``fingerprint``). A lambda re-created in a loop over the same
  values hits; the same code with other closure values or other globals does not;
- every global, builtin and attribute the generator *read* to decide what to write (which
  function ``jnp.sin`` is, which user helper ``h`` is, ``grad(f)`` evaluated while generating):
  the generator records each read (``note``) and the cache checks each is unchanged, so
  monkeypatching ``jnp.sin`` or redefining ``h`` regenerates;
- the same for every function generated (or reused) while generating this one, whose reads
  are merged into this one's.

Source text is read fresh (``linecache.checkcache``) whenever a function is parsed, so after
``importlib.reload`` the new code object is generated from the new text. Entries hold their
values alive, so identities cannot be reused while the entry exists; the cache is bounded
(``MAX_ENTRIES``, least recently used first out). Generation runs under one lock: Python's
``ast`` module is not safe to use from several threads at once.
"""
import builtins
import collections
import sys
import threading
import types

MAX_ENTRIES = 2048
_MISSING = object()
_entries = collections.OrderedDict()
_lock = threading.RLock()
_recording = threading.local()


class _Entry:
    __slots__ = ("fn", "dict_reads", "attr_reads", "pins", "_gets")

    def __init__(self, fn, dict_reads, attr_reads, pins):
        self.fn, self.dict_reads, self.attr_reads, self.pins = fn, dict_reads, attr_reads, pins
        self._gets = tuple((d.get, k, v) for d, k, v in dict_reads)  # bound once: fast checks

    def valid(self):
        for get, k, v in self._gets:
            if get(k, _MISSING) is not v:
                return False
        for o, a, v in self.attr_reads:
            if getattr(o, a, _MISSING) is not v:
                return False
        return True


def fingerprint(fun, pins):
    """A hashable identity of ``fun`` and the values it carries (ids of objects that ``pins``
    keeps alive, so the ids stay unique while the cache entry exists)."""
    if isinstance(fun, types.FunctionType):
        cells = fun.__closure__
        values = [fun.__code__, id(fun.__globals__)]
        pins.append(fun.__globals__)
        if cells:
            for c in cells:
                try:
                    v = c.cell_contents
                except ValueError:  # not bound yet
                    v = _MISSING
                values.append(id(v))
                pins.append(v)
        for d in (fun.__defaults__, fun.__kwdefaults__):
            if d:
                for v in (d.values() if isinstance(d, dict) else d):
                    values.append(id(v))
                    pins.append(v)
        wrapped = fun.__dict__.get("__wrapped__") if fun.__dict__ else None
        if wrapped is not None:
            values.append(fingerprint(wrapped, pins))
        return tuple(values)
    if isinstance(fun, types.MethodType):
        pins.append(fun.__self__)
        return ("method", fingerprint(fun.__func__, pins), id(fun.__self__))
    key = getattr(fun, "s2s_fingerprint", None)
    if key is not None:  # a transformation object: grad(f), vmap(f), jit(f)
        return key(pins)
    pins.append(fun)
    return ("object", id(fun))


def note(container, key, value):
    """Record that generation read ``container[key]`` (a dict) or ``container.key`` (an
    object) and found ``value``."""
    stack = getattr(_recording, "stack", None)
    if stack:
        if isinstance(container, types.ModuleType):
            container = container.__dict__
        stack[-1][0 if isinstance(container, dict) else 1].append((container, key, value))


def note_global(globals_, name):
    """Look ``name`` up as Python does in a function with these globals (recording the read);
    ``_MISSING`` when unbound."""
    value = globals_.get(name, _MISSING)
    note(globals_, name, value)
    if value is _MISSING:
        value = builtins.__dict__.get(name, _MISSING)
        note(builtins.__dict__, name, value)
    return value


MISSING = _MISSING


def generated(kind, fun, make):
    """The cached result of ``make()`` for transformation ``kind`` (a hashable description:
    which transform, argnums, call shape) of ``fun``; regenerated when anything it baked in
    changed (see the module docstring)."""
    pins = []
    key = (kind, fingerprint(fun, pins))
    entry = _entries.get(key)
    if entry is not None and entry.valid():
        _merge(entry)
        return entry.fn
    with _lock:
        entry = _entries.get(key)
        if entry is None or not entry.valid():
            stack = _recording.__dict__.setdefault("stack", [])
            stack.append(([], []))
            limit = sys.getrecursionlimit()
            try:  # the passes recurse on expressions: a 400-term sum is 400 levels deep
                sys.setrecursionlimit(max(limit, 20000))
                fn = make()
            finally:
                sys.setrecursionlimit(limit)
                dict_reads, attr_reads = stack.pop()
            entry = _Entry(fn, tuple(_unique(dict_reads)), tuple(_unique(attr_reads)), pins)
            _entries[key] = entry
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
        else:
            _entries.move_to_end(key)
        _merge(entry)
        return entry.fn


def _merge(entry):
    """An entry used while generating another: its reads become the other's reads."""
    stack = getattr(_recording, "stack", None)
    if stack:
        stack[-1][0].extend(entry.dict_reads)
        stack[-1][1].extend(entry.attr_reads)


def _unique(reads):
    seen, out = set(), []
    for c, k, v in reads:
        key = (id(c), k)
        if key not in seen:
            seen.add(key)
            out.append((c, k, v))
    return out


def clear():
    _entries.clear()
