"""The main job: run every analysis once on a data set and write the results.

``run_report`` checks the territory, computes the findings once
(:func:`spie_graph.analyses.findings.compute_findings`), hands them to every
part (:mod:`spie_graph.report.parts`) and writes ``exports/<data set>/``
whole or not at all (:func:`spie_graph.files.writing_folder`): each part's
files go to the staging folder as soon as the part has made them, and are
dropped from memory (a national report writes close to a gigabyte).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import networkx as nx

from spie_graph.analyses._common import ServiceView, service_views
from spie_graph.analyses.findings import Findings, compute_findings
from spie_graph.files import FolderWriter, writing_folder
from spie_graph.graph.build import collector_paused, default_territory
from spie_graph.reference.checks import check_territoire
from spie_graph.reference.referentials import referentials
from spie_graph.render.tables import Sheet, SheetXml, sheet_xml
from spie_graph.report import lanes
from spie_graph.report.parts import (
    PARTS,
    SIDE_PARTS,
    Part,
    ReportContext,
    annex_part,
    header,
    workbook,
)

__all__ = ["BESIDE_MAX_NODES", "report_context", "run_report"]

#: The largest graph (nodes) on which the work ``beside`` the report (pickling the graph
#: into the cache) waits for whichever process is free first: once the processes share
#: their pages, the pickling, which touches every object of the graph, copies about the
#: graph's size in memory. The département set has 44,000 nodes, 10,000 actors over France
#: 76,000.
BESIDE_MAX_NODES = 200_000


def report_context(dataset: str, graph: nx.MultiDiGraph, territoire: str | None = None,
                   provenance: list[str] | None = None) -> ReportContext:
    """The report's context: the territory checked, every analysis computed once;
    ``provenance``: what the import of the data set left out, in French."""
    blank = _blank_context(dataset, graph, territoire, provenance)
    return _with_findings(blank, compute_findings(graph, blank.territoire, refs=blank.refs))


def _blank_context(dataset: str, graph: nx.MultiDiGraph, territoire: str | None,
                   provenance: list[str] | None) -> ReportContext:
    """The report's context, the territory checked, before any analysis."""
    refs = referentials()
    code = check_territoire(territoire or default_territory(graph), refs)
    return ReportContext(dataset, graph, code, Findings(territoire=code), refs,
                         list(provenance or []))


