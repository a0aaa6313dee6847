"""A cache of built graphs, keyed on the data set files' content.

Asking a second question of an unchanged data set skips reading, validating and
building it: the canonical graph is pickled, with the who-covers index beside it
(:class:`~spie_graph.graph.coverage.CoverageIndex`, loaded alone by who-covers),
in ``$SPIE_GRAPH_CACHE``, else ``$XDG_CACHE_HOME/spie-graph``, else
``~/.cache/spie-graph``. The key is a SHA-256 of the data set's name, of every
file of its folder (or of its workbook) and of the package's own files (path,
size, modification time), so that editing the data or upgrading spie-graph
misses the cache. Entries are written atomically; deleting the folder is always
safe. ``SPIE_GRAPH_SANS_CACHE=1`` bypasses it. Within one process,
:func:`remembered` also keeps the who-covers index of the last data sets while
their files' sizes, inodes and times are unchanged (no hash, no unpickling).

Only data the package wrote itself is unpickled: the folder is made 0700 and its
entries 0600, and an entry is read only when it and its folder belong to the
current user and nobody else can write them (on POSIX systems); anything else is
a miss.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spie_graph.errors import SpieGraphError
from spie_graph.files import atomic_file
from spie_graph.graph.keys import collector_paused

__all__ = ["collector_paused", "cache_folder", "dataset_key", "files_stamp", "remembered",
           "read", "write", "SANS_CACHE"]

SANS_CACHE = "SPIE_GRAPH_SANS_CACHE"
_CHUNK = 1 << 20
_REMEMBERED = 4  # data sets whose parts this process keeps (see remembered)
_MEMORY: dict[tuple[str, str], tuple[tuple, Any]] = {}


def cache_folder() -> Path | None:
    """Where entries live, or None when the cache is bypassed (``SPIE_GRAPH_SANS_CACHE``)."""
    if os.environ.get(SANS_CACHE, "").strip().lower() in ("1", "true", "oui", "yes"):
        return None
    base = os.environ.get("SPIE_GRAPH_CACHE")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "spie-graph"


def _package_stamp() -> bytes:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(b"spie-graph")
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.digest()


def dataset_key(path: Path | str, name: str) -> str | None:
    """The SHA-256 of a data set's name, files and the package (hex); None when the
    cache is bypassed or the files cannot be read (the load will say why)."""
    path = Path(path)
    if cache_folder() is None or not path.exists():
        return None
    try:
        return _digest(path, name)
    except OSError:
        return None


def _digest(path: Path, name: str) -> str:
    digest = hashlib.sha256(_package_stamp())
    digest.update(name.encode())
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(b"\0" + file.name.encode() + b"\0")
        with file.open("rb") as raw:
            while chunk := raw.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def files_stamp(path: Path | str) -> tuple | None:
    """What the files of a data set look like from outside: for each file of its folder
    (or its workbook), its name, size, inode, and modification and change times (ns);
    None when they cannot be read. Costs a few ``stat`` calls, not a read."""
    path = Path(path)
    try:
        files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        stamps = []
        for file in files:
            info = file.stat()
            stamps.append((file.name, info.st_size, info.st_ino, info.st_mtime_ns,
                           info.st_ctime_ns))
        return tuple(stamps)
    except OSError:
        return None


def remembered(path: Path | str, part: str, load: Callable[[], Any]) -> Any:
    """A part of a data set (``index``) kept in this process while its files are unchanged.

    The first call (and any call once a file's size, inode or times have changed)
    returns ``load()``, which goes through the cache on disk; later calls return
    the same object without hashing or reading anything: a program asking many
    questions of a data set pays the load once. Only parts nobody changes may be
    kept so (the who-covers index; never a graph, which callers may edit). The
    last :data:`_REMEMBERED` data sets are kept; ``SPIE_GRAPH_SANS_CACHE`` bypasses
    this as well.
    """
    stamp = files_stamp(path) if cache_folder() is not None else None
    if stamp is None:
        return load()
    where = (str(Path(path).resolve()), part)
    known = _MEMORY.get(where)
    if known is not None and known[0] == stamp:
        return known[1]
    value = load()
    _MEMORY.pop(where, None)
    while len(_MEMORY) >= _REMEMBERED:
        _MEMORY.pop(next(iter(_MEMORY)))
    _MEMORY[where] = (stamp, value)
    return value


def _private(path: Path) -> bool:
    """True when ``path`` is the current user's and no one else can write it (POSIX);
    always True where there are no owners to compare (Windows)."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return True
    info = path.lstat()
    return info.st_uid == getuid() and not info.st_mode & 0o022 and not path.is_symlink()


def read(key: str | None, part: str) -> Any | None:
    """The cached ``part`` (``graph``, ``index``) of a key, or None."""
    folder = cache_folder()
    if folder is None or key is None:
        return None
    entry = folder / f"{key}.{part}.pickle"
    try:
        if not (_private(folder) and _private(entry)):
            return None
        data = entry.read_bytes()
    except OSError:
        return None
    try:
        with collector_paused():
            return pickle.loads(data)
    except Exception:  # a truncated or foreign file: a miss, rebuilt and rewritten
        return None


def write(key: str | None, part: str, value: Any) -> None:
    """Store ``value`` as ``part`` of a key (atomically); a cache that cannot be written
    is skipped silently: it only saves time."""
    folder = cache_folder()
    if folder is None or key is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            return
        entry = folder / f"{key}.{part}.pickle"
        with atomic_file(entry) as handle:  # pickled as it goes: no copy of it in memory
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        entry.chmod(0o600)
    except (OSError, SpieGraphError):
        return
