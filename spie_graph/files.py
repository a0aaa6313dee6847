"""Writing files whole or not at all, and keeping spreadsheets from running cells.

A foundation module, like :mod:`spie_graph.errors`: every layer that writes a
file (an imported data set, the Excel template, a report, an export) goes
through :func:`write_atomic` or :func:`write_folder`, so that an interrupted
or failed run never leaves a truncated file or a half-written folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from spie_graph.errors import ExportError

__all__ = ["neutralize", "write_atomic", "write_folder"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (``=cmd|...``)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _bytes(content: str | bytes, encoding: str) -> bytes:
    return content.encode(encoding) if isinstance(content, str) else content


def _cannot_write(path: Path, exc: OSError) -> ExportError:
    return ExportError(f"impossible d'écrire {path} : {exc.strerror or exc}. "
                       "Vérifiez le dossier et les droits d'écriture")


def write_atomic(path: Path | str, content: str | bytes) -> Path:
    """Write a file whole or not at all: a temporary file renamed into place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_bytes(content, "utf-8"))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    return path


def _staging_folder(target: Path) -> Path:
    """A new, empty folder beside ``target``, with the permissions of a normal folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; an output folder is not
    return staging


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` in the place of ``target``; the previous folder comes back on failure."""
    if not target.exists():
        os.replace(staging, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.ancien.", dir=target.parent))
    os.replace(target, old / target.name)
    try:
        os.replace(staging, target)
    except OSError:
        os.replace(old / target.name, target)
        old.rmdir()
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_folder(target: Path | str, files: Mapping[str, str | bytes], *,
                 encoding: str = "utf-8",
                 check: Callable[[Path], None] | None = None) -> Path:
    """Write a folder of files whole or not at all, replacing ``target`` in one move.

    The files are written in a staging folder beside ``target``; ``check``
    (if given) may inspect it and raise; then the staging folder replaces
    ``target``. On any error the previous ``target`` is left as it was.
    Text is encoded with ``encoding``.
    """
    target = Path(target)
    try:
        staging = _staging_folder(target)
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    try:
        for name, content in files.items():
            (staging / name).write_bytes(_bytes(content, encoding))
        if check is not None:
            check(staging)
        _swap(staging, target)
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
