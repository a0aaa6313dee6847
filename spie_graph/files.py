"""Writing files whole or not at all, and keeping spreadsheets from running cells.

A foundation module, like :mod:`spie_graph.errors`: every layer that writes a
file (an imported data set, the Excel template, a report, an export) goes
through :func:`write_atomic`, :func:`write_folder` or :func:`writing_folder` (a
folder written file by file, as its files are made), so that an interrupted
or failed run never leaves a truncated file or a half-written folder.

Files get the modes of any file the user makes (0644 and 0755 under the usual
umask), not the private ones of temporary files. A folder is replaced in one
atomic exchange where the system has it (Linux ``renameat2``), so there is no
moment without it; the staging folders of a run that was killed (their name
holds its process id) are removed, or put back, by the next run.

:func:`xml_text` strips what XML 1.0 forbids, for every XML-based writer
(GraphML, GEXF, XLSX, DOCX, HTML).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from spie_graph.errors import ArgumentError, ExportError

__all__ = ["FORMULA_START", "NOT_XML", "NOT_XML_CHARS", "XML_ATTRIBUTE_ESCAPES",
           "XML_ATTRIBUTE_MARKUP", "XML_ATTRIBUTE_SPECIAL", "XML_TEXT_ESCAPES",
           "XML_TEXT_MARKUP", "XML_TEXT_SPECIAL", "FolderWriter",
           "atomic_file", "check_new_folder", "markdown_text", "neutralize", "utf8",
           "write_atomic", "write_folder", "uninterrupted", "writing_folder", "xml_text"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""How a spreadsheet formula may start: :func:`neutralize` quotes such a text."""
# What XML 1.0 forbids (C0 controls but tab and line breaks, surrogates, U+FFFE, U+FFFF),
# and the discouraged C1 controls, which Word and Excel refuse.
NOT_XML_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff"
"""The characters :func:`xml_text` drops, as the inside of a regular expression's ``[...]``."""
NOT_XML = re.compile(f"[{NOT_XML_CHARS}]")
"""A character of :data:`NOT_XML_CHARS`."""


UTF8_PIECES = 1024
"""Texts joined and encoded at once by :func:`utf8`."""


def utf8(texts: Iterable[str]) -> bytes:
    """``"".join(texts).encode("utf-8")``, :data:`UTF8_PIECES` texts at a time.

    A file's texts joined in one text of tens of megabytes are widened to two or four
    bytes a character (one « ’ » in the file is enough) and read again to be encoded;
    in small pieces, each stays in the processor's cache: a département's Doublons
    sheet in 0.05 s instead of 0.08 s, its GEXF file in 0.07 s instead of 0.10 s.
    ``texts`` made as they are asked for are never all held: only their encoding is.
    """
    pieces = iter(texts)
    encoded = []
    while chunk := list(islice(pieces, UTF8_PIECES)):
        encoded.append("".join(chunk).encode("utf-8"))
    return b"".join(encoded)


def xml_text(value: str) -> str:
    """``value`` without the characters an XML document (GraphML, XLSX, DOCX…) cannot hold."""
    return NOT_XML.sub("", value)


# What the XML writers (GraphML, GEXF, XLSX) escape, as ``str.translate`` tables, applied
# after :func:`xml_text`: markup characters, and in attributes the white space a parser
# would otherwise normalise; a carriage return is kept as such in text too.
_TEXT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_ATTRIBUTE_ESCAPES = {**_TEXT_ESCAPES, '"': "&quot;", "\n": "&#10;", "\t": "&#9;"}
XML_TEXT_ESCAPES = str.maketrans(_TEXT_ESCAPES)
XML_ATTRIBUTE_ESCAPES = str.maketrans(_ATTRIBUTE_ESCAPES)
XML_TEXT_MARKUP = "".join(_TEXT_ESCAPES)
"""The characters XML texts escape (``&<>\\r``)."""
XML_ATTRIBUTE_MARKUP = "".join(_ATTRIBUTE_ESCAPES)
"""The characters XML attributes escape (``&<>\\r"\\n\\t``)."""
# A text none of these finds is written as it is: no xml_text, no escaping (most texts;
# one search instead of a substitution and a translation, several times faster).
XML_TEXT_SPECIAL = re.compile(f"[{NOT_XML_CHARS}{XML_TEXT_MARKUP}]")
XML_ATTRIBUTE_SPECIAL = re.compile(f"[{NOT_XML_CHARS}{XML_ATTRIBUTE_MARKUP}]")


_MARKDOWN = re.compile(r"([\\`*_\[\]<>|&~#])")


def markdown_text(value: object) -> str:
    """Data shown as written in Markdown: one line, markup (and HTML) characters escaped.

    >>> markdown_text("A | <b>B</b>")
    'A \\| \\<b\\>B\\</b\\>'
    """
    return _MARKDOWN.sub(r"\\\1", " ".join(xml_text(str(value)).split()))


def check_new_folder(output: Path, force: bool) -> None:
    """Refuse an output folder that is a file, or holds files when ``--force`` is not given
    (:func:`write_folder` then replaces it whole)."""
    if output.exists() and not output.is_dir():
        raise ArgumentError(f"{output} est un fichier : indiquez un dossier")
    if output.is_dir() and any(output.iterdir()) and not force:
        raise ArgumentError(f"le dossier {output} n'est pas vide : choisissez un nouveau dossier,"
                            " ou ajoutez --force pour le remplacer entièrement")