def run_report(dataset: str, graph: nx.MultiDiGraph, out_root: Path | str = "exports",
               territoire: str | None = None, parts: list[Part] | None = None,
               provenance: list[str] | None = None,
               beside: Callable[[], object] | None = None) -> Path:
    """Write every part of the report under ``out_root/<dataset>/`` and return that folder.

    On two cores, the duplicates run here while a forked second lane
    (:mod:`spie_graph.report.lanes`) runs the other analyses and the parts that do
    not read them (:data:`~spie_graph.report.parts.SIDE_PARTS`): :func:`_write_in_lanes`;
    elsewhere, all in order here. The files are the same either way.

    ``beside`` is work the report's files do not need (:func:`spie_graph.api.report`
    hands the writing of the data set's cache): in two lanes, on a graph of at most
    :data:`BESIDE_MAX_NODES` nodes, the process that runs out of parts first does it;
    on a larger graph, or in one process, it is done here first.

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
        chosen = PARTS if parts is None else parts
        folder = Path(out_root) / dataset
        in_lanes = lanes.available()
        if beside is not None and not (in_lanes and graph.number_of_nodes() <= BESIDE_MAX_NODES):
            beside()
            beside = None
        if not in_lanes:
            return _write_report(report_context(dataset, graph, territoire, provenance),
                                 folder, chosen)
        return _write_in_lanes(_blank_context(dataset, graph, territoire, provenance), folder,
                               chosen, beside)


def _write_report(ctx: ReportContext, folder: Path, parts: list[Part]) -> Path:
    with writing_folder(folder) as out:
        made = [_run_part(part, ctx, out) for part in parts]
        _write_summary(ctx, made, out)
    return folder


def _write_summary(ctx: ReportContext, made: Sequence[tuple[str, Sequence[Sheet | SheetXml]]],
                   out: FolderWriter) -> None:
    """``rapport.md`` (the header, then each part's section) and ``rapport.xlsx``."""
    sections = [header(ctx)] + [section for section, _ in made]
    out.write("rapport.md", "\n\n".join(filter(None, sections)) + "\n")
    tables = [table for _, made_tables in made for table in made_tables]
    if tables:
        out.write("rapport.xlsx", workbook(ctx, tables))


def _write_in_lanes(blank: ReportContext, folder: Path, parts: list[Part],
                    beside: Callable[[], object] | None = None) -> Path:
    """:func:`_write_report` in two lanes of work (two processes).

    A second lane computes every analysis but the duplicates and hands them back,
    while this process computes the duplicates, then runs the parts that read them
    (:data:`SIDE_PARTS` do not) and any part not listed. The diagnostic's picture and
    the parts of :data:`SIDE_PARTS` are :class:`~spie_graph.report.lanes.Tasks`: the
    second lane takes them one by one after its analyses, and this process takes
    those left when it is done with its own. Read once before the fork, for both:
    the services (:func:`service_views`) and the actors' profiles.

    Notes
    -----
    A third process, forked once the duplicates are known to write their files, was
    measured and dropped: on the département set it added 0.5 s of system time (pages
    copied on write) and took 0.1 s more.
    """
    side = [part for part in parts if part in SIDE_PARTS]
    views = service_views(blank.graph)
    blank.profiles  # noqa: B018 (read once here, shared by both lanes)
    picture = lanes.Tasks(1 if annex_part in parts else 0)
    shared = lanes.Tasks(len(side))
    later = lanes.Tasks(1 if beside is not None else 0)
    made: dict[Part, tuple[str, Sequence[Sheet | SheetXml]]] = {}
    with writing_folder(folder) as out, lanes.Lane(out.path) as lane:
        lane.start(lambda lane: _side_lane(lane, blank, views, out, picture, side, shared,
                                           beside, later))
        duplicates = compute_findings(blank.graph, blank.territoire, with_gaps=False,
                                      with_consortium=False, with_network=False, views=views,
                                      refs=blank.refs)
        others = lane.get("findings")
        ctx = _with_findings(blank, others.model_copy(update={
            "duplicates": duplicates.duplicates, "duplicates_count": duplicates.duplicates_count}))
        for part in parts:
            if part not in SIDE_PARTS:
                if part is annex_part and picture.take() is None:  # drawn in the second lane
                    ctx.__dict__["picture"] = lane.get("picture")
                made[part] = _run_part(part, ctx, out)
        _take(ctx, out, side, shared, made)
        _write_sheets(ctx, made)  # while the second lane ends its last part
        if beside is not None and later.take() is not None:  # the second lane is still busy
            beside()
        for part in side:
            if part not in made:
                made[part] = lane.get(part.__name__)
        _write_summary(ctx, [made[part] for part in parts], out)
        if beside is not None:
            lane.wait()
    return folder


def _take(ctx: ReportContext, out: FolderWriter, parts: list[Part], tasks: lanes.Tasks,
          made: dict[Part, tuple[str, Sequence[Sheet | SheetXml]]]) -> None:
    """Run here the parts of ``tasks`` no process has taken yet, one by one."""
    while (task := tasks.take()) is not None:
        made[parts[task]] = _run_part(parts[task], ctx, out)


def _write_sheets(ctx: ReportContext,
                  made: dict[Part, tuple[str, Sequence[Sheet | SheetXml]]]) -> None:
    """Write here the sheets of ``rapport.xlsx`` of the parts run here (the second lane
    writes those of its parts: :func:`_side_lane`)."""
    for part, (section, tables) in made.items():
        made[part] = (section, _sheets_written(tables, ctx))


def _sheets_written(tables: Sequence[Sheet | SheetXml], ctx: ReportContext) -> list[SheetXml]:
    """The sheets of ``rapport.xlsx`` of a part's tables, written (:func:`sheet_xml`)."""
    return [sheet_xml(t, refs=ctx.refs) if isinstance(t, Sheet) else t for t in tables]


def _side_lane(lane: lanes.Lane, blank: ReportContext, views: list[ServiceView],
               out: FolderWriter, picture: lanes.Tasks, side: list[Part],
               shared: lanes.Tasks, beside: Callable[[], object] | None,
               later: lanes.Tasks) -> None:
    """The second lane: the findings but the duplicates; then, while any is left, the
    diagnostic's picture and the parts of ``side`` (:class:`~spie_graph.report.lanes.Tasks`):
    their files written, their sections and their sheets of ``rapport.xlsx`` (written
    here: :func:`sheet_xml`) handed back; last, the work ``beside`` the report unless this
    process has taken it (``later``)."""
    findings = compute_findings(blank.graph, blank.territoire, with_duplicates=False,
                                views=views, refs=blank.refs)
    lane.put("findings", findings)
    ctx = _with_findings(blank, findings)
    if picture.take() is not None:
        lane.put("picture", ctx.picture)
    while (task := shared.take()) is not None:
        section, tables = _run_part(side[task], ctx, out)
        lane.put(side[task].__name__, (section, _sheets_written(tables, ctx)))
    if beside is not None and later.take() is not None:
        beside()


def _with_findings(ctx: ReportContext, findings: Findings) -> ReportContext:
    """The context with these findings, keeping what it has already read once (its
    cached properties: the actors' profiles, the coverage index, the picture)."""
    found = dataclasses.replace(ctx, findings=findings)
    for name in ("profiles", "coverage", "picture"):
        if name in ctx.__dict__:
            found.__dict__[name] = ctx.__dict__[name]
    return found


def _run_part(part: Part, ctx: ReportContext, out: FolderWriter) -> tuple[str, list[Sheet]]:
    """Run a part and write its files; return its section and its tables. Its files are
    dropped from memory on return (hundreds of megabytes at 100,000 actors)."""
    output = part(ctx)
    for name, content in output.files.items():
        out.write(name, content)
    return output.section, output.tables
