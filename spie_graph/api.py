"""The library API: one function per command; the CLI is a thin layer over it.

Every function that reads a data set takes its folder (or ``.xlsx`` workbook)
and an optional ``store``: None builds the graph in memory (embedded store);
a :class:`~spie_graph.store.base.GraphStore` (Neo4j, from :func:`neo4j_store`)
is queried as it is, the data set having been loaded into it (:func:`load`).
Functions return the analyses' pydantic models or plain data; those that
write files write them whole or not at all. Errors are
:class:`~spie_graph.errors.SpieGraphError` with a French message.

The Neo4j driver and the local server, the analyses, NetworkX and the
renderers are imported only by the functions that use them (:func:`neo4j_store`,
:func:`gaps`, :func:`report`…): a question answered from a cached index
(:func:`who_covers`) loads none of them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from spie_graph import french
from spie_graph.errors import ArgumentError, DatasetError, Problem
from spie_graph.files import write_atomic
from spie_graph.graph.coverage import (
    CoverageAnswer,
    CoverageIndex,
    CoverageQuery,
    CoverageRow,
)
from spie_graph.reference.checks import check_territoire
from spie_graph.reference.referentials import referentials
from spie_graph.reference.territories import KIND_LABELS, fold
from spie_graph.sources.consortium import read_consortium
from spie_graph.sources.data_inclusion.provenance import read_provenance
from spie_graph.sources.model import Dataset
from spie_graph.sources.readers import is_workbook, locate_columns, read_dataset
from spie_graph.sources.validation import (
    FRAIS,
    MOBILISABLE_PAR,
    MODES_MOBILISATION,
    check_dataset,
    load_dataset,
)
from spie_graph.store import EmbeddedStore, GraphStore, LoadSummary, cache
from spie_graph.store.base import Progress
from spie_graph.store.connection import Neo4jConnection

if TYPE_CHECKING:
    import networkx as nx
    from pyvis.network import Network as PyvisNetwork

    from spie_graph.analyses import (
        ConsortiumCheck,
        DuplicateGroup,
        Gaps,
        Network,
        WithoutActor,
    )
    from spie_graph.analyses.findings import Findings
    from spie_graph.reference.referentials import Referentials
    from spie_graph.render.annex import Annex, Diagnostic
    from spie_graph.render.data_inclusion import DataInclusionExport
    from spie_graph.render.map import MapResult
    from spie_graph.sources.data_inclusion import ImportResult
    from spie_graph.store.neo4j import Neo4jStore
    from spie_graph.store.server import ServerConfig, ServerStatus

__all__ = [
    "REFERENTIELS", "AnnexFiles", "DiagnosticFiles", "WrittenFile",
    "validate", "dataset_name", "open_store", "load_graph", "neo4j_store", "bulk_load",
    "stats", "who_covers", "who_covers_head", "report", "referential", "territory_search",
    "gaps", "duplicates", "duplicates_named", "NamedDuplicates", "check_consortium",
    "check_consortium_named", "NamedCheck",
    "network", "without_actor", "without_actor_named", "NamedWithout",
    "map", "annex", "diagnostic", "export", "to_pyvis",
    "load", "cypher",
    "import_data_inclusion", "export_data_inclusion", "template", "provenance",
    "server_start", "server_stop", "server_status",
]

REFERENTIELS = ("familles", "thematiques", "publics", "moments", "interactions",
                "modes-accueil", "reseaux-porteurs", "frais", "modes-mobilisation",
                "mobilisable-par", "territoires")


# -- data sets and stores ----------------------------------------------------------------

def validate(path: Path | str) -> tuple[Dataset | None, list[Problem]]:
    """Check a data set folder or workbook: the data set when valid, and every problem found."""
    folder = Path(path)
    try:
        if not folder.is_dir() and not is_workbook(folder):
            load_dataset(folder)  # raises the located "folder not found" error
        raw = read_dataset(folder)
        if not raw.opened:  # an unreadable workbook: nothing else to check
            return None, raw.problems
        dataset, problems = check_dataset(raw)
        return dataset, locate_columns(problems, raw)
    except DatasetError as exc:
        return None, exc.problems


def dataset_name(path: Path | str) -> str:
    """The name a data set is known by: its folder's name, or its workbook's without ``.xlsx``.

    ``datasets/ardeche.xlsx`` and ``datasets/ardeche`` are both « ardeche », in
    the embedded store as in Neo4j.
    """
    path = Path(path)
    return path.stem if is_workbook(path) else path.name


def open_store(path: Path | str, store: GraphStore | None = None) -> tuple[GraphStore, str]:
    """A store holding the data set, and the data set's name.

    With no store, the data set is validated and loaded into a new embedded
    store, or its graph read from the cache when its files have not changed
    (:mod:`spie_graph.store.cache`). A given store (Neo4j) is queried as it is:
    the data set must have been loaded into it (:func:`load`).
    """
    opened, name, remember = _open_store(path, store)
    if remember is not None:
        remember()
    return opened, name


def _open_store(path: Path | str, store: GraphStore | None
                ) -> tuple[GraphStore, str, Callable[[], None] | None]:
    """:func:`open_store`, with the writing of the cache left to the caller: a graph just
    built comes with the call that stores it in the cache (None otherwise)."""
    if store is not None:
        return store, dataset_name(path), None
    key = cache.dataset_key(path, dataset_name(path))
    embedded = EmbeddedStore()
    graph = cache.read(key, "graph")
    if graph is not None:
        index = cache.read(key, "index")  # who-covers' index, when a question made it
        embedded.add_graph(graph, index if isinstance(index, CoverageIndex) else None)
        return embedded, graph.graph["dataset"], None
    from spie_graph.graph.build import build_graph  # NetworkX: not for a cached answer

    with cache.collector_paused():
        built = build_graph(load_dataset(path))
    embedded.add_graph(built)  # no load summary: nobody reads it here
    remember = None if key is None else functools.partial(cache.write, key, "graph", built)
    return embedded, built.graph["dataset"], remember


def load_graph(path: Path | str, store: GraphStore | None = None) -> nx.MultiDiGraph:
    """The canonical graph of a data set."""
    opened, name = open_store(path, store)
    return opened.graph(name)


@contextmanager
def neo4j_store(connection: Neo4jConnection | None = None) -> Iterator[Neo4jStore]:
    """A Neo4j store, connected (default: the local server), closed on exit."""
    from spie_graph.store.neo4j import Neo4jStore

    with Neo4jStore(connection or Neo4jConnection()) as store:
        yield store


# -- questions ---------------------------------------------------------------------------

def stats(path: Path | str, store: GraphStore | None = None,
          territoire: str | None = None) -> dict:
    """Figures of a data set (see :func:`spie_graph.analyses.stats.graph_stats`).

    Coverage counts the communes of ``territoire`` (default: the data set's).
    """
    from spie_graph.analyses.stats import graph_stats

    if territoire is not None:
        territoire = check_territoire(territoire)
    return graph_stats(load_graph(path, store), territoire=territoire)


def who_covers(path: Path | str, query: CoverageQuery,
               store: GraphStore | None = None) -> list[CoverageRow]:
    """The services that cover a need on a territory (see :mod:`spie_graph.graph.coverage`).

    With no store, an unchanged data set is answered from its who-covers index alone:
    read from the cache on disk (about 0.05 s at 100,000 actors), then kept in the
    process while the files are unchanged, so that a program asking many questions
    pays only the question (milliseconds for a département).
    """
    if store is None:
        index = cache.remembered(path, "index", lambda: _coverage_index(path))
        return index.answer(query)
    opened, name = open_store(path, store)
    return opened.who_covers(name, query)


def who_covers_head(path: Path | str, query: CoverageQuery, limite: int | None,
                    store: GraphStore | None = None) -> CoverageAnswer:
    """The first ``limite`` rows of :func:`who_covers` (all when None) and the answer's
    size, for a table that shows a few rows of a national answer: with no store, only
    the rows shown are made (40,000 services cover a need across France)."""
    if store is None:
        index = cache.remembered(path, "index", lambda: _coverage_index(path))
        return index.head(query, limite)
    opened, name = open_store(path, store)
    return CoverageAnswer.of_rows(opened.who_covers(name, query), limite)


def _coverage_index(path: Path | str) -> CoverageIndex:
    """The who-covers index of a data set: from the cache, else built (and cached)."""
    key = cache.dataset_key(path, dataset_name(path))
    index = cache.read(key, "index")
    if not isinstance(index, CoverageIndex):  # a miss, or an entry of another release
        opened, name = open_store(path)
        assert isinstance(opened, EmbeddedStore)
        index = opened.coverage_index(name)
        cache.write(key, "index", index)
    return index


def provenance(path: Path | str) -> list[str]:
    """What the data·inclusion import of a data set left out, in French (empty when the
    data set was not imported; see :mod:`spie_graph.sources.data_inclusion.provenance`)."""
    found = read_provenance(path if Path(path).is_dir() else None)
    return found.notes() if found is not None else []


def _quality_note(qualite_min: float | None, maj_depuis: date | None) -> list[str]:
    parts = []
    if qualite_min is not None:
        parts.append(f"score de qualité data·inclusion d'au moins {french.decimal(qualite_min)}")
    if maj_depuis is not None:
        parts.append(f"mis à jour depuis le {maj_depuis.strftime('%d/%m/%Y')}")
    return [f"Seuls comptent les services au {' et '.join(parts)}."] if parts else []


def report(path: Path | str, out_root: Path | str = "exports",
           store: GraphStore | None = None, territoire: str | None = None, *,
           qualite_min: float | None = None, maj_depuis: date | None = None) -> Path:
    """Run the main job and return the folder written (``exports/<data set>``).

    The territory is checked before the data set is read. ``qualite_min`` and
    ``maj_depuis`` leave out the services of lower data·inclusion quality or older.
    """
    from spie_graph.graph.views import services_kept
    from spie_graph.report.run import run_report

    if territoire is not None:
        territoire = check_territoire(territoire)
    opened, name, remember = _open_store(path, store)
    graph = services_kept(opened.graph(name), qualite_min, maj_depuis)
    return run_report(name, graph, out_root, territoire,
                      provenance=provenance(path) + _quality_note(qualite_min, maj_depuis),
                      beside=remember)


def referential(nom: str, recherche: str | None = None) -> list[dict]:
    """The codes and labels of a referential (``familles``, ``thematiques``…).

    ``recherche`` keeps the codes whose code or label contains it (accents and
    case ignored). For ``territoires`` it is required: the territories whose
    name, code or postcode match it (:meth:`Territories.search`), with their
    kind, postcodes, EPCI and département.
    """
    refs = referentials()
    if nom == "territoires":
        return territory_search(recherche or "")
    if nom == "familles":
        rows = [{"code": f.code, "libelle": f.libelle, "groupe": f.libelle_groupe,
                 "volet": f.volet, "alias": list(f.alias)} for f in refs.familles.values()]
    elif nom == "thematiques":
        rows = [{"code": t.code, "libelle": t.libelle, "categorie": t.categorie}
                for t in refs.thematiques.values()]
    else:
        sources = {"publics": refs.publics, "moments": refs.moments,
                   "interactions": refs.interactions, "modes-accueil": refs.modes_accueil,
                   "reseaux-porteurs": refs.reseaux_porteurs,
                   **{codes.name: codes.codes(refs)
                      for codes in (FRAIS, MODES_MOBILISATION, MOBILISABLE_PAR)}}
        if nom not in sources:
            raise ArgumentError(f"référentiel inconnu : « {nom} ». Référentiels : "
                                f"{', '.join(REFERENTIELS)}")
        rows = [{"code": code, "libelle": label} for code, label in sources[nom].items()]
    if recherche:
        key = fold(recherche)
        rows = [r for r in rows if key in fold(f"{r['code']} {r['libelle']}")]
    return rows


def territory_search(recherche: str, limit: int = 30) -> list[dict]:
    """Territories (communes, EPCI, départements, régions) by name, code or postcode.

    ``"lamastre"``, ``"Lamastre"``, ``"07129"`` and ``"07270"`` all find the
    commune of Lamastre (accents and case ignored), and the CC du Pays de
    Lamastre for the name.
    """
    if not recherche.strip():
        raise ArgumentError("indiquez ce que vous cherchez : un nom, un code INSEE ou SIREN, ou "
                            "un code postal (ex. spie-graph referentiel territoires Lamastre)")
    terr = referentials().territoires
    rows = []
    for found in terr.search(recherche, limit=limit):
        commune = found.kind == "commune"
        epci = terr.epci_of(found.code) if commune else None
        departement = terr.departement_of(found.code) if commune else (
            found.code if found.kind == "departement" else None)
        rows.append({
            "code": found.code, "nom": found.name, "niveau": KIND_LABELS[found.kind],
            "codes_postaux": terr.postcodes(found.code),
            "epci": f"{terr.name(epci)} ({epci})" if epci else None,
            "departement": (f"{terr.name(departement)} ({departement})"
                            if departement else None),
            "population": found.population,
        })
    if not rows:
        raise ArgumentError(f"aucun territoire ne correspond à « {recherche} » : vérifiez "
                            "l'orthographe, ou cherchez une partie du nom")
    return rows


# -- analyses ----------------------------------------------------------------------------

def gaps(path: Path | str, territoire: str | None = None, *, niveau: str = "commune",
         thematiques: list[str] | None = None, public: str | None = None,
         store: GraphStore | None = None, qualite_min: float | None = None,
         maj_depuis: date | None = None) -> Gaps:
    """Services per commune (or EPCI) and need; a gap is a zero (see :func:`analyses.gaps`);
    ``qualite_min``, ``maj_depuis``: only the services of enough quality, recent enough."""
    from spie_graph.analyses import gaps as _gaps
    from spie_graph.graph.views import services_kept

    if territoire is not None:
        territoire = check_territoire(territoire)
    graph = services_kept(load_graph(path, store), qualite_min, maj_depuis)
    return _gaps(graph, territoire, niveau=niveau, thematiques=thematiques, public=public)


def duplicates(path: Path | str, territoire: str | None = None, *,
               niveau: str = "thematique", limite: int | None = None,
               store: GraphStore | None = None) -> list[DuplicateGroup]:
    """Groups of services of different actors that duplicate each other (on a run wider
    than a département, the ``limite`` most populated: see
    :func:`analyses.duplicates.find_duplicates`)."""
    from spie_graph.analyses import duplicates as _duplicates

    if territoire is not None:
        territoire = check_territoire(territoire)
    return _duplicates(load_graph(path, store), niveau=niveau, territoire=territoire,
                       limite=limite)


@dataclass(frozen=True)
class NamedDuplicates:
    """Duplicate groups, and the names of their actors (for people, not ids); ``total``
    findings in all (``au_moins``: at least), ``etendu``: wider than a département."""

    groups: list[DuplicateGroup]
    noms: dict[str, str]
    total: int = 0
    au_moins: bool = False
    seuil: int = 0
    limite: int = 0
    territoire: str = "france"
    etendu: bool = False


def duplicates_named(path: Path | str, territoire: str | None = None, *,
                     niveau: str = "thematique", limite: int | None = None,
                     store: GraphStore | None = None) -> NamedDuplicates:
    """:func:`duplicates`, with each actor's name (what ``duplicates`` shows in a table)."""
    from spie_graph.analyses._common import actor_nodes
    from spie_graph.analyses.duplicates import find_duplicates

    if territoire is not None:
        territoire = check_territoire(territoire)
    graph = load_graph(path, store)
    found = find_duplicates(graph, niveau=niveau, territoire=territoire, limite=limite)
    return NamedDuplicates(found.constats,
                           {key: data["nom"] for key, data in actor_nodes(graph).items()},
                           total=found.total, au_moins=found.au_moins, seuil=found.seuil,
                           limite=found.limite,
                           territoire=found.territoire, etendu=found.etendu)


def _graph_with_consortium(path: Path | str, consortium: Path | str | None,
                           store: GraphStore | None) -> nx.MultiDiGraph:
    from spie_graph.analyses._common import actor_nodes
    from spie_graph.graph.views import replace_consortium

    graph = load_graph(path, store)
    if consortium is None:
        return graph
    return replace_consortium(graph, read_consortium(Path(consortium), actor_nodes(graph)))


def check_consortium(path: Path | str, consortium: Path | str | None = None,
                     store: GraphStore | None = None) -> ConsortiumCheck:
    """The consortium (the data set's, or another draft in a YAML file) against the AMI."""
    from spie_graph.analyses import check_consortium as _check_consortium

    return _check_consortium(_graph_with_consortium(path, consortium, store))


@dataclass(frozen=True)
class NamedCheck:
    """The consortium check, with the actors' names and the recommended families' labels."""

    check: ConsortiumCheck
    noms: dict[str, str]
    familles: dict[str, str]


def check_consortium_named(path: Path | str, consortium: Path | str | None = None,
                           store: GraphStore | None = None) -> NamedCheck:
    """:func:`check_consortium`, with what a person reads instead of codes and ids."""
    from spie_graph.analyses import check_consortium as _check_consortium
    from spie_graph.analyses._common import actor_nodes
    from spie_graph.analyses.consortium import load_criteria

    graph = _graph_with_consortium(path, consortium, store)
    criteria = load_criteria()
    return NamedCheck(_check_consortium(graph, criteria=criteria),
                      {key: data["nom"] for key, data in actor_nodes(graph).items()},
                      {g.code: g.libelle for g in criteria.familles_recommandees})


def network(path: Path | str, *, seuil_exact: int | None = None, day: date | None = None,
            store: GraphStore | None = None) -> Network:
    """Roles in the interaction network (see :func:`spie_graph.analyses.network`)."""
    from spie_graph.analyses import network as _network

    graph = load_graph(path, store)
    if seuil_exact is None:
        return _network(graph, day=day)
    return _network(graph, seuil_exact=seuil_exact, day=day)


def without_actor(path: Path | str, acteur: str, *, territoire: str | None = None,
                  niveau: str = "commune", day: date | None = None,
                  store: GraphStore | None = None) -> WithoutActor:
    """What breaks if an actor leaves: needs no longer covered, links broken."""
    from spie_graph.analyses import without_actor as _without_actor

    if territoire is not None:
        territoire = check_territoire(territoire)
    return _without_actor(load_graph(path, store), acteur, territoire=territoire,
                          niveau=niveau, day=day)


@dataclass(frozen=True)
class NamedWithout:
    """:func:`without_actor`'s answer, with the actors' names (what a person reads)."""

    result: WithoutActor
    noms: dict[str, str]


def without_actor_named(path: Path | str, acteur: str, *, territoire: str | None = None,
                        niveau: str = "commune", day: date | None = None,
                        store: GraphStore | None = None) -> NamedWithout:
    """:func:`without_actor`, with each actor's name."""
    from spie_graph.analyses import without_actor as _without_actor
    from spie_graph.analyses._common import actor_nodes

    if territoire is not None:
        territoire = check_territoire(territoire)
    graph = load_graph(path, store)
    result = _without_actor(graph, acteur, territoire=territoire, niveau=niveau, day=day)
    return NamedWithout(result, {key: data["nom"] for key, data in actor_nodes(graph).items()})


# -- files for people and other tools ----------------------------------------------------

@dataclass(frozen=True)
class WrittenFile:
    """A file written, and what it holds."""

    path: Path
    nodes: int
    edges: int


@dataclass(frozen=True)
class AnnexFiles:
    """The annex written (the page, or the detailed sheets), and its content."""

    paths: list[Path]
    annex: Annex


@dataclass(frozen=True)
class DiagnosticFiles:
    """The diagnostic written (and its picture for Markdown), and its content."""

    paths: list[Path]
    diagnostic: Diagnostic


def map(path: Path | str, output: Path | str | None = None, *,  # noqa: A001 - the command
        territoire: str | None = None, thematique: str | None = None,
        taille: str = "services", gaps: bool = False, doublons: bool = False,
        store: GraphStore | None = None) -> tuple[Path, MapResult]:
    """Write the interactive map (default file: ``carte-<data set>.html``).

    ``gaps`` and ``doublons`` show the findings of the territory, computed as
    the report computes them (:func:`spie_graph.analyses.findings.compute_findings`).
    """
    from spie_graph.analyses.findings import compute_findings
    from spie_graph.render.map import build_map

    if output is not None and Path(output).suffix.lower() not in (".html", ".htm"):
        raise ArgumentError(f"la carte s'écrit en HTML : « {output} » (-o). "
                            "Donnez un nom de fichier en .html")
    if territoire is not None:
        territoire = check_territoire(territoire)
    graph = load_graph(path, store)
    findings = None
    if gaps or doublons:
        findings = compute_findings(graph, territoire, with_gaps=gaps,
                                    with_duplicates=doublons, with_consortium=False,
                                    with_network=False)
    result = build_map(graph, territoire=territoire, thematique=thematique,
                       findings=findings, taille=taille)
    name = graph.graph.get("dataset") or dataset_name(path)
    target = Path(output) if output is not None else Path(f"carte-{name}.html")
    return write_atomic(target, result.html), result


_ANNEX_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
                   ".docx": "docx", ".pdf": "pdf"}


