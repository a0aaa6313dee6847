"""A second lane of work: a forked process that hands back its results by name.

The report's analyses and parts fall into two chains that meet only at the end
(:mod:`spie_graph.report.run`): the duplicates and what shows them, and
everything else. On a machine with two cores, :class:`Lane` runs the second
chain in a forked child while this process runs the first. The child shares
the graph and everything computed before the fork (copy on write, nothing is
sent to it) and hands back only what it makes, as pickles in a folder of its own
inside the caller's staging folder (:func:`spie_graph.files.writing_folder`):
a result is never held up waiting for this process to read it, and the child
never waits on this process. Work either process may do is shared out by
:class:`Tasks`: each takes the next task not yet taken, so the one that is free
first does more.

Where a fork is not available (Windows), not safe (another thread is running:
a lock it holds would stay locked in the child), pointless (one core) or
refused (``SPIE_GRAPH_PROCESSUS=1``), :func:`available` says so and the caller
runs both chains here, one after the other: same results, same files.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

from spie_graph.errors import ArgumentError, SpieGraphError
from spie_graph.files import uninterrupted

__all__ = ["ENV_PROCESSES", "Lane", "LaneError", "Tasks", "available"]

ENV_PROCESSES = "SPIE_GRAPH_PROCESSUS"
"""``1``: everything in this process (no second lane); ``2`` or unset: a second lane where
:func:`available` allows it."""


class LaneError(SpieGraphError):
    """The second lane stopped without handing back what it owed."""


def available() -> bool:
    """Whether a second lane can run: fork available and safe, two cores, not refused.

    Raises
    ------
    ArgumentError
        When :data:`ENV_PROCESSES` holds anything but 1 or 2.
    """
    asked = os.environ.get(ENV_PROCESSES, "").strip()
    if asked not in ("", "1", "2"):
        raise ArgumentError(f"la variable {ENV_PROCESSES} vaut « {asked} » : indiquez 1 (tout "
                            "calculer dans un seul processus) ou 2 (deux processus, ce que fait "
                            "l'outil par défaut sur une machine à deux cœurs ou plus)")
    if asked == "1":
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    if (os.cpu_count() or 1) < 2:
        return False
    return threading.active_count() == 1


class Tasks:
    """``count`` tasks numbered from 0, each taken once, by whichever process asks first:
    a counter shared across the fork (make it before :meth:`Lane.start`)."""

    def __init__(self, count: int):
        self.count = count
        self._next = multiprocessing.get_context("fork").Value("i", 0)

    def take(self) -> int | None:
        """The next task no process has taken, now this one's; None when all are taken."""
        with self._next.get_lock():
            task = self._next.value
            if task >= self.count:
                return None
            self._next.value = task + 1
            return task


