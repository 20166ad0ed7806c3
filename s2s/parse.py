"""Function -> gast AST: the first step of every source transformation.

``parse(fun)`` accepts plain ``def`` functions (module level or nested), lambdas (several on one
line are told apart by their code object's column positions), ``functools.partial`` objects,
bound methods, callable objects and decorated functions (a ``functools.wraps`` wrapper through its
own source, which calls the wrapped function; other wrappers through ``__wrapped__``). The
result, a ``Parsed``, carries the node (a ``gast.FunctionDef`` or ``gast.Lambda``), the function's
module globals, the values of its free variables (read from its closure cells) and whatever
``partial`` / bound method arguments were applied on top.

The source is read through ``linecache`` (so generated files registered there parse too) and the
whole file is parsed once (cached); the function's node is found by its first line, its name and,
for lambdas, its columns. No source, or syntax a transform cannot handle, raises ``TransformError``
naming the file and line.
"""
import ast
import functools
import inspect
import linecache
import textwrap
import types

import gast

from s2s import codegen
from s2s.errors import TransformError


class Parsed:
    """A function's AST and everything needed to run code generated from it."""

    def __init__(self, fun, node, filename, lineno, globals_, freevars, bound_args=(),
                 bound_kwargs=None):
        self.fun = fun                    # the plain Python function the node is the source of
        self.node = node                  # gast.FunctionDef | gast.Lambda
        self.filename = filename
        self.lineno = lineno
        self.globals = globals_
        self.freevars = freevars          # {name: value} from the closure cells
        self.bound_args = tuple(bound_args)     # partial / bound-method positional arguments
        self.bound_kwargs = dict(bound_kwargs or {})

    @property
    def where(self):
        return f"{self.filename}:{self.lineno}"

    @property
    def name(self):
        return self.fun.__name__


def where(fun):
    """``file:line`` of a function, for messages."""
    code = getattr(fun, "__code__", None)
    return f"{code.co_filename}:{code.co_firstlineno}" if code else repr(fun)


def resolve(fun):
    """-> (plain function, bound positional args, bound keyword args) through partials, bound
    methods, callable objects and ``__wrapped__``."""
    args, kwargs = [], {}
    seen = 0
    while True:
        seen += 1
        if seen > 100:
            raise TransformError(f"cannot resolve {fun!r}: too many wrappers")
        if isinstance(fun, functools.partial):
            args = list(fun.args) + args
            kwargs = {**fun.keywords, **kwargs}
            fun = fun.func
        elif isinstance(fun, types.MethodType):
            args = [fun.__self__] + args
            fun = fun.__func__
        elif isinstance(fun, types.FunctionType):
            # a decorator's wrapper (functools.wraps) is transformed through its own source,
            # which calls the wrapped function: what it adds is differentiated too
            return fun, args, kwargs
        elif hasattr(fun, "__wrapped__"):  # e.g. a jitted function
            fun = fun.__wrapped__
        elif isinstance(fun, (types.BuiltinFunctionType, types.BuiltinMethodType)) or \
                not callable(fun):
            _no_source(fun)
        elif isinstance(getattr(type(fun), "__call__", None), types.FunctionType):
            args = [fun] + args
            fun = type(fun).__call__
        else:
            _no_source(fun)


def _no_source(fun):
    name = getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None) or repr(fun)
    raise TransformError(
        f"s2s cannot transform {name!r} ({type(fun).__name__}): it has no Python source (a "
        f"builtin or C function). Call it from a Python function, or use a primitive with its own "
        f"rule.")


_file_cache = {}


def _module_ast(filename, lines):
    text = "".join(lines)
    hit = _file_cache.get(filename)
    if hit is not None and hit[0] == text:
        return hit[1]
    try:
        tree = ast.parse(text, filename)
    except SyntaxError:
        tree = None
    _file_cache[filename] = (text, tree)
    return tree


def _same_code(node, code, filename):
    """Whether ``node`` compiles to the code ``code`` holds, as far as names and constants
    tell (a closure's names are globals when compiled alone; mangled ``__private`` names and
    ``__class__`` are left out), so an edited file is never transformed in place of the
    function that runs."""
    from s2s.syntax import clone
    node = clone(node)
    import __future__
    flags = code.co_flags & functools.reduce(
        lambda a, f: a | getattr(__future__, f).compiler_flag, __future__.all_feature_names, 0)
    try:
        if isinstance(node, ast.Lambda):
            outer = compile(ast.fix_missing_locations(ast.Expression(body=node)), filename,
                            "eval", flags=flags, dont_inherit=True)
        else:
            node.decorator_list = []
            outer = compile(ast.fix_missing_locations(ast.Module(body=[node], type_ignores=[])),
                            filename, "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, ValueError, TypeError):
        return True  # nothing to compare against: let the transform report what it finds
    alone = next((c for c in outer.co_consts if isinstance(c, types.CodeType)), None)
    return alone is None or _code_summary(alone) == _code_summary(code)


def _code_summary(code):
    names, consts = set(), []
    todo = [code]
    while todo:
        c = todo.pop()
        names |= {n for n in c.co_names + c.co_freevars + c.co_varnames if "__" not in n}
        for k in c.co_consts:
            if isinstance(k, types.CodeType):
                todo.append(k)
            else:
                consts.append(repr(k))
    return (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount,
            frozenset(names), tuple(sorted(consts)))


def _find_node(tree, code):
    """The FunctionDef/Lambda of ``code`` in module ``tree`` (or None)."""
    first = code.co_firstlineno
    if code.co_name == "<lambda>":
        cands = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == first]
        if len(cands) > 1:
            cands = _pick_lambda(cands, code) or cands
        return cands[0] if cands else None
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == code.co_name:
            start = min([n.lineno] + [d.lineno for d in n.decorator_list])
            if first in (start, n.lineno):
                return n
    return None