def _annex_format(output: Path, what: str, example: str) -> str:
    fmt = _ANNEX_SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        from spie_graph.render.annex import ANNEX_FORMATS

        raise ArgumentError(f"extension inconnue pour {what} : « {output.name} » (-o). "
                            f"Formats possibles : {', '.join(ANNEX_FORMATS)} (ex. {example})")
    return fmt


def annex(path: Path | str, output: Path | str, *, consortium: Path | str | None = None,
          territoire: str | None = None, fiches: bool = False,
          store: GraphStore | None = None) -> AnnexFiles:
    """Write the *cartographie des acteurs*; its format follows ``output``'s extension.

    By default the page to attach: one A4 landscape page (``.docx``, ``.html``,
    ``.pdf`` through LibreOffice, or ``.md``). With ``fiches``, the detailed
    member sheets instead. When the consortium is too large for one legible
    page, ``annex.fit.message`` says so and proposes a split.
    """
    from spie_graph.render.annex import collect_annex, render_page, render_sheets

    output = Path(output)
    fmt = _annex_format(output, "les fiches" if fiches else "l'annexe",
                        "fiches.docx" if fiches else "annexe.docx")
    if territoire is not None:
        territoire = check_territoire(territoire)
    graph = _graph_with_consortium(path, consortium, store)
    refs = referentials()
    content = collect_annex(graph, territoire=territoire, refs=refs)
    written = render_sheets(content, fmt, refs.publics) if fiches else render_page(content, fmt)
    return AnnexFiles([write_atomic(output, written)], content)


