"""The report in two lanes of work (a forked second process): the same files as in one,
and every way the second lane can fail ends as it would in one process."""

from __future__ import annotations

import io
import multiprocessing
import os
import threading
import time
import zipfile
from pathlib import Path

import pytest

from spie_graph.errors import ArgumentError, DatasetError, Problem
from spie_graph.report import lanes, parts
from spie_graph.report import run as run_module
from spie_graph.report.run import run_report


@pytest.fixture
def two_cores(monkeypatch):
    """Two lanes allowed whatever the machine (the CI's has two cores; a laptop may have
    more)."""
    monkeypatch.delenv(lanes.ENV_PROCESSES, raising=False)
    monkeypatch.setattr(lanes.os, "cpu_count", lambda: 2)


@pytest.fixture
def lane_spy(monkeypatch):
    """Counts the second lanes started."""
    started: list[int] = []
    start = lanes.Lane.start

    def counting(self, work):
        started.append(1)
        return start(self, work)

    monkeypatch.setattr(lanes.Lane, "start", counting)
    return started


def _contents(folder: Path) -> dict[str, bytes | dict[str, bytes]]:
    """Each file's bytes; a DOCX or XLSX package's members but its date
    (``docProps/core.xml``, written to the second)."""
    found: dict[str, bytes | dict[str, bytes]] = {}
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                found[path.name] = {name: package.read(name) for name in package.namelist()
                                    if name != "docProps/core.xml"}
        else:
            found[path.name] = data
    return found


def test_two_lanes_write_the_same_report_as_one(demo_graph, tmp_path, monkeypatch, two_cores,
                                                lane_spy):
    monkeypatch.setenv(lanes.ENV_PROCESSES, "1")
    one = _contents(run_report("morbihan", demo_graph, tmp_path / "un"))
    assert not lane_spy
    monkeypatch.delenv(lanes.ENV_PROCESSES)
    two = _contents(run_report("morbihan", demo_graph, tmp_path / "deux"))
    assert lane_spy == [1]
    assert len(one) == 28 and one.keys() == two.keys()
    for name in one:
        assert one[name] == two[name], name
    assert multiprocessing.active_children() == []


def test_two_lanes_on_a_territory_where_some_actors_do_not_work(demo_graph, tmp_path,
                                                                monkeypatch, two_cores,
                                                                lane_spy):
    monkeypatch.setenv(lanes.ENV_PROCESSES, "1")
    one = _contents(run_report("morbihan", demo_graph, tmp_path / "un", "200067932"))
    monkeypatch.delenv(lanes.ENV_PROCESSES)
    two = _contents(run_report("morbihan", demo_graph, tmp_path / "deux", "200067932"))
    assert lane_spy == [1] and one == two


def _failing_in_the_second_lane(monkeypatch, failure):
    def broken(ctx):
        failure()
        return parts.ReportPart({}, "")

    monkeypatch.setattr(run_module, "SIDE_PARTS", frozenset({*parts.SIDE_PARTS, broken}))
    _only_the_child_takes_tasks(monkeypatch)
    return [parts.stats_part, broken, parts.duplicates_part]


def _only_the_child_takes_tasks(monkeypatch):
    """This process leaves every shared part to the child (a failing part must not run
    in pytest's own process)."""
    monkeypatch.setattr(run_module, "_take", lambda *args: None)


def _untouched(tmp_path: Path, previous: Path, before: dict) -> None:
    """The previous report as it was; no staging folder (the lanes' results were in it)."""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["morbihan"]
    assert _contents(previous) == before
    assert multiprocessing.active_children() == []


@pytest.fixture
def previous(demo_graph, tmp_path):
    """A report already there."""
    folder = run_report("morbihan", demo_graph, tmp_path, parts=[parts.stats_part])
    return folder, _contents(folder)


