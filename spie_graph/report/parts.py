"""The parts of the report: each writes files and a section of ``rapport.md``.

A part is a function of the :class:`ReportContext`, which holds the graph, the
territory (checked) and the :class:`~spie_graph.analyses.findings.Findings`
computed once by :func:`spie_graph.report.run.run_report`: ``rapport.md``,
``lacunes.csv``, ``carte.html`` and the annex show the same gaps, duplicates
and consortium check.

- :func:`stats_part`: ``statistiques.json``, ``statistiques.csv``;
- :func:`coverage_part`: ``couverture.csv``, ``couverture.json``;
- :func:`provenance_part`: what a data·inclusion import left out (no file);
- :func:`gaps_part`: ``lacunes.csv``, ``lacunes.json``, ``densite_services.csv``;
- :func:`duplicates_part`: ``doublons.csv``, ``doublons.json``;
- :func:`consortium_part`: ``consortium.json`` (none without a consortium);
- :func:`network_part`: ``reseau.json``, ``reseau.csv``;
- :func:`map_part`: ``carte.html``;
- :func:`annex_part`: the page to attach (``annexe.docx``, ``annexe.html``,
  ``annexe.md``), the detailed sheets (``fiches-membres.docx``,
  ``fiches-membres.html``) and the diagnostic (``diagnostic.docx``,
  ``diagnostic.html``, ``diagnostic.md``, ``diagnostic.png``);
- :func:`exports_part`: ``graphe.graphml``, ``graphe.gexf``, ``graphe.json``, ``kumu.xlsx``;
- :func:`workbook`: ``rapport.xlsx``, one sheet per table the parts gave
  (:attr:`ReportPart.tables`), the same rows as their CSV files.

The CSV files are for French Excel (``;``, UTF-8 with BOM, decimal comma,
oui/non, a label beside each code: :func:`spie_graph.render.tables.to_csv`, written in
UTF-8 by :func:`~spie_graph.render.tables.csv_bytes`); the
JSON files are the machine format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import networkx as nx

from spie_graph import french
from spie_graph.analyses.density import Density
from spie_graph.analyses.duplicates import DuplicateGroup
from spie_graph.analyses.findings import Findings
from spie_graph.analyses.stats import graph_stats, stats_rows
from spie_graph.files import markdown_text as md
from spie_graph.graph.coverage import CoverageIndex, CoverageQuery, who_covers
from spie_graph.graph.views import ActorProfile, actor_profiles
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.render.annex import (
    DIRECTORY_MAX,
    annex_listed,
    collect_annex,
    collect_diagnostic,
    diagnostic_docx,
    diagnostic_html,
    diagnostic_markdown,
    diagnostic_picture,
    page_docx,
    page_html,
    page_markdown,
    sheets_docx,
    sheets_html,
)
from spie_graph.render.exports import (
    edge_count,
    gephi_elements,
    node_styles,
    part_of,
    perimeter_size,
    territory_nodes,
    to_gexf,
    to_graphml,
    to_kumu,
)
from spie_graph.render.exports import to_json as graph_json
from spie_graph.render.map import build_map, gap_groups
from spie_graph.render.tables import (
    Sheet,
    SheetXml,
    csv_bytes,
    model_rows,
    models_json,
    table_of,
    to_json,
    to_xlsx,
)
from spie_graph.render.terminal import need_label, rubrique_label

__all__ = ["PARTS", "SIDE_PARTS", "Part", "ReportContext", "ReportPart", "header",
           "workbook"]


@dataclass(frozen=True)
class ReportContext:
    """What every part of the report reads: the analyses are already done."""

    dataset: str
    graph: nx.MultiDiGraph
    territoire: str
    findings: Findings
    refs: Referentials = field(default_factory=referentials)
    provenance: list[str] = field(default_factory=list)   # what an import left out

    @cached_property
    def profiles(self) -> dict[str, ActorProfile]:
        """Every actor's profile, read once for the map, the annex, the diagnostic and the
        Gephi styles."""
        return actor_profiles(self.graph, self.refs)

    @cached_property
    def coverage(self) -> CoverageIndex:
        """The graph's who-covers index, built once for the coverage table and the
        diagnostic."""
        return CoverageIndex.of_graph(self.graph)

    @cached_property
    def picture(self) -> bytes:
        """The diagnostic's picture (``diagnostic.png``): it reads no finding, so a second
        lane of work may draw it while the duplicates are computed."""
        return diagnostic_picture(self.graph, refs=self.refs, profiles=self.profiles)


@dataclass
class ReportPart:
    """A part's output: files (name → content), a Markdown section and its tables.

    ``tables`` become sheets of ``rapport.xlsx`` (:func:`workbook`).
    """

    files: dict[str, str | bytes]
    section: str
    tables: list[Sheet] = field(default_factory=list)


Part = Callable[[ReportContext], ReportPart]


def _part(files: dict[str, str | bytes], lines: list[str],
          tables: list[Sheet] | None = None) -> ReportPart:
    return ReportPart(files, "\n".join(lines), tables or [])


def stats_part(ctx: ReportContext) -> ReportPart:
    stats = graph_stats(ctx.graph, ctx.refs, ctx.territoire)
    a, s, i = stats["acteurs"], stats["services"], stats["interactions"]
    t = stats["territoire"]
    famille = ", ".join(f"{ctx.refs.familles[k].libelle} ({french.number(v)})"
                        for k, v in list(a["par_famille"].items())[:8])
    moments = ", ".join(f"{ctx.refs.moments[k].lower()} : {french.number(v)}"
                        for k, v in s["par_moment"].items())
    place = french.of_territory(ctx.refs.territoires.kind(t["code"]) or "", t["code"], t["nom"])
    section = "\n".join([
        "## Chiffres clés",
        "",
        f"- {french.plural(a['total'], 'acteur')} de "
        f"{french.plural(len(a['par_famille']), 'famille')} ; les plus nombreuses : {famille}.",
        f"- {french.plural(s['total'], 'service')} ; par moment du parcours : {moments}.",
        f"- {french.plural(i['total'], 'interaction')} entre acteurs.",
        f"- {french.plural(t['communes_couvertes'], 'commune')} {place} sur "
        f"{french.number(t['communes'])} "
        f"{'couvertes' if abs(t['communes_couvertes']) >= 2 else 'couverte'} par au moins un "
        f"service ({french.plural(t['population_couverte'], 'habitant')} sur "
        f"{french.number(t['population'])}).",
    ])
    rows = [{"rubrique": row["rubrique"],
             "libelle_rubrique": rubrique_label(row["rubrique"]),
             **{k: v for k, v in row.items() if k != "rubrique"}}
            for row in stats_rows(stats, ctx.refs)]
    table = table_of(rows, refs=ctx.refs)
    return ReportPart({"statistiques.json": to_json(stats),
                       "statistiques.csv": csv_bytes(table)},
                      section, [Sheet("Chiffres clés", table)])


def coverage_part(ctx: ReportContext) -> ReportPart:
    """Who covers each SPIE need in each EPCI of the territory.

    A row per (EPCI analysed, need, service): ``territoire_analyse`` and
    ``nom_territoire_analyse`` name the EPCI (or the territory itself below an
    EPCI), ``zones_du_service`` the zones the service declares.
    """
    terr = ctx.refs.territoires
    zones = terr.epcis_in(ctx.territoire) if terr.kind(ctx.territoire) != "commune" else []
    zones = zones or [ctx.territoire]
    rows, table = [], []
    index = ctx.coverage  # once for every zone × need question
    for zone in zones:
        counts = []
        name = terr.name(zone)
        for need in ctx.refs.besoins_spie:
            found = who_covers(ctx.graph, CoverageQuery(thematique=need, territoire=zone), index)
            for answer in found:  # the row's fields as they are, its area renamed and last
                data = {"territoire_analyse": zone, "nom_territoire_analyse": name,
                        "besoin": need}
                data.update(answer.__dict__)
                data["zones_du_service"] = data.pop("territoire")
                rows.append(data)
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
    cells = table_of(rows, refs=ctx.refs)  # labelled once for the CSV file and the sheet
    return ReportPart({"couverture.csv": csv_bytes(cells), "couverture.json": to_json(rows)},
                      section, [Sheet("Couverture", cells)])


TOP = 10


def _actor_names(ctx: ReportContext) -> dict[str, str]:
    """Actor id → name: human outputs name actors, never by their ids."""
    return {p.id: p.nom for p in ctx.profiles.values()}


NAMES = 8
"""Names listed in one cell or line of rapport.md; the files list them all."""


def _listed(ids: list[str], names: dict[str, str], where: str = "") -> str:
    """« A, B, C » or, past :data:`NAMES`, « A, B… et 12 autres » (``where``: the file that
    lists them all), escaped for Markdown."""
    shown = md(", ".join(names.get(i, i) for i in ids[:NAMES]))
    if len(ids) <= NAMES:
        return shown
    rest = french.plural(len(ids) - NAMES, "autre")
    return f"{shown}… et {rest}" + (f" ({where})" if where else "")


def _need_label(key: str, ctx: ReportContext, groups: dict[str, str]) -> str:
    """``besoin:sante`` → ``Besoin « Santé »``: a candidate key in French."""
    return need_label(key, groups, ctx.refs)


def _mark(ok: bool) -> str:
    return "**rempli**" if ok else "**non rempli**"


def gaps_part(ctx: ReportContext) -> ReportPart:
    """The needs no service covers, most populated first.

    At the findings' level (:func:`spie_graph.analyses.findings.gap_level`):
    commune by commune up to a département, EPCI by EPCI for a région or France.
    """
    result = ctx.findings.gaps
    if result is None:
        return _part({}, [])
    unit = "EPCI" if result.niveau == "epci" else "Commune"
    found = result.lacunes
    rows = [row.model_dump() for row in result.lignes]
    label = {code: ctx.refs.thematiques[code].libelle for code in result.thematiques}
    lines = ["## Lacunes de couverture", "",
             (f"{french.number(len(found))} couples {unit.lower()} × besoin sans aucun service, "
              f"sur {french.number(len(rows))} ({', '.join(label.values())}), comptés "
              + ("EPCI par EPCI." if result.niveau == "epci" else "commune par commune.")
              + " La carte et l'annexe montrent les mêmes lacunes.")]
    groups = [g for g in gap_groups(result, ctx.refs) if g["thematique"]]
    if groups and result.niveau == "commune":
        # One level per list: EPCI by EPCI, with how many of their communes lack the need.
        lines += ["", "Par EPCI, les communes sans aucun service pour un besoin (les plus "
                  "peuplées d'abord) :", "",
                  "| EPCI | Besoin | Communes sans service | Population |", "|---|---|---|---|"]
        lines += [f"| {g['territoire']} ({g['zone']}) | {g['besoin']} | {g['detail']} | "
                  f"{french.number(g['population'])} |" for g in groups[:TOP]]
        if len(groups) > TOP:
            more = french.plural(len(groups) - TOP, "autre ligne", "autres lignes")
            lines.append(f"\n… et {more} : toutes les lacunes sont dans `lacunes.csv`.")
    elif groups:
        lines += ["", f"| {unit} | Besoin | Population |", "|---|---|---|"]
        lines += [f"| {g['territoire']} ({g['zone']}) | {g['besoin']} | "
                  f"{french.number(g['population'])} |" for g in groups[:TOP]]
    missing = result.moments_sans_service
    if missing:
        by_moment = {m: [g for g in missing if g.moment == m] for m in ctx.refs.moments}
        lines += ["", "Moments du parcours qu'aucun service n'atteint :"]
        lines += [f"- {ctx.refs.moments[m]} : {french.plural(len(g), unit.lower())}, "
                  f"{french.number(sum(x.population for x in g))} habitants"
                  for m, g in by_moment.items() if g]
    table = table_of(rows, refs=ctx.refs)
    files: dict[str, str | bytes] = {"lacunes.csv": csv_bytes(table),
                                     "lacunes.json": to_json(result.model_dump())}
    density = ctx.findings.density
    density_table = None
    if density is not None and density.epci:
        density_table = table_of([r.model_dump() for r in density.epci + density.communes],
                                 refs=ctx.refs)
        files["densite_services.csv"] = csv_bytes(density_table)
        lines += _density_lines(density, label)
    if ctx.provenance:
        lines += ["", "Ces lacunes se lisent avec ce que l'import a laissé de côté "
                  "(section « Provenance des données »)."]
    moment_rows = [gap.model_dump() for gap in missing]
    sheets = [Sheet("Lacunes", table), Sheet("Moments sans service", moment_rows)]
    if density_table is not None:
        sheets.append(Sheet("Services pour 10 000 hab.", density_table))
    return _part(files, lines, sheets)


def _density_lines(found: Density, label: dict[str, str]) -> list[str]:
    """Services per 10,000 inhabitants beside the gaps (``densite_services.csv``)."""
    lines = ["", "### Services pour 10 000 habitants", "",
             "Là où l'offre est mince sans être absente : services qui atteignent chaque EPCI, "
             "pour 10 000 habitants (tous les EPCI et communes : `densite_services.csv`).", "",
             "| Besoin | Médiane des EPCI |", "|---|---|"]
    lines += [f"| {label.get(t, t)} | {french.decimal(v, 2)} |"
              for t, v in found.mediane_epci.items()]
    lines += ["", "Les plus faibles :", "", "| EPCI | Besoin | Services | Pour 10 000 hab. |",
              "|---|---|---|---|"]
    lines += [f"| {r.nom_territoire} ({r.territoire}) | {label.get(r.thematique, r.thematique)} "
              f"| {r.nb_services} | {french.decimal(r.pour_10000 or 0.0, 2)} |"
              for r in found.lowest(TOP)]
    return lines


def provenance_part(ctx: ReportContext) -> ReportPart:
    """What the data·inclusion import left out (``provenance.json`` of the data set)."""
    if not ctx.provenance:
        return _part({}, [])
    return _part({}, ["## Provenance des données", "", *[f"- {line}" for line in ctx.provenance]])


def duplicates_part(ctx: ReportContext) -> ReportPart:
    """Services of several actors for the same people, need, moment and area."""
    groups = ctx.findings.duplicates
    if groups is None:
        return _part({}, [])
    lines = ["## Accompagnements en double", "",
             (f"{french.plural(len(groups), 'groupe')} de services d'acteurs différents sur la "
              "même thématique, le même moment du parcours, des publics et un territoire communs "
              "(l'AMI demande d'éviter les accompagnements en double).")]
    if groups:
        lines += ["", "| Thématique | Moment | Territoire | Population | Acteurs | Recouvrement |",
                  "|---|---|---|---|---|---|"]
        names = _actor_names(ctx)
        lines += [f"| {ctx.refs.thematiques[g.thematique].libelle} | "
                  f"{ctx.refs.moments[g.moment]} | {g.nom_territoire} | "
                  f"{french.number(g.population)} | "
                  f"{_listed(g.acteurs, names)} | "
                  f"{french.percent(g.score)} |" for g in groups[:TOP]]
        if len(groups) > TOP:
            more = french.plural(len(groups) - TOP, "autre groupe", "autres groupes")
            lines.append(f"\n… et {more}, les plus peuplés d'abord : tous sont dans "
                         "`doublons.csv` (feuille « Doublons » de `rapport.xlsx`).")
    count = ctx.findings.duplicates_count
    if count is not None and (count.au_moins or count.total > len(groups)):
        # A run wider than a département lists the most populated findings only.
        total = (f"Au moins {french.number(count.total)} constats (ceux qui touchent "
                 f"{french.number(count.seuil)} habitants ou plus)" if count.au_moins
                 else f"{french.number(count.total)} constats")
        lines.append(f"\n{total} sur ce territoire ; les {french.number(len(groups))} plus "
                     "peuplés sont dans `doublons.csv`. Les services proposés sur toute la "
                     "France ne sont comparés qu'entre eux, ceux d'une région aussi au-delà de "
                     "leur région. La liste complète se demande département par département "
                     "(`spie-graph duplicates --territoire`).")
    # The parts of a finding are nested lists: doublons.json keeps them; the tables say
    # them in words (« explication »), one row per finding, each column read from the
    # findings' fields (model_rows without a dict per finding); labelled once, for the
    # CSV file and the sheet.
    columns = [name for name in DuplicateGroup.model_fields if name != "recouvrements"]
    labelled = table_of([g.__dict__ for g in groups], columns if groups else None,
                        refs=ctx.refs)
    return _part({"doublons.csv": csv_bytes(labelled), "doublons.json": models_json(groups)},
                 lines, [Sheet("Doublons", labelled)])


def consortium_part(ctx: ReportContext) -> ReportPart:
    """The AMI SPIE criteria, the missing families and the candidates to fill them."""
    result = ctx.findings.consortium
    if result is None:
        return _part({}, ["## Consortium et critères de l'AMI SPIE", "",
                          "Aucun consortium déclaré (ajoutez consortium.yaml au jeu de données)."])
    groups = ctx.findings.family_labels
    actors = _actor_names(ctx)
    verdict = "recevable" if result.recevable else "non recevable en l'état"
    lines = ["## Consortium et critères de l'AMI SPIE", "",
             f"Consortium « {md(result.consortium)} » : **{verdict}**.", ""]
    lines += [f"- {_mark(c.ok)} {c.libelle} : {md(c.detail)}." for c in result.criteres]
    missing = [groups[code] for code in result.familles_manquantes]
    lines += ["", "Familles recommandées absentes : " + ("; ".join(missing) or "aucune") + ".",
              ""]
    lines += [f"- {_mark(c.ok)} {c.libelle} : {md(c.detail)}." for c in result.publics]
    if result.candidats:
        lines += ["", ("Acteurs du territoire, non membres, qui pourraient combler chaque "
                       "manque (les mieux placés d'abord) :")]
        lines += [f"- {_need_label(need, ctx, groups)} : "
                  + (", ".join(md(actors.get(i, i)) for i in ids)
                     or "aucun acteur du jeu de données")
                  for need, ids in result.candidats.items()]
    criteria = [{"critere": c.code, "libelle": c.libelle, "ok": c.ok, "detail": c.detail}
                for c in [*result.criteres, *result.publics]]
    candidates = [{"besoin_manquant": _need_label(need, ctx, groups), "rang": rank,
                   "acteur": ident, "nom": actors.get(ident, ident)}
                  for need, ids in result.candidats.items()
                  for rank, ident in enumerate(ids, start=1)]
    return _part({"consortium.json": to_json(result.model_dump())}, lines,
                 [Sheet("Critères de l'AMI", criteria), Sheet("Candidats", candidates)])


def network_part(ctx: ReportContext) -> ReportPart:
    """Density, centralization, lead actors, brokers, articulation points, isolated actors."""
    result = ctx.findings.network
    if result is None:
        return _part({}, [])
    method = result.intermediarite
    how = ("exacte" if method.methode == "exacte"
           else f"estimée sur {method.k} sources tirées au hasard (graine {method.graine})")

    names = _actor_names(ctx)

    def listed(ids: list[str]) -> str:
        return _listed(ids, names, "`reseau.csv`") or "aucun"

    lines = [
        "## Réseau des interactions", "",
        (f"- {french.plural(result.nb_acteurs, 'acteur')}, "
         f"{french.plural(result.nb_liens, 'lien')} ; densité "
         f"{french.decimal(result.densite, 3)}, centralisation des degrés (Freeman) "
         f"{french.decimal(result.centralisation_degre, 3)}."),
        f"- Acteurs pilotes (les plus reliés) : {listed(result.acteurs_pilotes)}.",
        (f"- Intermédiaires (relient plusieurs communautés ; intermédiarité {how}) : "
         f"{listed(result.courtiers)}."),
        (f"- Points d'articulation (leur départ coupe le réseau) : "
         f"{listed(result.points_articulation)}."),
        f"- Acteurs isolés (aucune interaction) : {listed(result.acteurs_isoles)}.",
        (f"- {french.plural(len(result.communautes), 'communauté')} ("
         + ("Louvain" if result.communautes_methode == "louvain"
            else "propagation d'étiquettes, au-delà de ce que Louvain traite en un temps "
                 "raisonnable")
         + f"), modularité {french.decimal(result.modularite, 2)}."),
    ]
    rows = model_rows(result.acteurs)
    dumped = result.model_dump(exclude={"acteurs"})
    data = {k: rows if k == "acteurs" else dumped[k] for k in result.__dict__}
    table = table_of(rows, refs=ctx.refs)
    return _part({"reseau.json": to_json(data), "reseau.csv": csv_bytes(table)}, lines,
                 [Sheet("Réseau", table)])


def map_part(ctx: ReportContext) -> ReportPart:
    """``carte.html``: the interactive map, with the report's gaps and duplicates."""
    result = build_map(ctx.graph, territoire=ctx.territoire, restreindre=False,
                       findings=ctx.findings, refs=ctx.refs, profiles=ctx.profiles)
    mode = ("positions calculées, physique désactivée" if not result.physics
            else "disposition dynamique")
    section = "\n".join([
        "## Carte interactive",
        "",
        (f"`carte.html` : {french.number(result.nodes)} acteurs"
         + (f" (les membres du consortium puis les plus reliés, sur "
            f"{french.number(result.total_actors)} : au-delà, une carte ne se lit plus ; "
            "`spie-graph map --territoire` pour ceux d'un territoire)"
            if result.total_actors > result.nodes else "")
         + f" et {french.number(result.interactions)} interactions"
         + (f" (et {result.edges - result.interactions} liens de doublons)"
            if result.edges > result.interactions else "")
         + f", à ouvrir dans un navigateur, sans connexion ({mode}). Recherche par nom, "
         "filtres par famille, thématique et territoire ; la fiche d'un acteur s'affiche "
         "d'un clic."),
    ])
    return ReportPart({"carte.html": result.html}, section)


