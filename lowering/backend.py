"""The XLA backend: PJRT clients, host<->device transfer, compile with an executable cache.

The jaxlib calls used here are private API (see ``docs/backend.md``); everything that touches
jaxlib directly lives in this one module. Inputs are validated before they reach jaxlib, which
crashes the process on some malformed calls.
"""
import functools
import importlib.util
import os
import pathlib
import re
import threading

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # keep PJRT's start-up INFO lines off stderr

import numpy as np
from jaxlib import xla_client as xc

from s2s.lowering import compile_cache
from s2s.lowering.core import ShapedArray
from s2s.lowering.ops.callbacks import CALL_TARGET, CALLBACKS
from s2s.lowering.stablehlo import tensor_type

# what a failing program raises (a host callback's exception arrives as one): jax.errors'
JaxRuntimeError = xc.XlaRuntimeError

# dtypes whose buffers NumPy reads directly; the others (bf16, fp8) go through a bitcast
_HOST_READABLE = set(map(np.dtype, [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                    np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                                    np.float64, np.complex64, np.complex128]))


def _plugin_clients():
    """PJRT plugins installed as ``jax_plugins.xla_<platform>*`` packages, found without importing
    them (their ``__init__`` imports jax): the shared object next to the package is loaded."""
    spec = importlib.util.find_spec("jax_plugins")
    clients = {}
    for root in (spec.submodule_search_locations if spec else []):
        for pkg in sorted(pathlib.Path(root).glob("xla_*")):
            for so in pkg.glob("xla_*plugin.so"):
                platform = pkg.name[len("xla_"):].rstrip("0123456789") or pkg.name
                try:
                    if not xc.pjrt_plugin_loaded(platform):
                        xc.load_pjrt_plugin_dynamically(platform, str(so))
                    if not xc.pjrt_plugin_initialized(platform):
                        xc.initialize_pjrt_plugin(platform)
                    opts = xc.generate_pjrt_gpu_plugin_options() if platform in ("cuda", "rocm") else {}
                    clients[platform] = xc.make_c_api_client(platform, opts)
                except Exception:  # a broken plugin must not take the CPU backend down with it
                    continue
    return clients


_once = threading.Lock()  # clients and kernel registrations are made once, by one thread
_clients = None


def clients():
    """All backends by platform name; CPU always, accelerators when a plugin is installed.
    Made once: two CPU clients would give two sets of devices that cannot share arrays."""
    global _clients
    if _clients is None:
        with _once:
            if _clients is None:
                out = {"cpu": xc.make_cpu_client()}
                if os.environ.get("S2S_PLATFORMS", os.environ.get("JAX_PLATFORMS", "")) != "cpu":
                    out.update(_plugin_clients())
                _clients = out
    return _clients


def default_platform():
    want = os.environ.get("JAX_PLATFORMS", "").split(",")[0]
    cl = clients()
    if want and want in cl:
        return want
    return next((p for p in cl if p != "cpu"), "cpu")


def devices(backend=None):
    cl = clients()
    backend = backend or default_platform()
    if backend == "gpu":
        backend = next((p for p in cl if p in ("cuda", "rocm")), backend)
    if backend not in cl:
        raise RuntimeError(f"Unknown backend {backend}. Available: {sorted(cl)}")
    return list(cl[backend].devices())


@functools.cache
def is_device(obj):
    return isinstance(obj, xc.Device)


def default_device():
    return devices()[0]


@functools.cache
def _sharding(device):
    return xc.GSPMDSharding(xc.DeviceList((device,)), xc.HloSharding.replicate())


def device_put(value, aval, device):
    """Copy the NumPy array ``value`` (already of ``aval``'s dtype and shape) to ``device``."""
    value = np.require(value, requirements="C")  # (ascontiguousarray turns 0-d into 1-d)
    if value.dtype != aval.dtype or value.shape != aval.shape:
        raise ValueError(f"device_put: host value {value.dtype}{value.shape} does not match {aval}")
    return xc.batched_device_put(aval, _sharding(device), [value], [device], True, False,
                                 xc.HostBufferSemantics.IMMUTABLE_ONLY_DURING_CALL, True)


@functools.lru_cache(maxsize=4096)
def _result_handler(aval, device):
    return xc.array_result_handler(aval, _sharding(device), True, _skip_checks=True)


class Executable:
    """A compiled program for one device with the result handlers of its outputs.

    A program that calls Python (``host_callbacks``) holds those functions and runs to its end
    before the call returns, so what they print comes before whatever the caller prints next
    (and a program without outputs still runs them)."""

    __slots__ = ("exe", "handlers", "out_avals", "text", "host_callbacks")

    def __init__(self, exe, out_avals, device, text, host_callbacks=()):
        self.exe = exe
        self.out_avals = tuple(out_avals)
        self.handlers = [_result_handler(a, device) for a in out_avals]
        self.text = text
        self.host_callbacks = host_callbacks

    def __call__(self, buffers):
        if not self.host_callbacks:
            return self.exe.execute_sharded(buffers).consume_with_handlers(self.handlers)
        results = self.exe.execute_sharded(buffers, with_tokens=True)
        token = results.consume_token()
        outs = results.consume_with_handlers(self.handlers)
        token.block_until_ready()  # (raises what a callback raised, as a JaxRuntimeError)
        return outs


