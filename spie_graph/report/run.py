"""The main job: run every analysis once on a data set and write the results.

``run_report`` checks the territory, computes the findings once
(:func:`spie_graph.analyses.findings.compute_findings`), hands them to every
part (:mod:`spie_graph.report.parts`) and writes ``exports/<data set>/``
whole or not at all (:func:`spie_graph.files.writing_folder`): each part's
files go to the staging folder as soon as the part has made them, and are
dropped from memory (a national report writes close to a gigabyte).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from spie_graph.analyses.findings import compute_findings
from spie_graph.files import FolderWriter, writing_folder
from spie_graph.graph.build import collector_paused, default_territory
from spie_graph.reference.checks import check_territoire
from spie_graph.reference.referentials import referentials
from spie_graph.render.tables import Sheet
from spie_graph.report.parts import PARTS, Part, ReportContext, header, workbook

__all__ = ["report_context", "run_report"]


def report_context(dataset: str, graph: nx.MultiDiGraph, territoire: str | None = None,
                   provenance: list[str] | None = None) -> ReportContext:
    """The report's context: the territory checked, every analysis computed once;
    ``provenance``: what the import of the data set left out, in French."""
    refs = referentials()
    code = check_territoire(territoire or default_territory(graph), refs)
    return ReportContext(dataset, graph, code, compute_findings(graph, code, refs=refs), refs,
                         list(provenance or []))


def run_report(dataset: str, graph: nx.MultiDiGraph, out_root: Path | str = "exports",
               territoire: str | None = None, parts: list[Part] | None = None,
               provenance: list[str] | None = None) -> Path:
    """Write every part of the report under ``out_root/<dataset>/`` and return that folder.

    Raises
    ------
    ArgumentError
        For an unknown territory, before anything is computed or written.
    ExportError
        When the folder cannot be written; the previous one is then left as it was.
    """
    # The report makes millions of rows and almost no cycle: with the collector running,
    # its passes walked the graph, then the findings and rows, again and again (a third
    # of the time at 2,000 actors, quadratic at 100,000).
    with collector_paused():
        return _write_report(report_context(dataset, graph, territoire, provenance),
                             Path(out_root) / dataset, PARTS if parts is None else parts)


def _write_report(ctx: ReportContext, folder: Path, parts: list[Part]) -> Path:
    with writing_folder(folder) as out:
        sections = [header(ctx)]
        tables = []
        for part in parts:
            section, made = _run_part(part, ctx, out)
            sections.append(section)
            tables += made
        out.write("rapport.md", "\n\n".join(filter(None, sections)) + "\n")
        if tables:
            out.write("rapport.xlsx", workbook(ctx, tables))
    return folder


def _run_part(part: Part, ctx: ReportContext, out: FolderWriter) -> tuple[str, list[Sheet]]:
    """Run a part and write its files; return its section and its tables. Its files are
    dropped from memory on return (hundreds of megabytes at 100,000 actors)."""
    output = part(ctx)
    for name, content in output.files.items():
        out.write(name, content)
    return output.section, output.tables