def annex_part(ctx: ReportContext) -> ReportPart:
    """The page to attach, the detailed member sheets and the diagnostic (not to attach),
    with the report's findings.

    Without a consortium and with more than :data:`DIRECTORY_MAX` actors, the page
    and the sheets would list every actor on hundreds of pages: only the
    diagnostic is written, and the section says why.
    """
    diagnostic = collect_diagnostic(ctx.graph, territoire=ctx.territoire, findings=ctx.findings,
                                    refs=ctx.refs, index=ctx.coverage, profiles=ctx.profiles,
                                    picture=ctx.picture)
    files: dict[str, str | bytes] = {
        "diagnostic.docx": diagnostic_docx(diagnostic),
        "diagnostic.html": diagnostic_html(diagnostic),
        "diagnostic.md": diagnostic_markdown(diagnostic, "diagnostic.png"),
        "diagnostic.png": diagnostic.picture,
    }
    lines = ["## Annexe : cartographie des acteurs, fiches et diagnostic", ""]
    listed, actors = annex_listed(ctx.graph)
    if listed:
        annex = collect_annex(ctx.graph, territoire=ctx.territoire, refs=ctx.refs,
                              profiles=ctx.profiles)
        files.update({
            "annexe.docx": page_docx(annex),
            "annexe.html": page_html(annex),
            "annexe.md": page_markdown(annex),
            "fiches-membres.docx": sheets_docx(annex, ctx.refs.publics),
            "fiches-membres.html": sheets_html(annex, ctx.refs.publics),
        })
        who = "membres du consortium" if annex.avec_consortium else "acteurs"
        page = ("une page A4 paysage" if annex.fit.tient
                else f"**plusieurs pages** : {annex.fit.message}")
        lines += [
            (f"- `annexe.docx` (à joindre au dossier de candidature ; `annexe.html` "
             f"imprimable, `annexe.md`) : {len(annex.membres)} {who} sur {page}, avec famille, "
             "rôle, lettre d'engagement, missions et compétences en forme courte, moments du "
             "parcours et besoins couverts, interactions entre membres."),
            ("- `fiches-membres.docx` et `fiches-membres.html` : les fiches détaillées (textes "
             "complets, services par moment, sens des interactions)."),
        ]
    else:
        lines.append(
            f"- Ni page à joindre (`annexe.docx`) ni fiches détaillées : aucun consortium "
            f"n'est déclaré et le jeu de données compte {french.plural(actors, 'acteur')}. "
            "La page décrit les membres d'un consortium ; sans consortium elle listerait tous "
            f"les acteurs, ce qui au-delà de {french.number(DIRECTORY_MAX)} ferait des dizaines "
            "de pages. Déclarez le consortium (consortium.yaml dans le jeu de données, ou "
            "`spie-graph annex --consortium`) ; tous les acteurs sont dans `reseau.csv` "
            "(feuille « Réseau » de `rapport.xlsx`) et `kumu.xlsx`.")
    lines.append(
        "- `diagnostic.docx`, `diagnostic.html` et `diagnostic.md` : le diagnostic pour "
        "l'équipe du consortium et l'instructeur, qui ne se joint pas au dossier (critères, "
        "seuils choisis par le projet, couverture, lacunes, doublons, partenaires manquants, "
        "image du réseau `diagnostic.png`).")
    return ReportPart(files, "\n".join(lines))