def test_an_error_in_the_second_lane_is_raised_here(demo_graph, tmp_path, monkeypatch,
                                                    two_cores, lane_spy, previous):
    def fail():
        raise ArgumentError("territoire inconnu : 99999 ; choisissez un code de la liste")

    chosen = _failing_in_the_second_lane(monkeypatch, fail)
    with pytest.raises(ArgumentError, match="territoire inconnu : 99999") as raised:
        run_report("morbihan", demo_graph, tmp_path, parts=chosen)
    assert lane_spy == [1, 1]  # the previous report, then this one
    assert "Dans le second processus de calcul" in "\n".join(raised.value.__notes__)
    assert "in fail" in "\n".join(raised.value.__notes__)  # the child's traceback
    _untouched(tmp_path, *previous)


def test_an_error_that_cannot_travel_keeps_its_message(demo_graph, tmp_path, monkeypatch,
                                                       two_cores, previous):
    def fail():  # its class cannot be rebuilt from its message alone
        raise DatasetError("jeu", [Problem("acteurs.csv", 3, "nom", "", "nom manquant")])

    chosen = _failing_in_the_second_lane(monkeypatch, fail)
    with pytest.raises(lanes.LaneError) as raised:
        run_report("morbihan", demo_graph, tmp_path, parts=chosen)
    assert str(raised.value).startswith("le second processus de calcul a échoué : le jeu de "
                                        "données « jeu » contient 1 erreur")
    assert "acteurs.csv, ligne 3, champ « nom » : nom manquant" in str(raised.value)
    _untouched(tmp_path, *previous)


def test_a_second_lane_that_dies_is_a_french_error(demo_graph, tmp_path, monkeypatch,
                                                   two_cores, previous):
    chosen = _failing_in_the_second_lane(monkeypatch, lambda: os._exit(3))
    with pytest.raises(lanes.LaneError, match=r"s'est arrêté sans finir \(code de sortie 3\)"
                       ) as raised:
        run_report("morbihan", demo_graph, tmp_path, parts=chosen)
    assert f"{lanes.ENV_PROCESSES}=1" in str(raised.value)
    _untouched(tmp_path, *previous)


def test_an_interruption_here_stops_the_second_lane(demo_graph, tmp_path, monkeypatch,
                                                    two_cores, previous):
    """Ctrl-C while the second lane works: it is stopped at once, nothing is left."""
    def interrupted(ctx):
        raise KeyboardInterrupt

    chosen = _failing_in_the_second_lane(monkeypatch, lambda: time.sleep(60))
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_report("morbihan", demo_graph, tmp_path, parts=[*chosen, interrupted])
    assert time.monotonic() - began < 30
    _untouched(tmp_path, *previous)


