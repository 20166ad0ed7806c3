"""``grad``, ``value_and_grad`` and ``vjp``: JAX's signatures over the reverse transform."""
import functools


from s2s.runtime.callbacks import recomputing
from s2s.runtime.tree_util import tree_leaves
from s2s.from_ir import readable, sourceless_signature, sourceless_wrapped, stand_in
from s2s.jacobians import arrays
from s2s.reverse import grad_function
from s2s.rules.helpers import check_input_dtypes


def _argnums_tuple(argnums, nargs, fname):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for n in nums:
        if not -nargs <= n < nargs:
            raise TypeError(f"differentiating with respect to argnums={argnums} requires at least "
                            f"{max(nums) + 1} positional arguments to be passed by the caller, "
                            f"but got only {nargs} positional arguments.")
    return tuple(n % nargs for n in nums), single


class _Derivative:
    """What ``grad(f)`` returns: callable like JAX's; ``__wrapped__`` is the generated
    derivative (made on first access), so ``inspect.getsource(s2s.grad(f))`` shows its source."""

    def __init__(self, fun, argnums, has_aux, holomorphic, allow_int, value):
        self.fun, self.argnums, self.has_aux = fun, argnums, has_aux
        self.holomorphic, self.allow_int, self.value = holomorphic, allow_int, value
        self.__name__ = getattr(fun, "__name__", "fun")
        self.__qualname__ = getattr(fun, "__qualname__", self.__name__)
        self.__doc__ = getattr(fun, "__doc__", None)
        self.__module__ = getattr(fun, "__module__", None)

    def _nums(self, nargs):
        return _argnums_tuple(self.argnums, nargs, self.__name__)

    def _generated(self, nargs, kwnames=()):
        nums, single = self._nums(nargs)
        return grad_function(self.fun, nums, self.has_aux,
                             "value_and_grad" if self.value else "grad", single,
                             (nargs, kwnames), self.holomorphic)

    def s2s_fingerprint(self, pins):
        from s2s.cache import fingerprint
        return ("grad", self.argnums, self.has_aux, self.value, self.holomorphic,
                fingerprint(self.fun, pins))

    def s2s_at_call(self, nargs, kwnames=()):
        """The generated derivative a transform of this one reads, for calls with ``nargs``
        positional arguments and keywords ``kwnames``."""
        if not readable(self.fun):
            return self.__wrapped__
        return self._generated(nargs, kwnames)

    @property
    def __wrapped__(self):
        import inspect
        if not readable(self.fun):  # the derivative of its last traced stand-in, if any
            return sourceless_wrapped(self)
        params = inspect.signature(self.fun).parameters.values()
        generated = self._generated(len([p for p in params if p.kind in (
            p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]))
        while isinstance(generated, functools.partial):  # a bound method's, bound
            generated = generated.func
        return generated

    def __call__(self, *args, **kwargs):
        nums = self._nums(len(args))[0]
        check_input_dtypes("grad", tree_leaves([args[i] for i in nums]), self.holomorphic,
                           self.allow_int)
        args = tuple(arrays(a) if i in nums else a for i, a in enumerate(args))
        fun = stand_in(self.fun, args, kwargs)
        if fun is not self.fun:  # no source to read: the derivative of its traced program
            self.traced = _Derivative(fun, self.argnums, self.has_aux, self.holomorphic,
                                      self.allow_int, self.value)
            return self.traced(*args)
        out = self._generated(len(args), tuple(kwargs))(*args, **kwargs)
        if not self.value:
            return out
        value, grads = out
        return ((arrays(value[0]), value[1]) if self.has_aux else arrays(value)), grads

    @property
    def __signature__(self):
        return sourceless_signature(self)

    def __repr__(self):
        return f"<{'value_and_grad' if self.value else 'grad'} of {self.__qualname__}>"


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False,
                   reduce_axes=()):
    """``(value, gradient)`` of ``fun``, computed by generated source."""
    return _maybe_jit(fun, _Derivative(fun, argnums, has_aux, holomorphic, allow_int, True))


def grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False, reduce_axes=()):
    """The gradient of scalar-valued ``fun`` with respect to ``argnums``, computed by generated
    source (``inspect.getsource(s2s.grad(f))`` shows it)."""
    return _maybe_jit(fun, _Derivative(fun, argnums, has_aux, holomorphic, allow_int, False))


def _maybe_jit(fun, derivative):
    """``grad(jit(f))`` is ``jit(grad(f))`` with the same static arguments."""
    from s2s.jit import Jitted, jit
    if isinstance(fun, Jitted):
        derivative.fun = fun.__wrapped__
        return jit(derivative, static_argnums=fun.static_argnums,
                   static_argnames=fun.static_argnames)
    return derivative


def _is_jitted(fun):
    from s2s.jit import Jitted
    return isinstance(fun, Jitted)


def vjp(fun, *primals, has_aux=False):
    """``(fun(*primals), pullback)``; ``pullback(ct)`` runs the generated derivative with
    ``ct`` as the output cotangent and returns one cotangent per primal."""
    primals = arrays(primals)
    fun = stand_in(getattr(fun, "__wrapped__", fun) if _is_jitted(fun) else fun, primals)
    generated = grad_function(fun,
                              tuple(range(len(primals))), has_aux, "vjp",
                              call=(len(primals), ()))
    res = fun(*primals)
    out, aux = (res[0], res[1]) if has_aux else (res, None)
    out = arrays(out)

    def pullback(ct):
        with recomputing():  # (the primal ran above)
            return tuple(generated(*primals, ct)[1])

    pullback.generated = generated
    return (out, pullback, aux) if has_aux else (out, pullback)


def checkpoint(fun=None, *, prevent_cse=True, policy=None, static_argnums=()):
    """``jax.checkpoint`` / ``remat``: the derivative recomputes ``fun``'s intermediate values
    instead of keeping them. s2s does so for every call of a user function already (the
    backward sweep of ``y = f(x)`` runs f's generated vjp, which runs f forward again), so this
    returns ``fun`` itself; ``policy`` (what to save) has nothing to choose from."""
    if fun is None:
        return functools.partial(checkpoint, prevent_cse=prevent_cse, policy=policy,
                                 static_argnums=static_argnums)
    return fun


remat = checkpoint


class checkpoint_policies:  # noqa: N801 (jax's name)
    """jax's names for what a checkpoint saves; every one means "recompute" here."""

    @staticmethod
    def everything_saveable(*_, **__):
        return True

    @staticmethod
    def nothing_saveable(*_, **__):
        return False

    dots_saveable = checkpoint_dots = everything_saveable
    dots_with_no_batch_dims_saveable = checkpoint_dots_with_no_batch_dims = everything_saveable

    @staticmethod
    def save_only_these_names(*names):
        return checkpoint_policies.nothing_saveable

    save_any_names_but_these = save_only_these_names