_compile_count = [0]


_LAPACK_CALL = 'call_target_name = "lapack_'  # the custom calls of lowering/ops/lapack.py


@functools.cache
def _register_lapack_once():
    """Make jaxlib's LAPACK kernels (typed FFI handlers) known to XLA's CPU backend, once, the
    first time a program calls one. ``initialize`` fills their LAPACK function pointers from
    SciPy's ``cython_lapack`` (importing SciPy costs ~0.15 s, so it is not done at start-up)."""
    from jaxlib.cpu import _lapack
    _lapack.initialize()
    for name, capsule in _lapack.registrations().items():
        if name.endswith("_ffi"):
            xc.register_custom_call_target(name, capsule, platform="cpu", api_version=1)


@functools.lru_cache(maxsize=8192)
def compile(text, out_avals, device):
    """Compile module ``text`` for ``device`` (cached by text and device in memory, and on disk
    across processes: ``compile_cache``)."""
    if _LAPACK_CALL in text:
        if device.platform != "cpu":
            raise NotImplementedError(
                f"LAPACK-backed linear algebra (cholesky, qr, eigh, svd, lu, solve, ...) runs on "
                f"CPU only; got device {device}. Move the arrays with "
                f"device_put(x, devices('cpu')[0]).")
        with _once:
            _register_lapack_once()
    opts = xc.CompileOptions()
    opts.executable_build_options.num_replicas = 1
    opts.executable_build_options.num_partitions = 1
    client = device.client
    _compile_count[0] += 1
    devices = xc.DeviceList((device,))
    if CALL_TARGET not in text:  # (a program calling Python holds live functions: not kept)
        k = compile_cache.key(text, opts, device)
        exe = compile_cache.load(k, client, devices)
        if exe is None:
            exe = client.compile_and_load(text, devices, opts)
            compile_cache.store(k, client, exe)
        return Executable(exe, out_avals, device, text)
    if device.platform != "cpu":
        raise NotImplementedError(f"host callbacks (debug.print, debug.callback, pure_callback) "
                                  f"inside compiled programs run on CPU only; got device "
                                  f"{device}.")
    program, callbacks = _number_callbacks(text)
    exe = client.compile_and_load(_parse(program), executable_devices=devices,
                                  compile_options=opts, host_callbacks=callbacks)
    return Executable(exe, out_avals, device, text, tuple(callbacks))


_CALLBACK_ID = re.compile(r"(index = )(\d+)( : ui64)")


def _number_callbacks(text):
    """``text`` with each host callback's process-wide id replaced by its position in the list
    of functions the executable is compiled with, and that list."""
    positions = {}

    def renumber(m):
        cid = int(m.group(2))
        if cid not in positions:
            positions[cid] = len(positions)
        return f"{m.group(1)}{positions[cid]}{m.group(3)}"
    lines = [_CALLBACK_ID.sub(renumber, line) if CALL_TARGET in line else line
             for line in text.splitlines()]
    return "\n".join(lines), [CALLBACKS[cid] for cid in positions]


@functools.cache
def _mlir_context():
    from jaxlib.mlir import ir
    from jaxlib.mlir._mlir_libs import _jax_mlir_ext
    from jaxlib.mlir.dialects import stablehlo
    registry = ir.DialectRegistry()
    _jax_mlir_ext.register_dialects(registry)
    ctx = ir.Context()
    ctx.append_dialect_registry(registry)
    ctx.load_all_available_dialects()
    stablehlo.register_dialect(ctx)
    return ir, ctx


def _parse(text):
    """The module object for ``text``: jaxlib takes host callbacks only with a parsed module
    (its overloads for text and bytes have no ``host_callbacks``)."""
    ir, ctx = _mlir_context()
    with ctx:
        return ir.Module.parse(text)


def compile_count():
    """How many XLA compilations this process has done (tests use it to prove cache hits)."""
    return _compile_count[0]


def _bitcast_program(aval):
    uint = np.dtype(f"uint{aval.dtype.itemsize * 8}")
    out = ShapedArray(aval.shape, uint)
    text = (f"module @to_host {{\n  func.func public @main(%a: {tensor_type(aval)}) -> "
            f"({tensor_type(out)}) {{\n    %0 = \"stablehlo.bitcast_convert\"(%a) : "
            f"({tensor_type(aval)}) -> {tensor_type(out)}\n"
            f"    \"func.return\"(%0) : ({tensor_type(out)}) -> ()\n  }}\n}}\n")
    return text, (out,)


def to_numpy(buffer, aval, device):
    """The host value of ``buffer`` (waits for it). Read-only, like a jax array's ``__array__``."""
    if aval.dtype in _HOST_READABLE:
        return np.asarray(buffer)
    text, outs = _bitcast_program(aval)
    bits = compile(text, outs, device)([buffer])[0]
    return np.asarray(bits).view(aval.dtype)


def block_until_ready(buffers):
    xc.batched_block_until_ready(buffers)