def _pick_lambda(cands, code):
    """Lambdas sharing a line: the one whose column span holds the code object's instructions."""
    positions = getattr(code, "co_positions", None)
    if positions is None:  # Python < 3.11: tell them apart by argument names
        names = code.co_varnames[:code.co_argcount]
        return [n for n in cands if tuple(a.arg for a in n.args.args) == names]
    cols = [(ln, c, ec) for ln, _, c, ec in positions()
            if ln is not None and c is not None and ec != c]  # (RESUME has a 0-width 0:0)
    if not cols:
        return None

    def inside(n):
        for ln, c, ec in cols:
            if ln == n.lineno and c < n.col_offset:
                return False
            if ln == n.end_lineno and ec is not None and ec > n.end_col_offset:
                return False
        return True
    # the innermost matching lambda (a lambda inside another's span would also contain it)
    hits = [n for n in cands if inside(n)]
    hits.sort(key=lambda n: (n.end_lineno - n.lineno, n.end_col_offset - n.col_offset))
    return hits[:1]


def _fallback_block(fun, code):
    """When the whole file does not parse: the function's own block via ``inspect``."""
    try:
        src = textwrap.dedent(inspect.getsource(fun))
        tree = ast.parse(src)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    node = _find_node_shifted(tree, code)
    return node


def _find_node_shifted(tree, code):
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == code.co_name:
            return n
        if isinstance(n, ast.Lambda) and code.co_name == "<lambda>":
            return n
    return None


def parse(fun):
    """``fun`` -> ``Parsed`` (see the module docstring)."""
    plain, args, kwargs = resolve(fun)
    code = plain.__code__
    filename, lineno = code.co_filename, code.co_firstlineno
    lines = codegen.generated_lines(filename)
    if lines is None:
        linecache.checkcache(filename)  # the file may have changed since it was last read
        lines = linecache.getlines(filename, plain.__globals__)
    if not lines:
        raise TransformError(
            f"{filename}:{lineno}: s2s cannot read the source of {plain.__qualname__!r} (defined "
            f"in an interactive session, by exec or in a compiled module). Define it in a .py file.")
    tree = _module_ast(filename, lines)
    node = _find_node(tree, code) if tree is not None else None
    if node is not None and codegen.generated_lines(filename) is None and not _same_code(
            node, code, filename):
        raise TransformError(
            f"{filename}:{lineno}: the source of {plain.__qualname__!r} in its file is not the "
            f"code that runs (the file was edited after the function was defined?). Run the "
            f"definition again or reload the module (importlib.reload).")
    if node is None:
        node = _fallback_block(plain, code)
    if node is None:
        raise TransformError(f"{filename}:{lineno}: s2s could not find the source of "
                             f"{plain.__qualname__!r} in its file (was the file edited?).")
    if isinstance(node, ast.AsyncFunctionDef):
        raise TransformError(f"{filename}:{node.lineno}: `async def {node.name}` is not supported "
                             f"by s2s transformations; write a plain `def`.")
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Yield, ast.YieldFrom)) and _owner(node, sub) is node:
            raise TransformError(f"{filename}:{sub.lineno}: generator functions (`yield`) cannot "
                                 f"be transformed; return the values instead.")
    freevars = {}
    for name, cell in zip(code.co_freevars, plain.__closure__ or ()):
        try:
            freevars[name] = cell.cell_contents
        except ValueError:
            raise TransformError(f"{filename}:{lineno}: free variable {name!r} of "
                                 f"{plain.__qualname__!r} is not bound yet.") from None
    gnode = gast.ast_to_gast(node)
    return Parsed(plain, gnode, filename, lineno, plain.__globals__, freevars, args, kwargs)


def _owner(root, target):
    """The innermost function node (within ``root``) that contains ``target``."""
    owner = root
    stack = [(root, root)]
    while stack:
        n, own = stack.pop()
        if n is target:
            return own
        for c in ast.iter_child_nodes(n):
            stack.append((c, c if isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                 ast.Lambda)) else own))
    return owner
