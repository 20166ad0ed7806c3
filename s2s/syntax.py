"""Copying syntax trees.

Every pass copies AST fragments (a rule's template per use, a definition per call shape);
``copy.deepcopy`` is generic (memo dict, reduce protocol) and was a third of the time spent
generating a derivative. ``clone`` knows what an AST is: nodes and lists are copied, the
expression contexts (``Load``/``Store``, stateless) and every other value (names, constants)
are shared.
"""
import ast

import gast

_SHARED = (gast.Load, gast.Store, gast.Del, ast.Load, ast.Store, ast.Del)


def clone(node):
    """A deep copy of the (g)ast tree ``node`` (or list of trees)."""
    if node.__class__ is list:
        return [clone(n) for n in node]
    if isinstance(node, (gast.AST, ast.AST)) and not isinstance(node, _SHARED):
        new = node.__class__.__new__(node.__class__)
        new.__dict__ = {k: clone(v) for k, v in node.__dict__.items()}
        return new
    return node
