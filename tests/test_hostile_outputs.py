"""Hostile data through the outputs: every writer escapes or strips what its format forbids,
files get ordinary modes, output folders are replaced atomically, imports keep data as is."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys

import networkx as nx
import openpyxl
import pytest
from lxml import etree

from spie_graph.cli import main
from spie_graph.files import atomic_file, markdown_text, write_atomic, write_folder, xml_text
from spie_graph.graph.build import build_graph, node_key
from spie_graph.render.exports import to_gexf, to_graphml, to_kumu
from spie_graph.sources.data_inclusion import import_data_inclusion
from spie_graph.sources.validation import load_dataset
from tests.hostile import ACTEURS, SERVICES

CONTROL = "Nom\x01avec\x0bdes\x1fcontrôles\x00"


def hostile_graph(make_dataset) -> nx.MultiDiGraph:
    """A valid data set's graph, then control characters put in, as a Neo4j store could."""
    graph = build_graph(load_dataset(make_dataset("ctrl", acteurs=ACTEURS, services=SERVICES)))
    graph.nodes[node_key("Acteur", "cd56")]["nom"] = CONTROL
    graph.nodes[node_key("Acteur", "cd56")]["missions"] = "=1+1\x02"
    return graph


def test_xml_text_strips_what_xml_forbids():
    assert xml_text(CONTROL) == "Nomavecdescontrôles"
    assert xml_text("tab\tnew\nline\r\u00e9\U0001F600") == "tab\tnew\nline\r\u00e9\U0001F600"


def test_graphml_and_gexf_stay_valid_xml(make_dataset):
    graph = hostile_graph(make_dataset)
    for content in (to_graphml(graph), to_gexf(graph)):
        root = etree.fromstring(content)  # a strict XML parser: raises on a forbidden character
        assert "Nomavecdescontrôles" in etree.tostring(root, encoding="unicode")
    back = nx.read_graphml(io.BytesIO(to_graphml(graph)))
    assert back.nodes[node_key("Acteur", "cd56")]["label"] == "Nomavecdescontrôles"


def test_kumu_workbook_opens_and_runs_no_formula(make_dataset):
    book = openpyxl.load_workbook(io.BytesIO(to_kumu(hostile_graph(make_dataset))))
    cells = [cell for row in book.worksheets[0].iter_rows() for cell in row]
    assert "Nomavecdescontrôles" in [cell.value for cell in cells]
    formula = [cell for cell in cells if cell.value in ("=1+1", "'=1+1")]
    assert formula and all(cell.data_type == "s" for cell in formula)  # text, not a formula


def test_rapport_md_escapes_names_and_ids(make_dataset, runner, tmp_path):
    acteurs = [{**ACTEURS[0], "id": "cd|56", "nom": "<script>alert(1)</script> | *gras*"},
               {**ACTEURS[1], "nom": "France [Travail](http://x)"}]
    consortium = {"nom": "SPIE <b>| test", "porteur": "cd|56",
                  "membres": [{"acteur": "cd|56", "role": "porteur", "lettre_engagement": True}]}
    services = [{**SERVICES[0], "acteur": "cd|56"}]
    path = make_dataset("md", acteurs=acteurs, services=services, consortium=consortium)
    result = runner.invoke(main, ["report", "--dataset", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "md" / "rapport.md").read_text("utf-8")
    assert "<script>" not in text and "<b>" not in text
    assert "France \\[Travail\\](http://x)" in text  # shown as written, not a link
    assert "SPIE \\<b\\>\\| test" in text
    assert markdown_text("cd|56") == "cd\\|56"


def test_files_get_ordinary_modes(tmp_path):
    previous = os.umask(0o022)
    try:
        single = write_atomic(tmp_path / "a.txt", "x")
        folder = write_folder(tmp_path / "dossier", {"f.txt": "y"})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(single.stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / "f.txt").stat().st_mode) == 0o644


def test_a_file_written_as_it_goes_is_whole_or_not_at_all(tmp_path):
    """atomic_file (the cache's pickled graphs): a block that fails half-way leaves the
    previous file as it was and no temporary file."""
    target = write_atomic(tmp_path / "graphe.pickle", b"ancien")
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as handle:
        handle.write(b"moiti")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["graphe.pickle"]
    with atomic_file(target) as handle:
        handle.write(b"neuf")
    assert target.read_bytes() == b"neuf" and len(list(tmp_path.iterdir())) == 1


def test_a_killed_run_leaves_nothing_after_the_next_one(tmp_path):
    """A run killed while writing its folder: the next run removes what it left."""
    script = (
        "import os, sys, signal\n"
        "from spie_graph.files import write_folder\n"
        "def killed(staging):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        f"write_folder({str(tmp_path / 'sortie')!r}, {{'a.txt': 'neuf'}}, check=killed)\n"
    )
    write_folder(tmp_path / "sortie", {"a.txt": "ancien"})
    done = subprocess.run([sys.executable, "-c", script], check=False)
    assert done.returncode == -9
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".sortie.")]
    write_folder(tmp_path / "sortie", {"b.txt": "suivant"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sortie"]
    assert [p.name for p in (tmp_path / "sortie").iterdir()] == ["b.txt"]


def test_the_output_folder_never_goes_missing(tmp_path):
    """While another run replaces it, the folder is always there (one atomic exchange)."""
    target = tmp_path / "sortie"
    write_folder(target, {"a.txt": "0"})
    watcher = subprocess.Popen(
        [sys.executable, "-c",
         "import os, sys, time\n"
         "end = time.monotonic() + 3\n"
         "while time.monotonic() < end:\n"
         f"    if not os.path.isdir({str(target)!r}): sys.exit(1)\n"])
    for round_ in range(200):
        write_folder(target, {"a.txt": str(round_)})
        if watcher.poll() is not None:
            break
    assert watcher.wait() == 0, "le dossier de sortie a manqué pendant un remplacement"


def test_data_inclusion_import_keeps_values_verbatim(tmp_path):
    structures = tmp_path / "structures.csv"
    with structures.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "id", "nom", "siret", "description", "commune", "code_insee",
                         "reseaux_porteurs", "date_maj"])
        writer.writerow(["dora", "=1+1", "=HYPERLINK(\"http://x\")", "", "-2 ateliers", "Vannes",
                         "56260", "['mission-locale']", "2026-03-02"])
    out = tmp_path / "ds"
    import_data_inclusion(structures, None, out)
    rows = list(csv.DictReader((out / "acteurs.csv").open(encoding="utf-8-sig"), delimiter=";"))
    assert rows and rows[0]["id"] == "=1+1"
    assert rows[0]["nom"] == "=HYPERLINK(\"http://x\")"
    assert all(not value.startswith("'") for row in rows for value in row.values() if value)


def test_html_annex_and_map_hold_no_control_character(make_dataset):
    from spie_graph.render.annex import collect_annex, page_html, sheets_html
    from spie_graph.render.map import build_map

    graph = hostile_graph(make_dataset)
    annex = collect_annex(graph)
    pages = (page_html(annex), sheets_html(annex), build_map(graph).html)
    for html in pages:
        assert not any(char in html for char in "\x00\x01\x0b\x1f"), "caractère de contrôle"
    assert "Nomavecdescontrôles" in pages[0] + pages[1]
