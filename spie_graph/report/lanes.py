"""A second lane of work: a forked process that hands back its results by name.

The report's analyses and parts fall into two chains that meet only at the end
(:mod:`spie_graph.report.run`): the duplicates and what shows them, and
everything else. On a machine with two cores, :class:`Lane` runs the second
chain in a forked child while this process runs the first. The child shares
the graph and everything computed before the fork (copy on write, nothing is
sent to it) and hands back only what it makes, as pickles in a private folder:
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
import tempfile
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

from spie_graph.errors import SpieGraphError

__all__ = ["ENV_PROCESSES", "Lane", "LaneError", "Tasks", "available"]

ENV_PROCESSES = "SPIE_GRAPH_PROCESSUS"
"""``1``: everything in this process (no second lane)."""


class LaneError(SpieGraphError):
    """The second lane stopped without handing back what it owed."""


def available() -> bool:
    """Whether a second lane can run: fork available and safe, two cores, not refused."""
    if os.environ.get(ENV_PROCESSES, "").strip() == "1":
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
    """A forked child running ``work(lane)``, which hands results back with :meth:`put`;
    this process reads them with :meth:`get`, in any order.

    Use it as a context manager: on leaving, a child still running is stopped and
    its results are removed, whatever happened.
    """

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="spie-graph-lane-"))
        self._ready: set[str] = set()
        self._process: Any = None
        self._receive: Connection | None = None
        self._send: Connection | None = None

    def __enter__(self) -> Lane:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def start(self, work: Callable[[Lane], None]) -> None:
        """Fork the child and run ``work(self)`` there."""
        context = multiprocessing.get_context("fork")
        self._receive, self._send = context.Pipe(duplex=False)
        self._process = context.Process(target=self._child, args=(work,), daemon=True)
        self._process.start()
        self._send.close()  # the child's end: EOF here once the child is gone
        self._send = None

    def put(self, name: str, value: object) -> None:
        """In the child: hand ``value`` back under ``name`` (written, then announced)."""
        path = self._folder / name
        with open(f"{path}.tmp", "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f"{path}.tmp", path)
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
            self._ready.add(self._next())
        with open(self._folder / name, "rb") as found:
            return pickle.load(found)

    def close(self) -> None:
        """Stop the child if it still runs, and remove what it handed back."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None
        for end in (self._receive, self._send):
            if end is not None:
                end.close()
        self._receive = self._send = None
        shutil.rmtree(self._folder, ignore_errors=True)

    def _next(self) -> str:
        """The next name announced by the child; its error raised here."""
        assert self._receive is not None, "Lane.start first"
        try:
            kind, payload = self._receive.recv()
        except EOFError:
            self._process.join()
            raise LaneError(
                "le second processus de calcul s'est arrêté sans finir "
                f"(code de sortie {self._process.exitcode}) ; relancez la commande, ou "
                f"définissez {ENV_PROCESSES}=1 pour tout calculer dans un seul processus"
            ) from None
        if kind == "error":
            raise _error(payload)
        return str(payload)

    def _announce(self, message: tuple[str, object]) -> None:
        if self._send is not None:
            self._send.send(message)

    def _child(self, work: Callable[[Lane], None]) -> None:
        """The child's whole life: run the work, then say how it ended."""
        assert self._receive is not None
        self._receive.close()  # the child only sends
        self._receive = None
        try:
            work(self)
        except BaseException as exc:  # every failure is told to the parent, then the child ends
            self._announce(("error", _portable(exc)))
        finally:
            if self._send is not None:
                self._send.close()


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