EXPORT_MAX = 150_000
"""Past this many nodes and edges, the report's graph files hold the actors' network: the
whole graph (every service, need and commune) is for ``spie-graph export``. 150,000
elements make about 130 MB of Gephi files (GraphML, GEXF, JSON): a département's part at
2,000 actors is 44,000 (43 MB); a national set's at 10,000 actors 233,000 (227 MB)."""


def exports_part(ctx: ReportContext) -> ReportPart:
    """``graphe.graphml``, ``graphe.gexf``, ``graphe.json`` and ``kumu.xlsx``.

    The graph within the report's territory (``spie-graph export --perimetre
    territoire``: the actors working on it, as on the map, their services and
    interactions, the territory's communes and their parents, but not the 35,000
    communes of France a France-wide service brings into the graph) up to
    :data:`EXPORT_MAX` nodes and edges; past it, the network of those actors
    (actors, consortium, interactions; hundreds of megabytes of services and communes
    would not open in Gephi). ``kumu.xlsx``: that network. The section says which.
    """
    graph, node = ctx.graph, ctx.graph._node
    kept = territory_nodes(graph, ctx.territoire, ctx.refs)
    # The network of the actors working on the territory: kumu.xlsx's, and the graph
    # files' past EXPORT_MAX.
    # Parts only read: they hold the graph's own dicts of attributes.
    team = part_of(graph, {key for key in kept if node[key]["label"] in ("Acteur", "Consortium")},
                   shared=True)
    local = len(kept) < len(node)
    shown = (team if perimeter_size(graph, kept) > EXPORT_MAX
             else part_of(graph, kept, shared=True) if local else graph)
    # Of the whole graph (sizes count services), on the report's territory.
    styles = node_styles(graph, ctx.refs, profiles=ctx.profiles, part=shown)
    elements = gephi_elements(shown, ctx.refs)
    files: dict[str, str | bytes] = {
        "graphe.graphml": to_graphml(shown, ctx.refs, styles, elements),
        "graphe.gexf": to_gexf(shown, ctx.refs, styles, elements),
        "graphe.json": graph_json(shown),
        "kumu.xlsx": to_kumu(team, ctx.refs),
    }
    return ReportPart(files, _exports_section(ctx, kept, shown, team))