def diagnostic(path: Path | str, output: Path | str, *, consortium: Path | str | None = None,
               territoire: str | None = None, criteres: Path | str | None = None,
               seuil_population: float | None = None,
               store: GraphStore | None = None) -> DiagnosticFiles:
    """Write the diagnostic (a working document, not to attach); format from the extension.

    ``criteres`` reads the AMI criteria from another file (a copy of the
    package's ``criteres_ami.yaml``); ``seuil_population`` replaces the share
    of the population the coverage criteria ask for (0 to 1; the project's
    choice is 0.8). The findings are those the report computes.
    """
    from spie_graph.analyses.consortium import load_criteria
    from spie_graph.analyses.findings import compute_findings
    from spie_graph.render.annex import collect_diagnostic, render_diagnostic

    output = Path(output)
    fmt = _annex_format(output, "le diagnostic", "diagnostic.docx")
    if territoire is not None:
        territoire = check_territoire(territoire)
    refs = referentials()
    criteria = load_criteria(criteres, refs) if criteres is not None else None
    if seuil_population is not None:
        criteria = (criteria or load_criteria(refs=refs)).with_population_share(
            seuil_population)
    graph = _graph_with_consortium(path, consortium, store)
    findings = compute_findings(graph, territoire, with_network=False, criteria=criteria,
                                refs=refs)
    content = collect_diagnostic(graph, territoire=territoire, findings=findings, refs=refs)
    picture = output.with_suffix(".png")
    written = [write_atomic(output, render_diagnostic(content, fmt, picture.name))]
    if fmt == "md":
        written.append(write_atomic(picture, content.picture))
    return DiagnosticFiles(written, content)


