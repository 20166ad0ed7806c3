"""gast AST -> Python source -> a file in the cache folder -> a live function.

Every generated function is a real file: ``<cache>/<name>_<hash>.py`` where the hash is of the
file's text, so generating the same function again reuses the file. The folder is per user
(``$S2S_CACHE_DIR``, else ``$XDG_CACHE_HOME/s2s`` or ``~/.cache/s2s``, plus ``generated``) and is
created with mode 0700. Files are registered with ``linecache`` so tracebacks, ``inspect`` and
later transformations (which parse generated code like any other) read them.

The generated function is defined inside a factory whose parameters are the function's free
names (closure values, constants that are not literals): the file is executed with the original
module's globals, so global names resolve live, exactly as in the original function.
"""
import ast
import copy
import hashlib
import linecache
import os
import re
import tempfile

import gast

from s2s.lowering.private_dir import forget, private_dir

FACTORY = "__s2s_factory"


def cache_dir():
    return private_dir("generated")


def to_source(node):
    """gast (or ast) node -> source text."""
    if isinstance(node, gast.AST):
        node = gast.gast_to_ast(node)
    count = [0]  # of names given to split-off subexpressions
    for field, block in _blocks(node):
        _fill_empty_block(field, block)
        _split_deep_expressions(block, count)
        for stmt in block:  # (unparse reads a statement's line to look for type comments)
            stmt.__dict__.setdefault("lineno", 0)
    node.__dict__.setdefault("lineno", 0)
    return _COMMENT_LINE.sub(r"\1# \2", ast.unparse(node))


def first_line(stmt):
    """The first line of statement ``stmt`` as source (`` ...`` if it has more): what a
    generated comment quotes. Only a compound statement's header is written out."""
    more = isinstance(getattr(stmt, "body", None), list)
    if more:
        stmt = copy.copy(stmt)
        stmt.body = [gast.Pass() if isinstance(stmt, gast.AST) else ast.Pass()]
        for field in ("orelse", "finalbody", "handlers"):
            if getattr(stmt, field, None):
                setattr(stmt, field, [])
    if isinstance(stmt, gast.AST):
        stmt = gast.gast_to_ast(stmt)
    stmt.__dict__.setdefault("lineno", 0)  # (unparse looks up type comments by line)
    text = ast.unparse(stmt).splitlines()
    return text[0] + (" ..." if more or len(text) > 1 else "")


_BLOCKS = ("body", "orelse", "finalbody")


