"""``return``/``break``/``continue`` rewritten into assignments and guards, before
``s2s/autograph.py`` converts control flow (a branch or a loop body that jumps out cannot
become a function; one that assigns a flag can).

- Early returns: the statements after an ``if`` one of whose branches always returns move
  into its other branch, so every ``return`` ends the function; then each becomes
  ``retval = value`` and the function ends with ``return retval``::

      if x > 0:                      if x > 0:
          return x          ->           retval = x
      return -x                      else:
                                         retval = -x
                                     return retval

  (a ``return`` inside a loop is left alone: that loop stays Python.)
- ``break``/``continue`` of a loop become ``break_ = True``/``continue_ = True``; the
  statements after one that may set a flag run under ``if not (break_ or continue_):``; a
  ``while`` also tests ``not break_ and ...``, a ``for`` skips the rest of its iterations
  (so a ``for`` whose variable is read after the loop is left alone).

The rewritten code means what the original meant, in Python as in lax.
"""
import gast

from s2s.autograph import _assign, _const, _name, _walk_scope, _SCOPES


def lower_returns(fdef, fresh):
    """Early returns of ``fdef`` (see the module docstring), in place."""
    returns = [n for n in _walk_scope_body(fdef) if isinstance(n, gast.Return)]
    if not any(_inside_if(fdef.body, r) for r in returns):
        return
    if not _always_returns(fdef.body):
        fdef.body.append(gast.Return(value=None))
    fdef.body = _rest_into_other_branch(fdef.body)
    tails = []
    _tail_returns(fdef.body, tails)
    if len(tails) != len(returns):  # a return inside a loop: leave the returns as they are
        return
    name = fresh("retval")
    for block, i in tails:
        value = block[i].value
        block[i] = gast.copy_location(_assign([name], value if value is not None
                                              else _const(None)), block[i])
    fdef.body.append(gast.Return(value=_name(name)))


def lower_jumps(fdef, fresh):
    """``break``/``continue`` of every loop in ``fdef`` (see the module docstring), in place,
    innermost loops first."""
    fdef.body = _lower_block(fdef.body, fdef, fresh)


def _walk_scope_body(fdef):
    for s in fdef.body:
        yield from _walk_scope(s)


def _inside_if(block, target):
    return any(isinstance(s, gast.If) and any(n is target for n in _walk_scope(s))
               for s in block)


def _always_returns(block):
    if not block:
        return False
    last = block[-1]
    if isinstance(last, gast.Return):
        return True
    return isinstance(last, gast.If) and _always_returns(last.body) and \
        _always_returns(last.orelse)


def _rest_into_other_branch(block):
    out = []
    for i, s in enumerate(block):
        out.append(s)
        if not isinstance(s, gast.If):
            continue
        s.body, s.orelse = _rest_into_other_branch(s.body), _rest_into_other_branch(s.orelse)
        in_body, in_else = _always_returns(s.body), _always_returns(s.orelse)
        if in_body and in_else:
            return out  # what follows never runs
        rest = block[i + 1:]
        if rest and in_body:
            s.orelse = _rest_into_other_branch(s.orelse + rest)
            return out
        if rest and in_else:
            s.body = _rest_into_other_branch(s.body + rest)
            return out
    return out


def _tail_returns(block, out):
    """(block, index) of every ``return`` that ends ``block`` or a branch ending it."""
    if not block:
        return
    last = block[-1]
    if isinstance(last, gast.Return):
        out.append((block, len(block) - 1))
    elif isinstance(last, gast.If):
        _tail_returns(last.body, out)
        _tail_returns(last.orelse, out)


def _lower_block(block, fdef, fresh):
    out = []
    for s in block:
        if isinstance(s, (gast.If, gast.With, gast.Try)):
            for field in ("body", "orelse", "finalbody"):
                if isinstance(getattr(s, field, None), list):
                    setattr(s, field, _lower_block(getattr(s, field), fdef, fresh))
        if isinstance(s, (gast.For, gast.While)):
            s.body = _lower_block(s.body, fdef, fresh)
            out += _lower_loop(s, fdef, fresh)
        else:
            out.append(s)
    return out


def _jumps(loop):
    """The ``break``/``continue`` statements of ``loop`` (not of loops inside it), or None when
    one sits anywhere but in nested ``if`` statements."""
    found = []

    def visit(block):
        for s in block:
            if isinstance(s, (gast.Break, gast.Continue)):
                found.append(s)
            elif isinstance(s, gast.If):
                if not (visit(s.body) and visit(s.orelse)):
                    return False
            elif not isinstance(s, (gast.For, gast.While) + _SCOPES) and any(
                    isinstance(n, (gast.Break, gast.Continue)) for n in _walk_scope(s)):
                return False  # inside a with/try block
        return True
    return found if visit(loop.body) else None


def _lower_loop(loop, fdef, fresh):
    jumps = _jumps(loop)
    if not jumps or loop.orelse:
        return [loop]
    if isinstance(loop, gast.For):
        if not isinstance(loop.target, gast.Name):
            return [loop]
        inside = {id(n) for n in gast.walk(loop)}
        if any(isinstance(n, gast.Name) and n.id == loop.target.id and id(n) not in inside
               for n in gast.walk(fdef)):
            return [loop]  # its variable would end at the last iteration, not at the break
    flags = {}
    for kind, base in ((gast.Break, "break_"), (gast.Continue, "continue_")):
        if any(isinstance(j, kind) for j in jumps):
            flags[kind] = fresh(base)
    ids = {id(j): flags[type(j)] for j in jumps}
    stop = list(flags.values())
    loop.body = _guard(_replace_jumps(loop.body, ids), ids, stop)
    before = []
    if gast.Continue in flags:
        loop.body.insert(0, _assign([flags[gast.Continue]], _const(False)))
    if gast.Break in flags:
        brk = flags[gast.Break]
        before.append(_assign([brk], _const(False)))
        if isinstance(loop, gast.While):
            loop.test = gast.BoolOp(op=gast.And(), values=[_not(_name(brk)), loop.test])
        else:
            loop.body = [gast.copy_location(gast.If(test=_not(_name(brk)), body=loop.body,
                                                    orelse=[]), loop)]
    return before + [loop]


def _not(node):
    return gast.UnaryOp(op=gast.Not(), operand=node)


def _replace_jumps(block, ids):
    out = []
    for s in block:
        if id(s) in ids:
            out.append(gast.copy_location(_assign([ids[id(s)]], _const(True)), s))
            continue
        if isinstance(s, gast.If):
            s.body, s.orelse = _replace_jumps(s.body, ids), _replace_jumps(s.orelse, ids)
        out.append(s)
    return out


def _guard(block, ids, flags):
    """The statements after one that may set a flag run only while no flag is set."""
    out = []
    for i, s in enumerate(block):
        sets = any(isinstance(n, gast.Name) and n.id in flags and isinstance(n.ctx, gast.Store)
                   for n in _walk_scope(s))
        if isinstance(s, gast.If) and sets:
            s.body, s.orelse = _guard(s.body, ids, flags), _guard(s.orelse, ids, flags)
        out.append(s)
        rest = block[i + 1:]
        if sets and rest:
            test = _name(flags[0]) if len(flags) == 1 else gast.BoolOp(
                op=gast.Or(), values=[_name(f) for f in flags])
            out.append(gast.copy_location(gast.If(test=_not(test), body=_guard(rest, ids, flags),
                                                  orelse=[]), s))
            return out
    return out