def export(path: Path | str, fmt: str = "graphml", *, perimetre: str = "complet",
           territoire: str | None = None, output: Path | str | None = None,
           store: GraphStore | None = None) -> WrittenFile:
    """Export the graph for Gephi (GraphML, GEXF), as node-link JSON or for Kumu (XLSX).

    ``perimetre="territoire"`` keeps what the report's ``graphe.*`` files keep: the
    graph within ``territoire`` (by default the data set's, as for ``report``).
    """
    from spie_graph.graph.build import default_territory
    from spie_graph.render.exports import EXPORT_FORMATS, EXTENSIONS, export_graph, select

    if fmt not in EXPORT_FORMATS:
        raise ArgumentError(f"format d'export inconnu : « {fmt} ». Formats possibles : "
                            f"{', '.join(EXPORT_FORMATS)}")
    if territoire is not None:
        territoire = check_territoire(territoire)
    whole = load_graph(path, store)
    if perimetre == "territoire" and territoire is None:
        territoire = default_territory(whole)
    graph = select(whole, perimetre, territoire)
    content = export_graph(whole, fmt, perimetre, territoire=territoire)
    name = graph.graph.get("dataset") or dataset_name(path)
    target = Path(output) if output is not None else Path(f"{name}.{EXTENSIONS[fmt]}")
    write_atomic(target, content)
    return WrittenFile(target, graph.number_of_nodes(), graph.number_of_edges())


