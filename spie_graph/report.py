"""The main job: run every analysis on a data set and write the results.

``run_report`` writes ``exports/<data set>/`` whole or not at all: parts are
written into a temporary folder that replaces the previous one at the end.
Each part is a function of a :class:`ReportContext` that returns the files it
writes and a section of ``rapport.md``; later features add parts to ``PARTS``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import networkx as nx

from .coverage import CoverageQuery, who_covers
from .errors import ExportError
from .graph import default_territory
from .output import to_csv, to_json
from .referentials import Referentials, referentials
from .stats import graph_stats, stats_rows

__all__ = ["ReportContext", "ReportPart", "default_parts", "run_report"]


@dataclass
class ReportContext:
    """What every part of the report may read."""

    dataset: str
    graph: nx.MultiDiGraph
    territoire: str
    refs: Referentials = field(default_factory=referentials)
    _findings: object = field(default=None, init=False, repr=False)

    def findings(self):  # -> profiles.Findings | None
        """What the analyses found, computed once for every part that shows it."""
        if self._findings is None:
            from .profiles import analyses_findings

            self._findings = analyses_findings(self.graph, self.territoire, refs=self.refs)
        return self._findings


@dataclass
class ReportPart:
    """A part's output: files (name → content) and a Markdown section."""

    files: dict[str, str | bytes]
    section: str


Part = Callable[[ReportContext], ReportPart]


def stats_part(ctx: ReportContext) -> ReportPart:
    stats = graph_stats(ctx.graph, ctx.refs)
    a, s, i = stats["acteurs"], stats["services"], stats["interactions"]
    famille = ", ".join(f"{ctx.refs.familles[k].libelle} ({v})"
                        for k, v in list(a["par_famille"].items())[:8])
    moments = ", ".join(f"{ctx.refs.moments[k].lower()} : {v}" for k, v in s["par_moment"].items())
    section = "\n".join([
        "## Chiffres clés",
        "",
        f"- {a['total']} acteurs de {len(a['par_famille'])} familles ; les plus nombreuses : "
        f"{famille}.",
        f"- {s['total']} services ; par moment du parcours : {moments}.",
        f"- {i['total']} interactions entre acteurs.",
        f"- {stats['territoire']['communes_couvertes']} communes couvertes par au moins un "
        f"service ({stats['territoire']['population_couverte']:,} habitants)."
        .replace(",", "\u202f"),
    ])
    return ReportPart({"statistiques.json": to_json(stats),
                       "statistiques.csv": to_csv(stats_rows(stats, ctx.refs))}, section)


def coverage_part(ctx: ReportContext) -> ReportPart:
    """Who covers each SPIE need in each EPCI of the territory."""
    terr = ctx.refs.territoires
    zones = terr.epcis_in(ctx.territoire) if terr.kind(ctx.territoire) != "commune" else []
    zones = zones or [ctx.territoire]
    rows, table = [], []
    for zone in zones:
        counts = []
        for need in ctx.refs.besoins_spie:
            found = who_covers(ctx.graph, CoverageQuery(thematique=need, territoire=zone))
            for row in found:
                rows.append({"territoire": zone, "nom_territoire": terr.name(zone),
                             "besoin": need, **row.model_dump()})
            total = sum(r.couverture == "total" for r in found)
            counts.append(f"{len(found)} ({total} tot.)" if found else "**aucun**")
        table.append(f"| {terr.name(zone)} | " + " | ".join(counts) + " |")
    header = " | ".join(ctx.refs.thematiques[n].libelle for n in ctx.refs.besoins_spie)
    section = "\n".join([
        "## Couverture des besoins par territoire",
        "",
        "Nombre de services qui couvrent chaque besoin (dont ceux qui couvrent tout le "
        "territoire).",
        "",
        f"| Territoire | {header} |",
        "|" + "---|" * (len(ctx.refs.besoins_spie) + 1),
        *table,
    ])
    return ReportPart({"couverture.csv": to_csv(rows), "couverture.json": to_json(rows)}, section)


def default_parts() -> list[Part]:
    """Every part of the report, in the order of ``rapport.md``."""
    from .analyses.report_parts import PARTS as analyses
    from .annex import annex_part
    from .exports import exports_part
    from .map import map_part

    return [stats_part, coverage_part, *analyses, map_part, annex_part, exports_part]


def _header(ctx: ReportContext) -> str:
    terr = ctx.refs.territoires
    return "\n".join([
        f"# Cartographie des acteurs : {ctx.dataset}",
        "",
        f"Territoire : {terr.label(ctx.territoire)}. Rapport produit le "
        f"{date.today().strftime('%d/%m/%Y')} par spie-graph.",
    ])


def run_report(dataset: str, graph: nx.MultiDiGraph, out_root: Path | str = "exports",
               territoire: str | None = None, parts: list[Part] | None = None) -> Path:
    """Write every part of the report under ``out_root/<dataset>/`` and return that folder."""
    out_root = Path(out_root)
    ctx = ReportContext(dataset, graph, territoire or default_territory(graph))
    outputs = [part(ctx) for part in (parts or default_parts())]
    target = out_root / dataset
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=out_root, prefix=f".{dataset}."))
        try:
            sections = [_header(ctx)]
            for output in outputs:
                for name, content in output.files.items():
                    data = content.encode("utf-8") if isinstance(content, str) else content
                    (staging / name).write_bytes(data)
                sections.append(output.section)
            (staging / "rapport.md").write_text("\n\n".join(sections) + "\n", encoding="utf-8")
            if target.exists():
                old = target.with_name(f".{dataset}.old")
                shutil.rmtree(old, ignore_errors=True)
                target.rename(old)
                staging.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        raise ExportError(f"impossible d'écrire le rapport dans {target} : "
                          f"{exc.strerror or exc}. Vérifiez le dossier et les droits") from exc
    return target