def neutralize(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (``=cmd|...``)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _bytes(content: str | bytes, encoding: str) -> bytes:
    return content.encode(encoding) if isinstance(content, str) else content


def _cannot_write(path: Path, exc: OSError) -> ExportError:
    return ExportError(f"impossible d'écrire {path} : {exc.strerror or exc}. "
                       "Vérifiez le dossier et les droits d'écriture")


def _umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


@contextlib.contextmanager
def atomic_file(path: Path | str) -> Iterator[BinaryIO]:
    """A binary file written whole or not at all: the block writes a temporary file beside
    ``path``, renamed into place when the block ends; on any error or interruption it is
    removed and ``path`` is left as it was.

    The file gets the mode of a file the user makes (0666 less the umask). Writing
    as it goes keeps a large file (a pickled graph) out of memory.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        if sys.platform != "win32":
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes it private (0600)
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(tmp, path)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_atomic(path: Path | str, content: str | bytes) -> Path:
    """Write a file whole or not at all: a temporary file renamed into place
    (:func:`atomic_file`).

    The file gets the mode of a file the user makes (0666 less the umask).
    """
    with atomic_file(path) as handle:
        handle.write(_bytes(content, "utf-8"))
    return Path(path)


# Staging folders are named ``.<target>.<pid>.<kind>.<random>``: a later run can tell
# those of a dead process (killed while writing) and clean them.
_STAGING = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)\.(?P<kind>neuf|ancien)\.[^.]+$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _clean_leftovers(target: Path) -> None:
    """Remove the staging folders of dead runs beside ``target``.

    A run killed between the two moves of a non-atomic swap leaves the
    previous folder in its ``ancien`` staging folder while ``target`` is
    missing: it is put back.
    """
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            match = _STAGING.match(entry.name)
            if (match is None or match["target"] != target.name or not entry.is_dir()
                    or entry.is_symlink() or _alive(int(match["pid"]))):
                continue
            saved = entry / target.name
            if match["kind"] == "ancien" and saved.is_dir() and not target.exists():
                os.replace(saved, target)
            shutil.rmtree(entry, ignore_errors=True)


def _staging_folder(target: Path, kind: str = "neuf") -> Path:
    """A new, empty folder beside ``target``, with the permissions of a normal folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.{kind}.",
                                    dir=target.parent))
    if sys.platform != "win32":
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; an output folder is not
    return staging


_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2``); False where it is missing."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # not glibc 2.28+
        return False
    at_fdcwd = -100
    done = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second),
                     _RENAME_EXCHANGE)
    if done == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot
        return False
    raise OSError(errno, os.strerror(errno), str(second))


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` in the place of ``target``; the previous folder comes back on failure.

    One atomic exchange where the system has it: ``target`` never goes missing.
    """
    if not target.exists():
        os.replace(staging, target)
        return
    if _exchange(staging, target):  # staging now holds the previous folder
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = _staging_folder(target, "ancien")
    os.replace(target, old / target.name)
    try:
        os.replace(staging, target)
    except OSError:
        os.replace(old / target.name, target)
        old.rmdir()
        raise
    shutil.rmtree(old, ignore_errors=True)


class FolderWriter:
    """The staging folder of :func:`writing_folder`: each file is written as soon as it is
    made, so that a run holds one file at a time, not the whole folder."""

    def __init__(self, staging: Path, target: Path, encoding: str):
        self.path = staging
        self.target = target
        self.encoding = encoding

    def write(self, name: str, content: str | bytes) -> None:
        """Write the file ``name`` (text encoded with the folder's encoding)."""
        try:
            (self.path / name).write_bytes(_bytes(content, self.encoding))
        except OSError as exc:
            raise _cannot_write(self.target, exc) from exc


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) while a clean-up runs, so that a second Ctrl-C cannot cut it
    short and leave half of it done; the signal is dropped, not deferred (the run is
    stopping anyway). In the main thread only: elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def writing_folder(target: Path | str, *, encoding: str = "utf-8",
                   check: Callable[[Path], None] | None = None) -> Iterator[FolderWriter]:
    """Write a folder whole or not at all, file by file, replacing ``target`` in one move.

    The block writes its files (:meth:`FolderWriter.write`) in a staging folder
    beside ``target``; when it ends, ``check`` (if given) may inspect the
    staging folder and raise; then the staging folder replaces ``target``. On
    any error or interruption in the block or after it, the staging folder is
    removed and the previous ``target`` is left as it was (a killed run's
    staging folder is removed by the next run).
    """
    target = Path(target)
    _clean_leftovers(target)
    try:
        staging = _staging_folder(target)
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    try:
        yield FolderWriter(staging, target, encoding)
        try:
            if check is not None:
                check(staging)
            _swap(staging, target)
        except OSError as exc:
            raise _cannot_write(target, exc) from exc
    finally:
        if staging.exists():
            with uninterrupted():
                shutil.rmtree(staging, ignore_errors=True)


def write_folder(target: Path | str, files: Mapping[str, str | bytes], *,
                 encoding: str = "utf-8",
                 check: Callable[[Path], None] | None = None) -> Path:
    """Write a folder of files whole or not at all, replacing ``target`` in one move.

    The files are written in a staging folder beside ``target``; ``check``
    (if given) may inspect it and raise; then the staging folder replaces
    ``target``. On any error the previous ``target`` is left as it was.
    Text is encoded with ``encoding``. (:func:`writing_folder` writes the
    files as they are made.)
    """
    with writing_folder(target, encoding=encoding, check=check) as folder:
        for name, content in files.items():
            folder.write(name, content)
    return Path(target)