def _blocks(tree):
    """Every statement list in ``tree`` (only statements hold statements: expressions are not
    entered)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        for field in _BLOCKS:
            block = getattr(node, field, None)
            if isinstance(block, list) and not isinstance(node, ast.IfExp):
                yield field, block
                todo.extend(block)
        for h in getattr(node, "handlers", ()):
            todo.append(h)


def _is_comment(stmt):
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
            and stmt.value.value.startswith("__s2s_comment__"))


def _fill_empty_block(field, block):
    """A body a transform left empty, or a block holding only comments (``x = x`` as a loop's
    whole body has no derivative), gets ``pass``: Python needs a statement there."""
    if (field == "body" or block) and all(map(_is_comment, block)):
        block.append(ast.Pass())


_DEEP = 40  # Python's parser stops at 200 nested parentheses; generated calls nest two a level


def _split_deep_expressions(block, count):
    """In the statements of ``block``, subexpressions nested deeper than ``_DEEP`` (vmap of a
    400-term sum is a chain of 400 ``batched(jnp.add, ...)`` calls) move into assignments
    before their statement, innermost first, named ``_deep<count>``. Only where Python
    evaluates them unconditionally (not inside lambdas, conditional expressions,
    ``and``/``or`` or comprehensions), so the program means the same."""

    def hoist(node, pre):
        """(node with deep parts replaced by names, its depth)."""
        if isinstance(node, (ast.Lambda, ast.IfExp, ast.BoolOp, ast.ListComp, ast.SetComp,
                             ast.DictComp, ast.GeneratorExp, ast.NamedExpr)):
            return node, 1
        depth = 0
        for field, value in ast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            out = []
            for v in items:
                if isinstance(v, ast.expr):
                    v, d = hoist(v, pre)
                    if d >= _DEEP and isinstance(v, (ast.Call, ast.BinOp, ast.Subscript)):
                        count[0] += 1
                        name = f"_deep{count[0]}"
                        pre.append(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())],
                                              value=v, lineno=0))
                        v, d = ast.Name(id=name, ctx=ast.Load()), 1
                    depth = max(depth, d)
                elif isinstance(v, (ast.keyword, ast.Starred)):
                    v.value, d = hoist(v.value, pre)
                    depth = max(depth, d)
                out.append(v)
            if isinstance(value, list):
                setattr(node, field, out)
            elif out and isinstance(out[0], ast.expr):
                setattr(node, field, out[0])
        return node, depth + 1

    def too_deep(node):
        stack = [(node, 1)]
        while stack:
            n, d = stack.pop()
            if d > _DEEP:
                return True
            stack.extend((c, d + 1) for c in ast.iter_child_nodes(n))
        return False

    new = []
    for stmt in block:
        value = getattr(stmt, "value", None)
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Return, ast.Expr)) and \
                isinstance(value, ast.expr) and too_deep(value):
            pre = []
            stmt.value, _ = hoist(value, pre)
            new.extend(pre)
        new.append(stmt)
    block[:] = new


# statements ``"__s2s_comment__text"`` (how transforms write comments into an AST) -> ``# text``
# (a function's first statement unparses as a triple-quoted docstring)
_COMMENT_LINE = re.compile(r"""^(\s*)(?:'|"|\"\"\")__s2s_comment__(.*?)(?:'|"|\"\"\")$""", re.M)


def write(source, name):
    """Write ``source`` to the cache folder (once: the name is its content hash) -> path."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c == "_" else "_" for c in name)[:40] or "f"
    path = os.path.join(cache_dir(), f"{safe}_{digest}.py")
    if not _holds(path, source):  # missing, or changed by someone: (re)write it
        try:
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        except FileNotFoundError:  # the folder was deleted while running: make it again
            forget()
            path = os.path.join(cache_dir(), f"{safe}_{digest}.py")
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(source)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    lines = source.splitlines(True)
    linecache.cache[path] = (len(source), None, lines, path)
    _sources[path] = lines
    return path


_sources = {}  # path -> lines of every generated file, as s2s wrote it


def generated_lines(path):
    """The lines s2s wrote to ``path`` (None for other files): generated code is always read
    back from memory, never from the cache folder, where anything could have changed it."""
    return _sources.get(path)


def _holds(path, source):
    try:
        with open(path) as f:
            return f.read() == source
    except OSError:
        return False


def load(funcdef, globals_, free, header="", qualname=None):
    """Generate, write and load a function.

    ``funcdef``: a gast/ast ``FunctionDef``; ``globals_``: the module globals it runs in;
    ``free``: ``{name: value}`` for the names it reads that are neither globals nor its own
    (closure values, non-literal constants). Returns the function; its ``__s2s_source__`` is the
    generated file's path and ``__s2s_factory__`` the factory it was made by."""
    body = to_source(funcdef)
    params = ", ".join(free)
    inner = "\n".join("    " + line if line else line for line in body.splitlines())
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    source = f"{comment}def {FACTORY}({params}):\n{inner}\n    return {funcdef.name}\n"
    path = write(source, funcdef.name)
    code = compile(source, path, "exec")
    namespace = {}
    exec(code, globals_, namespace)
    fn = namespace[FACTORY](**free)
    if qualname:
        fn.__qualname__ = qualname
    fn.__s2s_source__ = path
    return fn
