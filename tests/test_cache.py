"""The cache of built graphs: a second question skips the build, a changed file misses it."""

import shutil

import networkx as nx

from spie_graph import api
from spie_graph.graph.coverage import CoverageIndex, CoverageQuery
from spie_graph.store import cache

QUERY = CoverageQuery(thematique="mobilite", territoire="56")


def test_an_unchanged_data_set_is_read_from_the_cache(demo_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SPIE_GRAPH_CACHE", str(tmp_path / "cache"))
    folder = shutil.copytree(demo_path, tmp_path / "morbihan")
    first = api.load_graph(folder)
    entries = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(entries) == 1 and entries[0].endswith(".graph.pickle")
    # The cached graph is used: the data set is not read again.
    monkeypatch.setattr(api, "load_dataset", lambda path: (_ for _ in ()).throw(AssertionError))
    second = api.load_graph(folder)
    assert nx.utils.graphs_equal(first, second)
    assert dict(first.nodes(data=True)) == dict(second.nodes(data=True))
    rows = api.who_covers(folder, QUERY)
    assert rows and (tmp_path / "cache").joinpath(entries[0].replace("graph", "index")).exists()
    assert api.who_covers(folder, QUERY) == rows


def test_a_changed_file_misses_the_cache(demo_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SPIE_GRAPH_CACHE", str(tmp_path / "cache"))
    folder = shutil.copytree(demo_path, tmp_path / "morbihan")
    before = api.who_covers(folder, QUERY)
    services = folder / "services.csv"
    lines = services.read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if "mobilite" not in line]
    services.write_text("\n".join(kept) + "\n", encoding="utf-8")
    after = api.who_covers(folder, QUERY)
    assert before and not after
    assert len(list((tmp_path / "cache").iterdir())) == 4  # two keys, graph and index each


def test_the_cache_can_be_bypassed_or_deleted(demo_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SPIE_GRAPH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SPIE_GRAPH_SANS_CACHE", "1")
    assert cache.cache_folder() is None
    api.load_graph(demo_path)
    assert not (tmp_path / "cache").exists()
    monkeypatch.delenv("SPIE_GRAPH_SANS_CACHE")
    api.load_graph(demo_path)
    key = cache.dataset_key(demo_path, "morbihan")
    (tmp_path / "cache" / f"{key}.graph.pickle").write_bytes(b"not a pickle")
    assert api.load_graph(demo_path).graph["dataset"] == "morbihan"  # rebuilt
    shutil.rmtree(tmp_path / "cache")
    assert api.load_graph(demo_path).graph["dataset"] == "morbihan"


def test_the_cache_is_private_and_ignores_entries_others_could_write(demo_path, tmp_path,
                                                                     monkeypatch):
    """Pickles are only read from the user's own, unshared folder."""
    monkeypatch.setenv("SPIE_GRAPH_CACHE", str(tmp_path / "cache"))
    folder = shutil.copytree(demo_path, tmp_path / "morbihan")
    api.load_graph(folder)
    store = tmp_path / "cache"
    (entry,) = store.iterdir()
    assert store.stat().st_mode & 0o777 == 0o700
    assert entry.stat().st_mode & 0o777 == 0o600
    key = entry.name.split(".")[0]
    assert cache.read(key, "graph") is not None
    entry.chmod(0o666)  # anyone could have replaced it: never unpickled
    assert cache.read(key, "graph") is None
    entry.chmod(0o600)
    store.chmod(0o777)
    assert cache.read(key, "graph") is None


def test_repeated_questions_in_one_process_read_nothing_again(demo_path, tmp_path, monkeypatch):
    """The library keeps the who-covers index while the files are unchanged: a second
    question neither hashes nor unpickles anything; a rewritten file is seen at once."""
    monkeypatch.setenv("SPIE_GRAPH_CACHE", str(tmp_path / "cache"))
    folder = shutil.copytree(demo_path, tmp_path / "morbihan")
    first = api.who_covers(folder, QUERY)
    monkeypatch.setattr(cache, "dataset_key", lambda *args: (_ for _ in ()).throw(
        AssertionError("hashed again")))
    assert api.who_covers(folder, QUERY) == first
    assert api.who_covers(folder, CoverageQuery(thematique="sante", territoire="56"))
    monkeypatch.undo()
    monkeypatch.setenv("SPIE_GRAPH_CACHE", str(tmp_path / "cache"))
    services = folder / "services.csv"
    lines = services.read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if "mobilite" not in line]
    services.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert first and not api.who_covers(folder, QUERY)
    monkeypatch.setenv("SPIE_GRAPH_SANS_CACHE", "1")  # bypasses the process's memory too
    built = []

    def build(path):
        built.append(path)
        return CoverageIndex.of_graph(api.load_graph(path))

    monkeypatch.setattr(api, "_coverage_index", build)
    api.who_covers(folder, QUERY)
    api.who_covers(folder, QUERY)
    assert len(built) == 2


def test_the_report_leaves_the_graph_in_the_cache(demo_path, tmp_path, monkeypatch):
    """In two processes the second writes the cache once it has nothing else to do; the
    command waits for it: the next question reads the graph from the cache."""
    from spie_graph.report import lanes

    monkeypatch.setenv("SPIE_GRAPH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(lanes.ENV_PROCESSES, raising=False)
    monkeypatch.setattr(lanes.os, "cpu_count", lambda: 2)
    folder = shutil.copytree(demo_path, tmp_path / "morbihan")
    api.report(folder, tmp_path / "exports")
    entries = [p.name for p in (tmp_path / "cache").iterdir()]
    assert len(entries) == 1 and entries[0].endswith(".graph.pickle")
    monkeypatch.setattr(api, "load_dataset", lambda path: (_ for _ in ()).throw(AssertionError))
    assert api.load_graph(folder).graph["dataset"] == "morbihan"