def test_when_a_second_lane_runs(monkeypatch):
    monkeypatch.delenv(lanes.ENV_PROCESSES, raising=False)
    monkeypatch.setattr(lanes.os, "cpu_count", lambda: 2)
    assert lanes.available()
    monkeypatch.setenv(lanes.ENV_PROCESSES, "1")
    assert not lanes.available()  # refused
    monkeypatch.setenv(lanes.ENV_PROCESSES, "2")
    assert lanes.available()
    monkeypatch.setattr(lanes.os, "cpu_count", lambda: 1)
    assert not lanes.available()  # one core
    monkeypatch.setattr(lanes.os, "cpu_count", lambda: None)
    assert not lanes.available()  # unknown
    monkeypatch.setattr(lanes.os, "cpu_count", lambda: 2)
    done = threading.Event()
    worker = threading.Thread(target=done.wait)
    worker.start()
    try:
        assert not lanes.available()  # a fork would copy the thread's locks, not the thread
    finally:
        done.set()
        worker.join()
    monkeypatch.setattr(lanes.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert not lanes.available()  # Windows
    for wrong in ("0", "deux", "-1"):
        monkeypatch.setenv(lanes.ENV_PROCESSES, wrong)
        with pytest.raises(ArgumentError,
                           match=f"la variable SPIE_GRAPH_PROCESSUS vaut « {wrong} » : indiquez 1"):
            lanes.available()


def test_each_task_is_taken_once_by_whichever_process_asks(two_cores, tmp_path):
    tasks = lanes.Tasks(2000)
    with lanes.Lane(tmp_path) as lane:
        lane.start(lambda lane: lane.put("taken", list(iter(tasks.take, None))))
        here = list(iter(tasks.take, None))
        there = lane.get("taken")
    assert sorted(here + there) == list(range(2000))
    assert tasks.take() is None and lanes.Tasks(0).take() is None


def test_the_parts_left_are_run_by_the_process_free_first(demo_graph, tmp_path, monkeypatch,
                                                          two_cores):
    """A slow part keeps one process busy: the other runs the parts left, whichever it is;
    rapport.md keeps the parts' order."""
    def stamped(name, pause=0.0):
        def part(ctx):
            time.sleep(pause)
            return parts.ReportPart({f"{name}.txt": str(os.getpid())}, f"## {name}")
        part.__name__ = name
        return part

    slow, first, second = stamped("lente", 2.0), stamped("premiere"), stamped("seconde")
    monkeypatch.setattr(run_module, "SIDE_PARTS", frozenset({slow, first, second}))
    folder = run_report("morbihan", demo_graph, tmp_path,
                        parts=[slow, parts.duplicates_part, first, second])
    slow_pid, *others = ((folder / f"{name}.txt").read_text()
                         for name in ("lente", "premiere", "seconde"))
    assert slow_pid not in others  # while one process sleeps, the other runs the rest
    assert len({slow_pid, *others}) == 2 and str(os.getpid()) in {slow_pid, *others}
    text = (folder / "rapport.md").read_text(encoding="utf-8")
    order = [text.index(f"## {title}") for title in
             ("lente", "Accompagnements en double", "premiere", "seconde")]
    assert order == sorted(order)


def test_the_command_says_in_french_that_a_lane_died(runner, demo_path, tmp_path, monkeypatch,
                                                     two_cores):
    """Through the CLI: a French message with the way out, exit status 1, no traceback, no
    folder written."""
    from spie_graph.cli import main

    def dying(ctx):
        os._exit(9)

    monkeypatch.setattr(run_module, "SIDE_PARTS", frozenset({*parts.SIDE_PARTS, dying}))
    monkeypatch.setattr(run_module, "PARTS", [*parts.PARTS, dying])
    _only_the_child_takes_tasks(monkeypatch)
    monkeypatch.setenv("SPIE_GRAPH_SANS_CACHE", "1")
    result = runner.invoke(main, ["report", "--dataset", str(demo_path), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "le second processus de calcul s'est arrêté sans finir (code de sortie 9)" \
        in result.output
    assert f"{lanes.ENV_PROCESSES}=1" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_command_says_so_in_french(runner, demo_path, monkeypatch):
    import signal

    from spie_graph import api
    from spie_graph.cli import main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "report", interrupted)
    handler = signal.getsignal(signal.SIGINT)
    result = runner.invoke(main, ["report", "--dataset", str(demo_path)])
    assert signal.getsignal(signal.SIGINT) is handler  # held while exiting, given back after
    assert result.exit_code == 130
    assert "Commande interrompue (Ctrl-C) : aucun fichier n'est laissé à moitié écrit" \
        in result.output and "Aborted" not in result.output


def test_a_full_disk_in_the_second_lane_is_a_french_error(demo_graph, tmp_path, monkeypatch,
                                                          two_cores, previous):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(lanes.pickle, "dump", full)  # in the child too: it is forked
    _only_the_child_takes_tasks(monkeypatch)
    with pytest.raises(lanes.LaneError, match="impossible d'écrire les résultats du second "
                       r"processus de calcul dans « .*/\.morbihan\..*/\.voies-.* » \(No space "
                       r"left on device\) ; libérez de la place") as raised:
        run_report("morbihan", demo_graph, tmp_path)
    assert f"{lanes.ENV_PROCESSES}=1" in str(raised.value)
    _untouched(tmp_path, *previous)


def test_a_second_ctrl_c_cannot_cut_a_clean_up_short():
    import signal

    from spie_graph.files import uninterrupted

    before = signal.getsignal(signal.SIGINT)
    with uninterrupted():
        os.kill(os.getpid(), signal.SIGINT)  # dropped: no KeyboardInterrupt here
        time.sleep(0.05)
    assert signal.getsignal(signal.SIGINT) is before
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(uninterrupted().__enter__()))
    worker.start()
    worker.join()
    assert seen == [None] and signal.getsignal(signal.SIGINT) is before  # not the main thread


def _where(log: Path, lane_spy: list[int]):
    """Work beside the report that notes which process ran it, and how many lanes had
    started then."""
    def beside():
        log.write_text(f"{os.getpid()} {len(lane_spy)}")
    return beside


def _waiting_for(log: Path):
    """A part that waits until the work beside the report is done (by the other process)."""
    def waiting(ctx):
        for _ in range(600):
            if log.exists():
                return parts.ReportPart({}, "")
            time.sleep(0.05)
        raise AssertionError("the other process never did the work beside the report")
    return waiting


@pytest.mark.parametrize("busy", ["here", "second lane"])
def test_the_work_beside_the_report_is_done_by_the_process_free_first(
        demo_graph, tmp_path, monkeypatch, two_cores, lane_spy, busy):
    log = tmp_path / "beside"
    waiting = _waiting_for(log)
    if busy == "second lane":  # a side part the second lane alone takes
        monkeypatch.setattr(run_module, "SIDE_PARTS", frozenset({*parts.SIDE_PARTS, waiting}))
        _only_the_child_takes_tasks(monkeypatch)
    run_report("morbihan", demo_graph, tmp_path / "out", parts=[*parts.PARTS, waiting],
               beside=_where(log, lane_spy))
    pid, started = map(int, log.read_text().split())
    assert (pid == os.getpid()) == (busy == "second lane") and started == 1
    assert len(list((tmp_path / "out" / "morbihan").iterdir())) == 28
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("how", ["large graph", "one process"])
def test_the_work_beside_is_done_here_first_on_a_large_graph_or_in_one_process(
        demo_graph, tmp_path, monkeypatch, two_cores, lane_spy, how):
    if how == "large graph":
        monkeypatch.setattr(run_module, "BESIDE_MAX_NODES", demo_graph.number_of_nodes() - 1)
    else:
        monkeypatch.setenv(lanes.ENV_PROCESSES, "1")
    log = tmp_path / "beside"
    run_report("morbihan", demo_graph, tmp_path / "out", beside=_where(log, lane_spy))
    assert log.read_text() == f"{os.getpid()} 0"  # here, before any lane started
    assert lane_spy == ([1] if how == "large graph" else [])


def test_an_interruption_removes_what_the_second_lane_writes_beside(demo_graph, tmp_path,
                                                                   monkeypatch, two_cores,
                                                                   previous):
    """Ctrl-C here while the second lane writes the cache: the lane is stopped and leaves
    its blocks as on an error, so the cache file half written is removed."""
    from spie_graph.files import atomic_file

    inside = tmp_path.parent / f"{tmp_path.name}-inside"
    cache = tmp_path.parent / f"{tmp_path.name}-cache"

    def beside():
        with atomic_file(cache / "graphe.pickle") as handle:
            handle.write(b"half")
            inside.touch()
            time.sleep(60)

    def interrupted(ctx):
        for _ in range(600):  # until the second lane is inside the block
            if inside.exists():
                raise KeyboardInterrupt
            time.sleep(0.05)
        raise AssertionError("the second lane never started its work beside")

    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_report("morbihan", demo_graph, tmp_path, parts=[parts.stats_part, interrupted],
                   beside=beside)
    assert time.monotonic() - began < 30
    assert list(cache.iterdir()) == []  # neither the file nor its temporary file
    _untouched(tmp_path, *previous)