def to_pyvis(graph: nx.MultiDiGraph, *, territoire: str | None = None,
             thematique: str | None = None, findings: Findings | None = None,
             taille: str = "services", height: str = "650px", notebook: bool = True,
             refs: Referentials | None = None) -> PyvisNetwork:
    """A :class:`pyvis.network.Network` of the map, for notebook users.

    Needs the optional extra ``pip install "spie-graph[notebook]"``; see
    :func:`spie_graph.render.notebook.to_pyvis` (same parameters).
    """
    from spie_graph.render.notebook import to_pyvis as _to_pyvis

    return _to_pyvis(graph, territoire=territoire, thematique=thematique, findings=findings,
                     taille=taille, height=height, notebook=notebook, refs=refs)


# -- stores ------------------------------------------------------------------------------

def load(path: Path | str, store: GraphStore | None = None, *, replace: bool = False,
         progress: Progress | None = None) -> LoadSummary:
    """Validate a data set, then write it into a store (embedded when None).

    Nothing is written unless the whole data set is valid. Into Neo4j, a data
    set whose files have not changed since its last complete load is neither
    read nor written again (without ``replace``).
    """
    if store is None or store.name != "neo4j":
        dataset = load_dataset(path)
        return (store or EmbeddedStore()).load(dataset, replace=replace, progress=progress)
    neo4j = cast("Neo4jStore", store)
    # Neo4j: files unchanged since the data set's last complete load: nothing to read.
    name = dataset_name(path)
    source = cache.dataset_key(path, name)
    done = None if replace else neo4j.unchanged(name, source)
    if done is not None:
        return done
    # Read, validated and built by the store: on a first load, the server warms up while
    # the files are read, and nodes are written while the graph is built; the data set is
    # freed once built.
    return neo4j.load_from(lambda: load_dataset(path), replace=replace, progress=progress,
                           source=source, name=name)


def bulk_load(path: Path | str, connection: Neo4jConnection | None = None, *,
              progress: Progress | None = None,
              server: ServerConfig | None = None) -> LoadSummary:
    """Validate a data set, then write it into the empty database of the local Neo4j
    server with ``neo4j-admin database import`` (:mod:`spie_graph.store.bulk`).

    ``server`` is the local server's configuration (default: from the
    environment, as ``spie-graph neo4j start``). Refused, changing nothing, when
    the connection does not reach that server or its database holds anything.
    """
    from spie_graph.graph.build import build_graph
    from spie_graph.store.bulk import bulk_load as _bulk_load

    config = server or _server_config()
    target = connection or Neo4jConnection(uri=config.uri)
    source = cache.dataset_key(path, dataset_name(path))
    with cache.collector_paused():
        graph = build_graph(load_dataset(path))
    return _bulk_load(graph, target, config, source=source, progress=progress)


def _cypher_parameters(pairs: list[str] | tuple[str, ...]) -> dict[str, object]:
    """``key=value`` pairs; values read as JSON when they are (numbers, lists), else text."""
    params: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ArgumentError(f"paramètre illisible : « {pair} » (--param). "
                                "Écrivez --param cle=valeur, par exemple --param dataset=morbihan")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params


def cypher(query: str, params: list[str] | tuple[str, ...] | dict[str, object] = (), *,
           write: bool = False, connection: Neo4jConnection | None = None) -> list[dict]:
    """Run a named query (``cypher/queries/``) or a ``.cypher`` file on Neo4j.

    ``params`` is a dict, or ``key=value`` texts (values read as JSON when
    they are). Read only unless ``write``: the server's plan must say the
    query only reads the graph (no write, LOAD CSV, administration or
    transaction command; see :meth:`Neo4jStore.run_read_only`). Without a
    password, the local server's is read from its password file.
    """
    from spie_graph.store.cypher import named_query

    text = named_query(query)
    values = params if isinstance(params, dict) else _cypher_parameters(params)
    with neo4j_store(connection) as store:
        return store.run(text, values) if write else store.run_read_only(text, values)


# -- imports -----------------------------------------------------------------------------

def import_data_inclusion(structures: Path | str, services: Path | str | None,
                          output: Path | str, departement: str | None = None,
                          force: bool = False, *, region: str | None = None,
                          elargir: bool = True, infer_famille: bool = True,
                          progress: Progress | None = None) -> ImportResult:
    """Convert data·inclusion exports into a data set folder (see :mod:`sources.data_inclusion`)."""
    from spie_graph.sources.data_inclusion import import_data_inclusion as run_import

    return run_import(structures, services, output, departement, force,
                      region=region, elargir=elargir, infer_famille=infer_famille,
                      progress=progress)


def export_data_inclusion(path: Path | str, output: Path | str, fmt: str = "json", *,
                          source: str | None = None, force: bool = False
                          ) -> DataInclusionExport:
    """Write a data set back as data·inclusion schema v1 structures and services (see
    :mod:`spie_graph.render.data_inclusion`)."""
    from spie_graph.render.data_inclusion import DEFAULT_SOURCE, write_data_inclusion
    from spie_graph.sources.data_inclusion import read_originals

    dataset = load_dataset(path)
    folder = Path(path) if Path(path).is_dir() else None
    return write_data_inclusion(dataset, read_originals(folder), output, fmt,
                                source=DEFAULT_SOURCE if source is None else source,
                                force=force)


def template(output: Path | str = "modele.xlsx", force: bool = False,
             departement: str | None = None) -> Path:
    """Write the Excel workbook a data set can be typed in.

    With a ``departement``, its ``codes`` sheet lists the département's
    communes (with postcodes) and EPCI.
    """
    from spie_graph.sources.template import write_template

    return write_template(output, overwrite=force, departement=departement)


# -- the local Neo4j server --------------------------------------------------------------

def _server_config(**options: object) -> ServerConfig:
    from spie_graph.store.server import ServerConfig

    return ServerConfig.from_env(**{k: v for k, v in options.items() if v is not None})


def server_start(timeout: float = 120, **options: object) -> ServerStatus:
    """Start the local Neo4j server (assembled on first use) and wait until it answers.

    ``options``: ``port``, ``home``, ``heap``, ``pagecache`` (see ``ServerConfig``).
    """
    from spie_graph.store import server

    return server.start(_server_config(**options), timeout=timeout)


def server_stop(timeout: float = 60, **options: object) -> bool:
    """Stop the local Neo4j server; False when none was running."""
    from spie_graph.store import server

    return server.stop(_server_config(**options), timeout=timeout)


def server_status(**options: object) -> ServerStatus:
    """The local Neo4j server's state, address and folders."""
    from spie_graph.store import server

    return server.status(_server_config(**options))
