"""What the terminal shows of each answer: labels beside codes, names not ids, French figures.

Each function turns an analysis' answer into rows for
:func:`spie_graph.render.tables.to_table` and the headers of their columns.
JSON and CSV outputs keep the answers' models as they are; only the table
changes. Columns that an answer gains later are shown too (after the known
ones), so a new field is never lost from the table.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from spie_graph import french
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.render.tables import terminal_width, to_table

if TYPE_CHECKING:  # the analyses (NetworkX) are not imported for a who-covers table
    from spie_graph.analyses.duplicates import DuplicateGroup
    from spie_graph.analyses.gaps import GapRow, MomentGap
    from spie_graph.analyses.network import ActorRole
    from spie_graph.graph.coverage import CoverageRow

__all__ = ["Table", "coverage_table", "duplicates_table", "gaps_table", "moments_table",
           "need_label", "network_table", "paragraph", "publics_label", "show", "stats_table"]

Table = tuple[list[dict], dict[str, str]]
"""Rows and the header of each column."""


def paragraph(text: str, indent: str = "", width: int | None = None) -> str:
    """French typography, wrapped between words at the terminal's width (for long sentences)."""
    width = max(40, width or terminal_width())
    return "\n".join(
        textwrap.fill(line, width=width, initial_indent=indent, subsequent_indent=indent + "  ",
                      break_on_hyphens=False) if line.strip() else ""
        for line in french.typography(text).split("\n"))


def show(table: Table, width: int | None = None) -> str:
    """A table's text, fitted to the terminal (:func:`spie_graph.render.tables.to_table`)."""
    rows, headers = table
    return to_table(rows, headers=headers, width=width)


def _labels(codes: Iterable[str], labels: Mapping[str, str]) -> str:
    return ", ".join(labels.get(code, code) for code in codes)


def publics_label(codes: list[str], refs: Referentials) -> str:
    """``[]`` or ``["tous-publics"]`` → « tous publics »; else the publics' labels."""
    if not codes or codes == ["tous-publics"]:
        return "tous publics"
    return _labels(codes, refs.publics)


def _famille(code: str, refs: Referentials) -> str:
    famille = refs.famille(code)
    return famille.libelle if famille else code


def _rest(row: dict, used: set[str]) -> dict:
    """Fields the table does not know yet, kept as they are."""
    return {key: value for key, value in row.items() if key not in used}


_COVERAGE_USED = {"acteur", "nom_acteur", "famille", "service", "nom_service", "thematiques",
                  "publics", "moments", "territoire", "couverture", "communes_couvertes",
                  "population_couverte",
                  # Details of each service, given in CSV and JSON (``who-covers --help``).
                  "frais", "modes_mobilisation", "mobilisable_par", "conditions_acces",
                  "score_qualite", "date_maj"}


def coverage_table(rows: list[CoverageRow], refs: Referentials | None = None) -> Table:
    """``who-covers``: the actor's name and family, the service, how much it covers."""
    refs = refs or referentials()
    shown = []
    for row in rows:
        data = row.model_dump()
        shown.append({
            "acteur": row.nom_acteur, "famille": _famille(row.famille, refs),
            "service": row.nom_service, "couverture": row.couverture,
            "population": row.population_couverte,
            "publics": publics_label(row.publics, refs),
            "moments": ", ".join(_short_moment(m, refs) for m in row.moments),
            **_rest(data, _COVERAGE_USED),
        })
    headers = {"acteur": "Acteur", "famille": "Famille", "service": "Service",
               "couverture": "Couverture", "population": "Population couverte",
               "publics": "Publics", "moments": "Moments"}
    return shown, headers


def _short_moment(code: str, refs: Referentials) -> str:
    """``Entrée dans le parcours`` → ``entrée``: the moment's first word, for narrow columns."""
    label = refs.moments.get(code, code)
    return label.split()[0].lower() if label else code


def _place(code: str, name: str) -> str:
    return f"{name} ({code})"


_LEVEL_HEADERS = {"commune": "Commune", "epci": "EPCI"}


def gaps_table(rows: list[GapRow], refs: Referentials | None = None,
               niveau: str | None = None) -> Table:
    """``gaps``: the territory by name and code (its level as header), the need by its label."""
    refs = refs or referentials()
    shown = [{"territoire": _place(r.territoire, r.nom_territoire),
              "besoin": refs.thematiques[r.thematique].libelle
              if r.thematique in refs.thematiques else r.thematique,
              "population": r.population, "services": r.nb_services} for r in rows]
    return shown, {"territoire": _LEVEL_HEADERS.get(niveau or "", "Territoire"),
                   "besoin": "Besoin", "population": "Population", "services": "Services"}


def moments_table(rows: list[MomentGap], refs: Referentials | None = None,
                  niveau: str | None = None) -> Table:
    """The moments of the parcours that no service reaches, by territory."""
    refs = refs or referentials()
    shown = [{"territoire": _place(r.territoire, r.nom_territoire),
              "moment": refs.moments.get(r.moment, r.moment), "population": r.population}
             for r in rows]
    return shown, {"territoire": _LEVEL_HEADERS.get(niveau or "", "Territoire"),
                   "moment": "Moment du parcours", "population": "Population"}


def duplicates_table(groups: list[DuplicateGroup], names: Mapping[str, str],
                     refs: Referentials | None = None) -> Table:
    """``duplicates``: labels, the actors' names and the overlap as a percentage."""
    refs = refs or referentials()
    shown = [{"thematique": refs.thematiques[g.thematique].libelle
              if g.thematique in refs.thematiques else g.thematique,
              "moment": refs.moments.get(g.moment, g.moment),
              "publics": publics_label(g.publics, refs),
              "territoire": g.nom_territoire, "population": g.population,
              "acteurs": ", ".join(names.get(a, a) for a in g.acteurs),
              "recouvrement": french.percent(g.score)} for g in groups]
    return shown, {"thematique": "Thématique", "moment": "Moment", "publics": "Publics",
                   "territoire": "Territoire commun", "population": "Population",
                   "acteurs": "Acteurs", "recouvrement": "Recouvrement des zones"}


def network_table(roles: list[ActorRole], refs: Referentials | None = None) -> Table:
    """``network``: each actor by name, its family, degree and roles."""
    refs = refs or referentials()
    shown = [{"acteur": r.nom, "famille": _famille(r.famille, refs), "degre": r.degre,
              "intermediarite": french.decimal(r.intermediarite, 3),
              "taille_effective": french.decimal(r.taille_effective, 1),
              "communaute": r.communaute, "courtier": r.courtier,
              "point_articulation": r.point_articulation} for r in roles]
    return shown, {"acteur": "Acteur", "famille": "Famille", "degre": "Degré",
                   "intermediarite": "Intermédiarité", "taille_effective": "Taille effective",
                   "communaute": "Communauté", "courtier": "Intermédiaire",
                   "point_articulation": "Point d'articulation"}


_RUBRIQUES = {
    "jeu_de_donnees": "Jeu de données", "acteurs": "Acteurs",
    "acteurs.par_famille": "Acteurs par famille", "acteurs.par_groupe": "Acteurs par groupe",
    "services": "Services", "services.par_categorie": "Services par catégorie",
    "services.par_moment": "Services par moment", "interactions": "Interactions",
    "interactions.par_type": "Interactions par type", "territoire": "Territoire",
    "consortium": "Consortium",
}


def need_label(key: str, family_labels: Mapping[str, str],
               refs: Referentials | None = None) -> str:
    """``besoin:sante`` → « Besoin « Santé » »: a consortium candidate's key in French."""
    refs = refs or referentials()
    kind, code = key.split(":", 1)
    if kind == "famille":
        famille = refs.familles.get(code)
        label = family_labels.get(code) or (famille.libelle if famille else code)
        return f"Famille « {label} »"
    labels = {"besoin": ("Besoin", lambda c: refs.thematiques[c].libelle),
              "moment": ("Moment", lambda c: refs.moments[c]),
              "public": ("Public", lambda c: refs.publics[c]),
              "volet": ("Volet", lambda c: c)}
    if kind not in labels:
        return key
    title, name = labels[kind]
    return f"{title} « {name(code)} »"


def rubrique_label(rubrique: str) -> str:
    """``services.par_categorie`` → « Services par catégorie »: a statistics row's section."""
    return _RUBRIQUES.get(rubrique) or rubrique.replace(".", " ").replace("_", " ").capitalize()


def stats_table(rows: list[dict]) -> Table:
    """``stats``: the rows of :func:`spie_graph.analyses.stats.stats_rows`, labelled."""
    return ([{"rubrique": rubrique_label(r["rubrique"]), "libelle": r["libelle"],
              "valeur": r["valeur"]} for r in rows],
            {"rubrique": "Rubrique", "libelle": "Libellé", "valeur": "Valeur"})
