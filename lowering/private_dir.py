"""The per-user cache folders: generated source (``generated``) and compiled executables
(``xla``) under ``$S2S_CACHE_DIR``, else ``$XDG_CACHE_HOME/s2s`` or ``~/.cache/s2s``.

Both hold things s2s runs (Python code, machine code), so a folder is created with mode 0700
whatever the umask, and one that is a symbolic link or belongs to another user (planted there)
is refused. An unwritable home falls back to a per-user folder under the temp dir.
"""
import os
import stat
import tempfile

_checked = set()


def private_dir(name):
    """The path of cache folder ``name``, created and checked."""
    root = os.environ.get("S2S_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "s2s")
    path = os.path.join(root, name)
    try:
        _ensure(path)
    except OSError:
        path = os.path.join(tempfile.gettempdir(), f"s2s-{os.getuid()}", name)
        _ensure(path)
    return path


def forget():
    """Check the folders again on next use (one was deleted while running)."""
    _checked.clear()


def _ensure(path):
    if path in _checked and os.path.isdir(path):
        return
    missing = []
    p = os.path.abspath(path)
    while not os.path.lexists(p):
        missing.append(p)
        p = os.path.dirname(p)
    for p in reversed(missing):
        try:
            os.mkdir(p, 0o700)
            os.chmod(p, 0o700)
        except FileExistsError:
            pass
    for p in [path] + ([os.path.dirname(path)] if not missing else []):
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            raise OSError(f"s2s cache folder {p} is a symbolic link or not a folder")
        if st.st_uid != os.getuid():
            raise OSError(f"s2s cache folder {p} belongs to another user")
        if p == path and stat.S_IMODE(st.st_mode) != 0o700:
            os.chmod(p, 0o700)
    _checked.add(path)
