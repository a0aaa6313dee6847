"""The analyses' parts of the report (``spie-graph report``): files and a French section each.

Each part is a function ``(ReportContext) -> ReportPart`` to list in
:data:`spie_graph.report.PARTS`:

- :func:`gaps_part`: ``lacunes.csv``, ``lacunes.json``;
- :func:`duplicates_part`: ``doublons.csv``, ``doublons.json``;
- :func:`consortium_part`: ``consortium.json`` (none without a consortium);
- :func:`network_part`: ``reseau.json``, ``reseau.csv``.

:mod:`spie_graph.report` is imported when a part runs, not when this module
loads, so that ``report`` may import these parts at its top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..output import to_csv, to_json
from .consortium import check_consortium, consortium_of_graph, load_criteria
from .duplicates import duplicates
from .gaps import gaps
from .network import network

if TYPE_CHECKING:
    from ..report import ReportContext, ReportPart

__all__ = ["gaps_part", "duplicates_part", "consortium_part", "network_part", "PARTS"]

TOP = 10


def _part(files: dict[str, str | bytes], lines: list[str]) -> ReportPart:
    from ..report import ReportPart

    return ReportPart(files, "\n".join(lines))


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def _percent(value: float) -> str:
    return f"{value:.0%}".replace("%", "\u202f%")


def _decimal(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _need_label(key: str, ctx: ReportContext, groups: dict[str, str]) -> str:
    """``besoin:sante`` → ``Besoin « Santé »``: a candidate key in French."""
    kind, code = key.split(":", 1)
    refs = ctx.refs
    if kind == "famille":
        label = groups.get(code) or (refs.familles[code].libelle if code in refs.familles
                                     else code)
        return f"Famille « {label} »"
    labels = {"besoin": ("Besoin", lambda c: refs.thematiques[c].libelle),
              "moment": ("Moment", lambda c: refs.moments[c]),
              "public": ("Public", lambda c: refs.publics[c]),
              "volet": ("Volet", lambda c: c)}
    title, name = labels[kind]
    return f"{title} « {name(code)} »"


def _mark(ok: bool) -> str:
    return "**rempli**" if ok else "**non rempli**"


def gaps_part(ctx: ReportContext) -> ReportPart:
    """The needs no service covers, most populated first.

    Commune by commune up to a département; EPCI by EPCI for a région or France.
    """
    wide = ctx.refs.territoires.kind(ctx.territoire) in ("region", "france")
    niveau, unit = ("epci", "EPCI") if wide else ("commune", "Commune")
    result = gaps(ctx.graph, ctx.territoire, niveau=niveau, refs=ctx.refs)
    found = result.lacunes
    rows = [row.model_dump() for row in result.lignes]
    label = {code: ctx.refs.thematiques[code].libelle for code in result.thematiques}
    lines = ["## Lacunes de couverture", "",
             (f"{len(found)} couples {unit.lower()} × besoin sans aucun service, sur "
              f"{len(rows)} ({', '.join(label.values())}).")]
    if found:
        lines += ["", f"| {unit} | Besoin | Population |", "|---|---|---|"]
        lines += [f"| {r.nom_territoire} ({r.territoire}) | {label[r.thematique]} | "
                  f"{_number(r.population)} |" for r in found[:TOP]]
    missing = result.moments_sans_service
    if missing:
        by_moment = {m: [g for g in missing if g.moment == m] for m in ctx.refs.moments}
        lines += ["", "Moments du parcours qu'aucun service n'atteint :"]
        lines += [f"- {ctx.refs.moments[m]} : {len(g)} {unit.lower()}(s), "
                  f"{_number(sum(x.population for x in g))} habitants"
                  for m, g in by_moment.items() if g]
    return _part({"lacunes.csv": to_csv(rows), "lacunes.json": to_json(result.model_dump())},
                 lines)


def duplicates_part(ctx: ReportContext) -> ReportPart:
    """Services of several actors for the same people, need, moment and area."""
    groups = duplicates(ctx.graph, territoire=ctx.territoire, refs=ctx.refs)
    rows = [group.model_dump() for group in groups]
    lines = ["## Accompagnements en double", "",
             (f"{len(groups)} groupe(s) de services d'acteurs différents sur la même "
              "thématique, le même moment du parcours, des publics et un territoire communs "
              "(l'AMI demande d'éviter les accompagnements en double).")]
    if groups:
        lines += ["", "| Thématique | Moment | Territoire | Population | Acteurs | Recouvrement |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {ctx.refs.thematiques[g.thematique].libelle} | "
                  f"{ctx.refs.moments[g.moment]} | {g.nom_territoire} | {_number(g.population)} | "
                  f"{', '.join(g.acteurs)} | {_percent(g.score)} |" for g in groups[:TOP]]
    return _part({"doublons.csv": to_csv(rows), "doublons.json": to_json(rows)}, lines)


def consortium_part(ctx: ReportContext) -> ReportPart:
    """The AMI SPIE criteria, the missing families and the candidates to fill them."""
    if consortium_of_graph(ctx.graph) is None:
        return _part({}, ["## Consortium et critères de l'AMI SPIE", "",
                          "Aucun consortium déclaré (ajoutez consortium.yaml au jeu de données)."])
    criteria = load_criteria(refs=ctx.refs)
    result = check_consortium(ctx.graph, criteria=criteria, refs=ctx.refs)
    groups = {g.code: g.libelle for g in criteria.familles_recommandees}
    actors = {n["id"]: n["nom"] for _, n in ctx.graph.nodes(data=True) if n["label"] == "Acteur"}
    verdict = "recevable" if result.recevable else "non recevable en l'état"
    lines = ["## Consortium et critères de l'AMI SPIE", "",
             f"Consortium « {result.consortium} » : **{verdict}**.", ""]
    lines += [f"- {_mark(c.ok)} {c.libelle} : {c.detail}." for c in result.criteres]
    missing = [groups[code] for code in result.familles_manquantes]
    lines += ["", "Familles recommandées absentes : " + ("; ".join(missing) or "aucune") + ".",
              ""]
    lines += [f"- {_mark(c.ok)} {c.libelle} : {c.detail}." for c in result.publics]
    if result.candidats:
        lines += ["", ("Acteurs du territoire, non membres, qui pourraient combler chaque "
                       "manque (les mieux placés d'abord) :")]
        lines += [f"- {_need_label(need, ctx, groups)} : "
                  + (", ".join(f"{actors[i]} ({i})" for i in ids)
                     or "aucun acteur du jeu de données")
                  for need, ids in result.candidats.items()]
    return _part({"consortium.json": to_json(result.model_dump())}, lines)


def network_part(ctx: ReportContext) -> ReportPart:
    """Density, centralization, lead actors, brokers, articulation points, isolated actors."""
    result = network(ctx.graph)
    method = result.intermediarite
    how = ("exacte" if method.methode == "exacte"
           else f"estimée sur {method.k} sources tirées au hasard (graine {method.graine})")
    def listed(ids: list[str]) -> str:
        return ", ".join(ids) or "aucun"

    lines = [
        "## Réseau des interactions", "",
        (f"- {result.nb_acteurs} acteurs, {result.nb_liens} liens ; densité "
         f"{_decimal(result.densite)}, centralisation des degrés (Freeman) "
         f"{_decimal(result.centralisation_degre)}."),
        f"- Acteurs pilotes (les plus reliés) : {listed(result.acteurs_pilotes)}.",
        (f"- Intermédiaires (relient plusieurs communautés ; intermédiarité {how}) : "
         f"{listed(result.courtiers)}."),
        (f"- Points d'articulation (leur départ coupe le réseau) : "
         f"{listed(result.points_articulation)}."),
        f"- Acteurs isolés (aucune interaction) : {listed(result.acteurs_isoles)}.",
        (f"- {len(result.communautes)} communautés (Louvain), modularité "
         f"{_decimal(result.modularite, 2)}."),
    ]
    rows = [role.model_dump() for role in result.acteurs]
    return _part({"reseau.json": to_json(result.model_dump()), "reseau.csv": to_csv(rows)}, lines)


PARTS = [gaps_part, duplicates_part, consortium_part, network_part]