def _exports_section(ctx: ReportContext, kept: set[str], shown: nx.MultiDiGraph,
                     team: nx.MultiDiGraph) -> str:
    """The « Exports » section of ``rapport.md``: what the graph files hold, and how to
    export the rest."""
    graph, node = ctx.graph, ctx.graph._node
    terr = ctx.refs.territoires
    kind, name = terr.kind(ctx.territoire) or "", terr.name(ctx.territoire)
    place = french.article(kind, ctx.territoire, name)
    of_place = french.of_territory(kind, ctx.territoire, name)
    left = Counter(data["label"] for key, data in node.items() if key not in kept)
    section = ("## Exports\n\n`graphe.gexf` (Gephi, avec les couleurs, tailles et positions de "
               "la carte) et `graphe.graphml` (Gephi, yEd, igraph), `graphe.json` (networkx, d3), "
               "`kumu.xlsx` (import Kumu : acteurs, consortium, interactions). Les tableaux "
               "s'ouvrent dans Excel : `rapport.xlsx` (une feuille par analyse) et les fichiers "
               "`.csv`.")
    size = f"{french.number(len(shown))} nœuds, {french.number(edge_count(shown))} liens"
    others = left["Acteur"]
    elsewhere = ("" if not others else
                 " L'autre acteur du jeu, qui travaille ailleurs, et ses services n'y sont pas "
                 "(ni dans `kumu.xlsx`)." if others == 1 else
                 f" Les {french.number(others)} autres acteurs du jeu, qui travaillent ailleurs, "
                 "et leurs services n'y sont pas (ni dans `kumu.xlsx`).")
    export = (f"`spie-graph export --perimetre territoire --territoire {ctx.territoire}`")
    if shown is team:
        section += (
            f"\n\nLe graphe {of_place} compte {french.number(perimeter_size(graph, kept))} "
            "nœuds et liens (services, "
            "besoins, publics, communes) : trop pour Gephi. Les fichiers `graphe.*` tiennent "
            f"le réseau des acteurs qui travaillent sur {place} ({size}).{elsewhere} Le graphe "
            f"{of_place} s'exporte avec {export}, le graphe complet avec `spie-graph export "
            "--perimetre complet`.")
    elif shown is not graph:
        section += (
            f"\n\nLes fichiers `graphe.*` couvrent {place} ({size}) : les acteurs qui y "
            "travaillent (leur siège, leur zone ou celle d'un de leurs services le touche), "
            "leurs services et leurs interactions, les communes du territoire avec leurs EPCI, "
            "leur département, leur région et la France, et les territoires que nomment ces "
            f"acteurs et ces services.{elsewhere} Hors de ces fichiers"
            f"{' aussi' if elsewhere else ''} : "
            f"{french.plural(left['Territoire'], 'territoire')} du graphe, les communes, EPCI "
            "et départements qu'y amènent les services proposés sur toute une région ou toute "
            "la France (un tel service y reste relié à sa région ou à la France). Le graphe "
            "complet s'exporte avec `spie-graph export --perimetre complet`, ces mêmes "
            f"fichiers avec {export}.")
    return section


def header(ctx: ReportContext) -> str:
    """The title of ``rapport.md``: the consortium's name, else the territory's."""
    terr = ctx.refs.territoires
    consortium = ctx.findings.consortium
    kind = terr.kind(ctx.territoire) or "france"
    place = french.of_territory(kind, ctx.territoire, terr.name(ctx.territoire))
    title = (f"Cartographie des acteurs : {consortium.consortium}"
             if consortium is not None and consortium.consortium
             else f"Cartographie des acteurs {place}")
    return "\n".join([
        f"# {md(title)}",
        "",
        f"Territoire : {terr.label(ctx.territoire)} ; jeu de données « {md(ctx.dataset)} ». "
        f"Rapport produit le {date.today().strftime('%d/%m/%Y')} par spie-graph.",
    ])



def workbook(ctx: ReportContext, tables: Sequence[Sheet | SheetXml]) -> bytes:
    """``rapport.xlsx``: one sheet per table of the report (or its sheet, written already),
    for Excel users."""
    terr = ctx.refs.territoires
    return to_xlsx(tables, title=f"Cartographie des acteurs : {ctx.dataset}",
                   subject=f"Rapport spie-graph, territoire : {terr.label(ctx.territoire)}",
                   refs=ctx.refs)


PARTS: list[Part] = [stats_part, provenance_part, coverage_part, gaps_part, duplicates_part,
                     consortium_part, network_part, map_part, annex_part, exports_part]

SIDE_PARTS: frozenset[Part] = frozenset({stats_part, provenance_part, coverage_part, gaps_part,
                                         consortium_part, network_part, exports_part})
"""The parts that never read the duplicates: a second lane of work may run them while the
duplicates are computed (:func:`spie_graph.report.run.run_report`)."""

