"""Compiled executables kept on disk, so a program XLA compiled once is not compiled again by
another process (a script run twice, test workers, subprocesses): loading one takes about a
millisecond where compiling even a one-operation eager program takes tens.

An entry is keyed by everything the machine code depends on: the program text, the compile
options, jaxlib's version, the platform and its version and the device kind. Entries are files
``<key>.xla`` in the private folder ``xla`` (mode 0700, see ``private_dir``); each starts with
the SHA-256 of its payload, checked before jaxlib sees the bytes (jaxlib may crash on a
malformed executable), and a damaged one is deleted and compiled again. The folder is bounded:
past ``S2S_COMPILATION_CACHE_MAX_MB`` (default 1024) the least recently used entries go.
``S2S_COMPILATION_CACHE=0`` turns it off (``s2s.config.update("jax_enable_compilation_cache",
False)`` too).
"""
import hashlib
import os
import tempfile

import jaxlib

from s2s.lowering.private_dir import forget, private_dir

_MAGIC = b"s2s-xla-1\n"
enabled = [os.environ.get("S2S_COMPILATION_CACHE", "1").strip().lower()
           not in ("0", "false", "no", "off")]
_stores = [0]
hits = [0]  # executables loaded instead of compiled (tests read it)


def key(text, options, device):
    h = hashlib.sha256()
    for part in (jaxlib.__version__, device.platform, device.client.platform_version,
                 device.device_kind):
        h.update(str(part).encode() + b"\0")
    h.update(options.SerializeAsString() + b"\0")
    h.update(text.encode())
    return h.hexdigest()


def _path(k):
    return os.path.join(private_dir("xla"), k + ".xla")


def load(k, client, devices):
    """The executable stored under ``k``, or None."""
    if not enabled[0]:
        return None
    path = _path(k)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    head, digest, payload = data[:len(_MAGIC)], data[len(_MAGIC):len(_MAGIC) + 32], \
        data[len(_MAGIC) + 32:]
    if head != _MAGIC or hashlib.sha256(payload).digest() != digest:
        _remove(path)
        return None
    try:
        exe = client.deserialize_executable(payload, devices, None)
    except Exception:  # written by an incompatible build: compile afresh
        _remove(path)
        return None
    try:
        os.utime(path)  # recently used
    except OSError:
        pass
    hits[0] += 1
    return exe


def store(k, client, exe):
    if not enabled[0]:
        return
    try:
        payload = client.serialize_executable(exe)
    except Exception:  # a backend that cannot serialize: nothing to keep
        return
    data = _MAGIC + hashlib.sha256(payload).digest() + payload
    try:
        folder = private_dir("xla")
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(folder, k + ".xla"))
    except OSError:  # a full disk or a deleted folder never fails a computation
        forget()
        return
    _stores[0] += 1
    if _stores[0] % 64 == 1:
        _bound(folder)


def _bound(folder):
    """Delete the least recently used entries while the folder holds more than the limit."""
    limit = float(os.environ.get("S2S_COMPILATION_CACHE_MAX_MB", "1024")) * 2 ** 20
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".xla")]
        sizes = {e.path: e.stat() for e in entries}
    except OSError:
        return
    total = sum(s.st_size for s in sizes.values())
    for path, st in sorted(sizes.items(), key=lambda kv: kv[1].st_mtime):
        if total <= limit:
            break
        _remove(path)
        total -= st.st_size


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass
