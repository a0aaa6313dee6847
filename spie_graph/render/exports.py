"""Exports of the graph for other tools: Gephi (GraphML, GEXF), JSON, Kumu (XLSX).

- ``graphml`` and ``gexf``: what Gephi opens. Each node has a French ``label``
  (the actor's or service's name, the territory's name, the thématique's
  label...) and its kind in ``type_noeud`` (``Acteur``, ``Service``...); each
  edge a French ``label`` (``propose``, ``couvre``, or the interaction's label,
  ``Convention``...) and its type in ``relation``. Attributes are typed
  (integers, booleans, text); lists are joined with `` | ``. The canonical
  ``id`` property is written ``identifiant`` (GEXF writers take ``id`` for the
  node's identity).
- ``json``: the canonical graph as node-link JSON, lossless: ``nodes`` (the node
  key in ``cle``, since actors and services have an ``id`` property of their
  own), ``edges`` (``source``, ``target``, ``key``), lists kept; read back by
  ``networkx.node_link_graph(data, edges="edges", name="cle")``.
- ``kumu``: Kumu's spreadsheet import layout, an XLSX workbook with an
  ``Elements`` sheet (``ID``, ``Label``, ``Type``, ``Description``, then one
  column per property, lists joined with ``|``) and a ``Connections`` sheet
  (``From``, ``To``, ``Type``, ``Direction``...). Text that a spreadsheet would
  run as a formula (``=``, ``+``, ``-``, ``@``...) is neutralised.

``perimetre="acteurs"`` keeps only actors, the consortium, interactions and
memberships; ``"complet"`` exports the whole canonical graph (services,
territories, thématiques, publics).
"""

from __future__ import annotations

import io
import json
from datetime import date

import networkx as nx

from spie_graph.errors import ArgumentError, ExportError
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.render.tables import neutralize

__all__ = [
    "EXPORT_FORMATS",
    "EXTENSIONS",
    "PERIMETRES",
    "export_graph",
    "gephi_graph",
    "select",
    "to_gexf",
    "to_graphml",
    "to_json",
    "to_kumu",
]

EXPORT_FORMATS = ("graphml", "gexf", "json", "kumu")
EXTENSIONS = {"graphml": "graphml", "gexf": "gexf", "json": "json", "kumu": "xlsx"}
PERIMETRES = ("complet", "acteurs")

_NAME = {"Acteur": "nom", "Service": "nom", "Territoire": "nom", "Thematique": "libelle",
         "Public": "libelle", "Consortium": "nom"}
_RELATIONS = {"PROPOSE": "propose", "COUVRE": "couvre", "TRAITE": "traite", "CIBLE": "cible",
              "SIEGE_A": "a son siège à", "FAIT_PARTIE_DE": "fait partie de",
              "INTERAGIT": "interagit avec", "MEMBRE_DE": "membre de"}
_KINDS = {"Acteur": "Acteur", "Service": "Service", "Territoire": "Territoire",
          "Thematique": "Thématique", "Public": "Public", "Consortium": "Consortium"}
_RENAMED = {"id": "identifiant", "label": "type_noeud", "type": "relation"}
_HEADERS = {
    "identifiant": "Identifiant", "type_noeud": "Nature", "famille": "Famille (code)",
    "libelle_famille": "Famille", "groupe": "Groupe", "volet": "Volet",
    "reseau_porteur": "Réseau porteur", "siret": "SIRET", "commune": "Commune",
    "territoire": "Territoire", "competences": "Compétences", "publics": "Publics",
    "site_web": "Site web", "acteur": "Acteur", "thematiques": "Thématiques",
    "moments": "Moments", "moments_deduits": "Moments déduits",
    "modes_accueil": "Modes d'accueil", "code": "Code", "niveau": "Niveau",
    "population": "Population", "libelle": "Libellé", "categorie": "Catégorie",
    "porteur": "Porteur", "accord_cd": "Accord du CD", "nom": "Nom",
    "relation": "Relation", "interaction": "Interaction", "depuis": "Depuis",
    "jusqu_a": "Jusqu'à", "role": "Rôle", "lettre_engagement": "Lettre d'engagement",
}


def select(graph: nx.MultiDiGraph, perimetre: str = "complet") -> nx.MultiDiGraph:
    """The part of the graph to export: ``complet`` or ``acteurs``.

    Raises
    ------
    ArgumentError
        For another value of ``perimetre``.
    """
    if perimetre == "complet":
        return graph
    if perimetre != "acteurs":
        raise ArgumentError(f"périmètre inconnu : « {perimetre} » (--perimetre). "
                            f"Valeurs possibles : {', '.join(PERIMETRES)}")
    keep = [n for n, d in graph.nodes(data=True) if d["label"] in ("Acteur", "Consortium")]
    return graph.subgraph(keep).copy()


def _scalar(value: object) -> object:
    """A value GraphML and GEXF store: lists joined, everything else as is."""
    if isinstance(value, list | tuple):
        return " | ".join(str(v) for v in value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def gephi_graph(graph: nx.MultiDiGraph, refs: Referentials | None = None) -> nx.MultiDiGraph:
    """A copy of the canonical graph with scalar attributes and French labels, for Gephi.

    Notes
    -----
    O(V + E). Node keys and edge keys are the canonical ones.
    """
    refs = refs or referentials()
    out = nx.MultiDiGraph()
    out.graph["jeu_de_donnees"] = str(graph.graph.get("dataset") or "")
    for node, data in graph.nodes(data=True):
        attrs = {_RENAMED.get(k, k): _scalar(v) for k, v in data.items()}
        attrs["label"] = str(data.get(_NAME.get(data["label"], ""), node))
        attrs["type_noeud"] = _KINDS.get(data["label"], data["label"])
        out.add_node(node, **attrs)
    for source, target, key, data in graph.edges(keys=True, data=True):
        attrs = {_RENAMED.get(k, k): _scalar(v) for k, v in data.items()}
        if data["type"] == "INTERAGIT":
            kind = data.get("interaction", "")
            attrs["label"] = refs.interactions.get(kind, kind)
        else:
            attrs["label"] = _RELATIONS.get(data["type"], data["type"])
        out.add_edge(source, target, key=key, **attrs)
    return out


def to_graphml(graph: nx.MultiDiGraph, refs: Referentials | None = None) -> bytes:
    """GraphML (UTF-8) of :func:`gephi_graph`; edge ids are the canonical edge keys."""
    out = io.BytesIO()
    nx.write_graphml(gephi_graph(graph, refs), out, encoding="utf-8", prettyprint=True,
                     named_key_ids=True, edge_id_from_attribute=None)
    return out.getvalue()


def to_gexf(graph: nx.MultiDiGraph, refs: Referentials | None = None) -> bytes:
    """GEXF 1.2 (UTF-8) of :func:`gephi_graph`; edge keys in ``networkx_key``."""
    out = io.BytesIO()
    nx.write_gexf(gephi_graph(graph, refs), out, encoding="utf-8", prettyprint=True,
                  version="1.2draft")
    return out.getvalue()


def to_json(graph: nx.MultiDiGraph) -> str:
    """The canonical graph as node-link JSON: ``nodes`` keyed by ``cle``, ``edges``."""
    data = nx.node_link_data(graph, edges="edges", name="cle")
    return json.dumps(data, ensure_ascii=False, indent=1, default=str)


def _cell(value: object) -> object:
    """A spreadsheet cell: numbers as numbers, booleans as oui/non, text neutralised."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        value = "|".join(str(v) for v in value)
    return neutralize(str(value))


def _write_sheet(sheet, header: list[str], rows: list[list[object]]) -> None:
    from openpyxl.styles import Font

    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width, 8) + 2, 60)


def to_kumu(graph: nx.MultiDiGraph, refs: Referentials | None = None) -> bytes:
    """Kumu's import workbook (XLSX): ``Elements`` and ``Connections`` sheets.

    Elements are identified by the canonical node key (``ID`` column), which the
    connections' ``From`` and ``To`` name. An actor's ``Type`` is its family's
    label (what Kumu colours by); other elements' is their kind. A third sheet,
    ``Lisez-moi (ignore)``, is skipped by Kumu's import.
    """
    from openpyxl import Workbook

    refs = refs or referentials()
    nodes = list(graph.nodes(data=True))
    skip = {"label", "nom", "libelle", "missions", "description", "id", "code"}
    columns: dict[str, None] = {}
    for _, data in nodes:
        columns.update(dict.fromkeys(k for k in data if k not in skip))
    element_rows = []
    for key, data in nodes:
        kind = data["label"]
        name = data.get(_NAME.get(kind, ""), key)
        type_ = data.get("libelle_famille") if kind == "Acteur" else _KINDS.get(kind, kind)
        description = data.get("missions") if kind == "Acteur" else data.get("description")
        element_rows.append([key, name, type_, description, _KINDS.get(kind, kind),
                             data.get("id", data.get("code"))]
                            + [data.get(c) for c in columns])
    element_header = ["ID", "Label", "Type", "Description", "Nature", "Identifiant"] + [
        _HEADERS.get(c, c) for c in columns]

    edge_columns: dict[str, None] = {}
    edges = list(graph.edges(data=True))
    for _, _, data in edges:
        edge_columns.update(dict.fromkeys(k for k in data
                                          if k not in ("type", "interaction", "description")))
    connection_rows = []
    for source, target, data in edges:
        if data["type"] == "INTERAGIT":
            kind = data.get("interaction", "")
            type_ = refs.interactions.get(kind, kind)
        else:
            type_ = _RELATIONS.get(data["type"], data["type"])
        connection_rows.append([source, target, type_, "directed", data.get("description"),
                                data["type"]] + [data.get(c) for c in edge_columns])
    connection_header = ["From", "To", "Type", "Direction", "Description", "Relation"] + [
        _HEADERS.get(c, c) for c in edge_columns]

    book = Workbook()
    elements = book.active
    elements.title = "Elements"
    _write_sheet(elements, element_header, element_rows)
    _write_sheet(book.create_sheet("Connections"), connection_header, connection_rows)
    _write_sheet(book.create_sheet("Lisez-moi (ignore)"), ["Rubrique", "Valeur"], [
        ["Jeu de données", graph.graph.get("dataset")],
        ["Produit le", date.today().strftime("%d/%m/%Y")],
        ["Éléments", len(element_rows)],
        ["Connexions", len(connection_rows)],
        ["Import dans Kumu", ("Import > Excel : les feuilles Elements et Connections sont "
                              "lues, celle-ci est ignorée.")],
    ])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_graph(graph: nx.MultiDiGraph, fmt: str, perimetre: str = "complet",
                 refs: Referentials | None = None) -> str | bytes:
    """The graph in one of :data:`EXPORT_FORMATS`, restricted to a :data:`PERIMETRES`.

    Raises
    ------
    ArgumentError
        Unknown format or perimeter.
    ExportError
        When the graph holds a value the format cannot write.
    """
    if fmt not in EXPORT_FORMATS:
        raise ArgumentError(f"format d'export inconnu : « {fmt} » (--format). "
                            f"Formats possibles : {', '.join(EXPORT_FORMATS)}")
    part = select(graph, perimetre)
    try:
        if fmt == "graphml":
            return to_graphml(part, refs)
        if fmt == "gexf":
            return to_gexf(part, refs)
        if fmt == "json":
            return to_json(part)
        return to_kumu(part, refs)
    except (nx.NetworkXError, TypeError, ValueError) as exc:
        raise ExportError(f"export {fmt} impossible : {exc}. Signalez-le avec le jeu de "
                          "données en cause") from exc
