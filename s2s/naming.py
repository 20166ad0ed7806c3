"""Names in generated code. Generated code calls s2s's helpers (``unbroadcast``, ``batched``,
``items``, ``zero``, ...) by their plain names, so that it reads like hand-written code; a
local variable of the user's function with one of those names would shadow the helper inside
the generated function. Such locals are renamed (``items`` -> ``items_``) before a transform
reads the function; globals with those names are refused at load time (``load_generated``)."""
import gast


def rename_shadowing_locals(fdef, reserved, keep=()):
    """``fdef`` with every name it binds (parameters, assignments, loop targets, local
    functions, at any depth) that is in ``reserved`` renamed throughout, except ``keep`` (the
    keyword-only parameters a caller passes by name). Returns (fdef, {old: new})."""
    bound = set()
    declared = set()  # global / nonlocal: not the function's own names
    for n in gast.walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param, gast.Del)):
            bound.add(n.id)
        elif isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef)) and n is not fdef:
            bound.add(n.name)
        elif isinstance(n, (gast.Global, gast.Nonlocal)):
            declared.update(n.names)
    clash = (bound & set(reserved)) - declared - set(keep)
    if not clash:
        return fdef, {}
    used = {n.id for n in gast.walk(fdef) if isinstance(n, gast.Name)} | set(reserved)
    renames = {}
    for name in sorted(clash):
        new = name + "_"
        while new in used:
            new += "_"
        used.add(new)
        renames[name] = new
    for n in gast.walk(fdef):
        if isinstance(n, gast.Name) and n.id in renames:
            n.id = renames[n.id]
        elif isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef)) and n.name in renames \
                and n is not fdef:
            n.name = renames[n.name]
    return fdef, renames