class Lane:
    """A forked child running ``work(lane)`` and handing results back with :meth:`put`;
    this process reads them with :meth:`get`, by name, in any order.

    Use it as a context manager: on leaving, the child, if still running, is stopped
    and its results removed, whatever happened.
    """

    def __init__(self, folder: Path) -> None:
        try:  # in the caller's staging folder: a killed run's is removed by the next run
            self._folder = Path(tempfile.mkdtemp(prefix=".voies-", dir=folder))
        except OSError as exc:
            raise LaneError(_cannot_write(folder, exc)) from exc
        self._ready: set[str] = set()
        self._process: Any = None  # multiprocessing's fork Process
        self._receive: Connection | None = None  # here: None once the child has ended
        self._send: Connection | None = None  # in the child: its end of the pipe

    def __enter__(self) -> Lane:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def start(self, work: Callable[[Lane], None]) -> None:
        """Fork the child and run ``work(self)`` there."""
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=self._child, args=(work, send), daemon=True)
        try:
            process.start()
        except OSError as exc:  # no memory or process left for a fork
            receive.close()
            raise LaneError(f"impossible de lancer un second processus de calcul ({exc}) ; "
                            f"définissez {ENV_PROCESSES}=1 pour tout calculer dans un seul "
                            "processus") from exc
        finally:
            send.close()  # the child's end: EOF here once the child is gone
        self._process, self._receive = process, receive

    def put(self, name: str, value: object) -> None:
        """In the child: hand ``value`` back under ``name`` (written, then announced)."""
        path = self._folder / name
        try:
            with open(f"{path}.tmp", "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(f"{path}.tmp", path)
        except OSError as exc:  # a full disk, most often
            raise LaneError(_cannot_write(self._folder, exc)) from exc
        self._announce(("ready", name))

    def get(self, name: str) -> Any:
        """In this process: the value the child handed back under ``name``, once it has.

        Raises
        ------
        Exception
            The child's own error, when it failed first (its traceback in a note).
        LaneError
            When the child stopped without handing it back.
        """
        while name not in self._ready:
            if self._receive is None:
                raise LaneError(f"le second processus de calcul s'est arrêté sans rendre "
                                f"« {name} »")
            self._read(self._receive)
        with open(self._folder / name, "rb") as found:
            return pickle.load(found)

    def wait(self) -> None:
        """In this process: wait until the child has ended its work (its error, if any,
        raised here as :meth:`get` does)."""
        while self._receive is not None:
            self._read(self._receive)

    def close(self) -> None:
        """Stop the child if it still runs, and remove what it handed back (a second
        Ctrl-C held meanwhile)."""
        with uninterrupted():
            if self._process is not None:
                if self._process.is_alive():
                    self._process.terminate()
                self._process.join()
                self._process = None
            if self._receive is not None:
                self._receive.close()
                self._receive = None
            shutil.rmtree(self._folder, ignore_errors=True)

    def _read(self, receive: Connection) -> None:
        """One message of the child: a name ready, or its error raised here; at its end, a
        French error if it did not end well."""
        try:
            kind, payload = receive.recv()
        except EOFError:
            receive.close()
            self._receive = None
            self._process.join()
            if self._process.exitcode:
                raise LaneError(
                    "le second processus de calcul s'est arrêté sans finir "
                    f"(code de sortie {self._process.exitcode}) ; relancez la commande, ou "
                    f"définissez {ENV_PROCESSES}=1 pour tout calculer dans un seul processus"
                ) from None
            return
        if kind == "error":
            raise _error(payload)
        self._ready.add(str(payload))

    def _announce(self, message: tuple[str, object]) -> None:
        if self._send is not None:
            self._send.send(message)

    def _child(self, work: Callable[[Lane], None], send: Connection) -> None:
        """The child's whole life: run the work, then say how it ended. Stopped by
        :meth:`close` (SIGTERM), it leaves its blocks as on an error, so that what they
        were writing outside the staging folder (the cache) is removed, and ends quietly."""
        self._send = send
        signal.signal(signal.SIGTERM, _stop)
        try:
            work(self)
        except _Stopped:
            pass  # the parent is leaving and reads nothing more
        except BaseException as exc:  # every failure is told to the parent, then the child ends
            self._announce(("error", _portable(exc)))
        finally:
            send.close()


class _Stopped(BaseException):
    """The child is stopped by its parent (:meth:`Lane.close`)."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped


def _cannot_write(folder: Path | str, exc: OSError) -> str:
    return (f"impossible d'écrire les résultats du second processus de calcul dans « {folder} » "
            f"({exc.strerror or exc}) ; libérez de la place sur le disque du dossier de sortie, "
            f"ou définissez {ENV_PROCESSES}=1 pour tout calculer dans un seul processus")


def _portable(exc: BaseException) -> tuple[bytes | None, str, str]:
    """The child's error as it can travel: pickled when it survives a round trip, with its
    message and traceback in any case."""
    text = "".join(traceback.format_exception(exc))
    try:
        pickled = pickle.dumps(exc)
        pickle.loads(pickled)
    except Exception:  # an error whose class cannot be rebuilt from its arguments
        return None, str(exc), text
    return pickled, str(exc), text


def _error(payload: tuple[bytes | None, str, str]) -> BaseException:
    pickled, message, trace = payload
    exc: BaseException = (pickle.loads(pickled) if pickled is not None
                          else LaneError(f"le second processus de calcul a échoué : {message}"))
    exc.add_note("Dans le second processus de calcul :\n" + trace)
    return exc
