"""What the map and the annex say about each actor, and the analyses they show.

:func:`actor_profiles` reads, from the canonical graph (:mod:`spie_graph.graph`),
everything the *cartographie des acteurs* states for an actor: family,
missions, compétences, services by moment of the parcours, interactions and
consortium membership. It works on a graph from either store.

The analyses (coverage gaps, duplicated services, consortium check) are
optional inputs of the map and the annex. :class:`Findings` holds them;
:meth:`Findings.from_analyses` accepts the analyses' results as they come
(pydantic models, dataclasses or dicts with the JSON field names of the
``gaps``, ``duplicates`` and ``consortium check`` commands), and
:func:`analyses_findings` runs :mod:`spie_graph.analyses` when it is installed
(it is looked up at call time, so the map and the annex never depend on it).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from .errors import ArgumentError
from .graph import clean_properties, default_territory, node_key
from .model import Consortium
from .referentials import Referentials, referentials

__all__ = [
    "ActorProfile",
    "ConsortiumCheck",
    "Criterion",
    "Duplicate",
    "Findings",
    "Gap",
    "InteractionLine",
    "ServiceLine",
    "actor_profiles",
    "analyses_findings",
    "consortium_info",
    "replace_consortium",
]


@dataclass(frozen=True)
class ServiceLine:
    """A service as the annex lists it: name, thématique labels, moments (codes)."""

    id: str
    nom: str
    thematiques: tuple[str, ...]
    moments: tuple[str, ...]
    codes_thematiques: tuple[str, ...] = ()


@dataclass(frozen=True)
class InteractionLine:
    """One interaction seen from an actor: ``sortante`` (it is the source) or ``entrante``."""

    type: str
    libelle: str
    sens: str
    partenaire: str
    nom_partenaire: str
    description: str | None = None


@dataclass(frozen=True)
class ActorProfile:
    """Everything the annex and the map's tooltips state about one actor."""

    id: str
    key: str
    nom: str
    famille: str
    libelle_famille: str
    groupe: str
    volet: str
    commune: str | None
    territoire: tuple[str, ...]
    missions: str | None
    competences: tuple[str, ...]
    publics: tuple[str, ...]
    site_web: str | None
    services: tuple[ServiceLine, ...]
    interactions: tuple[InteractionLine, ...]
    membre: bool = False
    porteur: bool = False
    role: str | None = None
    lettre_engagement: bool | None = None
    zones: tuple[str, ...] = ()

    def services_par_moment(self, moments: Iterable[str]) -> dict[str, list[ServiceLine]]:
        """Services by moment code (a service reaching two moments is listed twice)."""
        result: dict[str, list[ServiceLine]] = {m: [] for m in moments}
        for service in self.services:
            for moment in service.moments:
                result.setdefault(moment, []).append(service)
        return result

    @property
    def thematiques(self) -> tuple[str, ...]:
        """Thématique codes its services declare, in order, without repeats."""
        seen: dict[str, None] = {}
        for service in self.services:
            seen.update(dict.fromkeys(service.codes_thematiques))
        return tuple(seen)


def consortium_info(graph: nx.MultiDiGraph) -> dict | None:
    """The consortium node's properties, or None when the data set has none."""
    for _, data in graph.nodes(data=True):
        if data["label"] == "Consortium":
            return dict(data)
    return None


def replace_consortium(graph: nx.MultiDiGraph, consortium: Consortium) -> nx.MultiDiGraph:
    """A copy of the graph whose consortium is ``consortium`` (another draft of it).

    The ``Consortium`` node and ``MEMBRE_DE`` relationships are written as
    :func:`spie_graph.graph.build_graph` writes them; members must be actors of
    the graph (check them first, e.g. with ``consortium_file.read_consortium``).
    """
    out = graph.copy()
    out.remove_nodes_from([n for n, d in graph.nodes(data=True) if d["label"] == "Consortium"])
    name = str(graph.graph.get("dataset") or consortium.nom)
    key = node_key("Consortium", name)
    out.add_node(key, label="Consortium", **clean_properties({
        "id": name, "nom": consortium.nom, "porteur": consortium.porteur,
        "accord_cd": consortium.accord_cd, "territoire": consortium.territoire,
        "publics": consortium.publics}))
    for membre in consortium.membres:
        out.add_edge(node_key("Acteur", membre.acteur), key, key="MEMBRE_DE", type="MEMBRE_DE",
                     **clean_properties({"role": membre.role,
                                         "lettre_engagement": membre.lettre_engagement}))
    return out


def actor_profiles(graph: nx.MultiDiGraph,
                   refs: Referentials | None = None) -> dict[str, ActorProfile]:
    """The profile of every actor of a canonical graph, by actor id.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A canonical graph (:func:`spie_graph.graph.build_graph` or a store's).

    Returns
    -------
    dict
        Actor id → :class:`ActorProfile`, in the graph's order.

    Notes
    -----
    One pass over the edges: O(V + E). ``zones`` lists the territory codes an
    actor works on (its own, its seat's and its services'), for filters.
    """
    refs = refs or referentials()
    nodes = graph.nodes
    services: dict[str, list[str]] = {}
    links: dict[str, list[InteractionLine]] = {}
    members: dict[str, dict] = {}
    for source, target, data in graph.edges(data=True):
        rel = data["type"]
        if rel == "PROPOSE":
            services.setdefault(source, []).append(target)
        elif rel == "MEMBRE_DE":
            members[source] = data
        elif rel == "INTERAGIT":
            kind = data.get("interaction", "")
            label = refs.interactions.get(kind, kind)
            desc = data.get("description")
            links.setdefault(source, []).append(InteractionLine(
                kind, label, "sortante", nodes[target]["id"], nodes[target]["nom"], desc))
            links.setdefault(target, []).append(InteractionLine(
                kind, label, "entrante", nodes[source]["id"], nodes[source]["nom"], desc))
    consortium = consortium_info(graph)
    porteur = consortium.get("porteur") if consortium else None
    profiles: dict[str, ActorProfile] = {}
    for key, data in graph.nodes(data=True):
        if data["label"] != "Acteur":
            continue
        lines = []
        zones: dict[str, None] = dict.fromkeys(data.get("territoire", []))
        if data.get("commune"):
            zones[data["commune"]] = None
        for service_key in services.get(key, []):
            s = nodes[service_key]
            codes = tuple(s.get("thematiques", []))
            lines.append(ServiceLine(
                s["id"], s["nom"],
                tuple(refs.thematiques[c].libelle if c in refs.thematiques else c for c in codes),
                tuple(s.get("moments", [])), codes))
            zones.update(dict.fromkeys(s.get("territoire", [])))
        member = members.get(key)
        famille = refs.familles.get(data["famille"])
        profiles[data["id"]] = ActorProfile(
            id=data["id"], key=key, nom=data["nom"], famille=data["famille"],
            libelle_famille=data.get("libelle_famille") or (famille.libelle if famille else
                                                            data["famille"]),
            groupe=data.get("groupe") or (famille.groupe if famille else "autres"),
            volet=data.get("volet") or (famille.volet if famille else ""),
            commune=data.get("commune"), territoire=tuple(data.get("territoire", [])),
            missions=data.get("missions"), competences=tuple(data.get("competences", [])),
            publics=tuple(data.get("publics", [])), site_web=data.get("site_web"),
            services=tuple(lines),
            interactions=tuple(sorted(links.get(key, []),
                                      key=lambda i: (i.sens != "sortante", i.libelle,
                                                     i.nom_partenaire))),
            membre=member is not None, porteur=data["id"] == porteur,
            role=member.get("role") if member else None,
            lettre_engagement=member.get("lettre_engagement", False) if member else None,
            zones=tuple(zones),
        )
    return profiles


# -- the analyses, as optional inputs -----------------------------------------

def _fields(item: object) -> dict:
    """The fields of a row from an analysis: dict, pydantic model or dataclass."""
    if isinstance(item, Mapping):
        return dict(item)
    dump = getattr(item, "model_dump", None)
    if callable(dump):
        return dump()
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return dataclasses.asdict(item)
    return dict(vars(item))


def _ids(values: object) -> tuple[str, ...]:
    """Actor or service ids from a list of ids, or of rows carrying ``id`` / ``acteur``."""
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    result = []
    for value in values:  # type: ignore[union-attr]
        if isinstance(value, str):
            result.append(value)
        else:
            row = _fields(value)
            ident = row.get("acteur") or row.get("id") or row.get("service")
            if ident:
                result.append(str(ident))
    return tuple(result)


def _codes(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)  # type: ignore[union-attr]


@dataclass(frozen=True)
class Gap:
    """A need (thématique) or a moment that no service covers on a territory."""

    territoire: str
    thematique: str | None = None
    moment: str | None = None
    nom_territoire: str | None = None
    population: int | None = None

    @classmethod
    def from_row(cls, row: object) -> Gap:
        values = _fields(row)
        return cls(territoire=str(values["territoire"]), thematique=values.get("thematique"),
                   moment=values.get("moment"), nom_territoire=values.get("nom_territoire"),
                   population=values.get("population"))


@dataclass(frozen=True)
class Duplicate:
    """Services of different actors offering the same thing to the same people, same place."""

    acteurs: tuple[str, ...]
    thematique: str | None = None
    moment: str | None = None
    territoire: tuple[str, ...] = ()
    nom_territoire: str | None = None
    population: int | None = None
    services: tuple[str, ...] = ()
    score: float | None = None

    @classmethod
    def from_row(cls, row: object) -> Duplicate:
        values = _fields(row)
        score = values.get("score", values.get("recouvrement"))
        return cls(acteurs=_ids(values.get("acteurs")), thematique=values.get("thematique"),
                   moment=values.get("moment"), territoire=_codes(values.get("territoire")),
                   nom_territoire=values.get("nom_territoire"),
                   population=values.get("population"), services=_ids(values.get("services")),
                   score=float(score) if isinstance(score, int | float) else None)


@dataclass(frozen=True)
class Criterion:
    """One criterion of the AMI SPIE, met or not, with its evidence."""

    code: str
    ok: bool
    detail: str | None = None
    libelle: str | None = None

    @classmethod
    def from_row(cls, row: object) -> Criterion:
        values = _fields(row)
        return cls(str(values.get("code", "")), bool(values.get("ok")), values.get("detail"),
                   values.get("libelle"))


@dataclass(frozen=True)
class ConsortiumCheck:
    """The consortium check: admissibility, criteria, families present and missing.

    ``familles_manquantes`` holds codes of recommended families (or groups of
    families); ``candidats`` maps a missing family or need (``famille:CODE``,
    ``besoin:THEMATIQUE``, ``moment:CODE``, ``public:CODE``, ``volet:CODE``, or
    a bare family code) to actor ids, best first; ``libelles`` gives the
    French label of a family or group code the referential lacks.
    """

    recevable: bool | None = None
    criteres: tuple[Criterion, ...] = ()
    publics: tuple[Criterion, ...] = ()
    familles_presentes: tuple[str, ...] = ()
    familles_manquantes: tuple[str, ...] = ()
    candidats: dict[str, tuple[str, ...]] = field(default_factory=dict)
    libelles: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_result(cls, result: object, libelles: Mapping[str, str] | None = None
                    ) -> ConsortiumCheck:
        values = _fields(result)
        candidats = {str(k): _ids(v) for k, v in (values.get("candidats") or {}).items()}
        return cls(recevable=values.get("recevable"),
                   criteres=tuple(Criterion.from_row(c) for c in values.get("criteres") or []),
                   publics=tuple(Criterion.from_row(c) for c in values.get("publics") or []),
                   familles_presentes=_codes(values.get("familles_presentes")),
                   familles_manquantes=_codes(values.get("familles_manquantes")),
                   candidats=candidats, libelles=dict(libelles or {}))


@dataclass(frozen=True)
class Findings:
    """What the analyses found, each part optional (None: analysis not run)."""

    gaps: tuple[Gap, ...] | None = None
    duplicates: tuple[Duplicate, ...] | None = None
    consortium: ConsortiumCheck | None = None

    @classmethod
    def from_analyses(cls, gaps: object | None = None,
                      duplicates: Iterable[object] | None = None,
                      consortium: object | None = None,
                      libelles: Mapping[str, str] | None = None) -> Findings:
        """Findings from the analyses' results, as they come.

        ``gaps``: the gaps analysis' result (``lignes`` and
        ``moments_sans_service``), or its rows: ``territoire``, ``thematique``
        (or ``moment``), ``nom_territoire``, ``population``, ``nb_services``;
        only rows with ``nb_services`` 0 (or without it) are gaps.
        ``duplicates``: groups with ``acteurs``, ``thematique``, ``moment``,
        ``territoire``, ``nom_territoire``, ``population``, ``services``.
        ``consortium``: the check's result (``recevable``, ``criteres``,
        ``publics``, ``familles_presentes``, ``familles_manquantes``,
        ``candidats``); ``libelles``: labels of its family group codes.
        """
        gap_rows = None
        if gaps is not None:
            values = gaps if isinstance(gaps, Mapping) else getattr(gaps, "__dict__", {})
            if "lignes" in values:  # the whole result of the gaps analysis
                gaps = [*values["lignes"], *(values.get("moments_sans_service") or [])]
            gap_rows = tuple(Gap.from_row(r) for r in gaps  # type: ignore[union-attr]
                             if not _fields(r).get("nb_services"))
        dup_rows = None if duplicates is None else tuple(Duplicate.from_row(r)
                                                          for r in duplicates)
        check = None if consortium is None else ConsortiumCheck.from_result(consortium,
                                                                            libelles)
        return cls(gap_rows, dup_rows, check)


def analyses_findings(graph: nx.MultiDiGraph, territoire: str | None = None, *,
                      gaps: bool = True, doublons: bool = True, consortium: bool = True,
                      required: bool = False,
                      refs: Referentials | None = None) -> Findings | None:
    """Run the analyses asked for with :mod:`spie_graph.analyses`, when it is installed.

    Gaps are counted by EPCI on a département or larger territory, by commune
    on an EPCI or a commune; the consortium is checked when the graph has one.

    Parameters
    ----------
    required : bool
        Raise :class:`ArgumentError` when an analysis asked for is not
        installed (``map --gaps``), rather than leave it out (``annex``).

    Returns
    -------
    Findings or None
        None when nothing was asked for or nothing could be run.

    Notes
    -----
    The cost of the analyses run (see their docstrings).
    """
    if not (gaps or doublons or consortium):
        return None
    try:
        analyses = importlib.import_module(f"{__package__}.analyses")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.analyses":
            raise
        analyses = None
    wanted = {"gaps": gaps, "duplicates": doublons, "check_consortium": consortium}
    missing = [name for name, asked in wanted.items()
               if asked and not callable(getattr(analyses, name, None))]
    if missing and required:
        raise ArgumentError("les analyses demandées (--gaps, --doublons) ne sont pas "
                            f"disponibles dans cette version de spie-graph ({', '.join(missing)})"
                            ". Relancez sans ces options")
    refs = refs or referentials()
    terr = refs.territoires
    code = terr.normalize(territoire) if territoire else default_territory(graph)
    found: dict[str, object] = {}
    if gaps and "gaps" not in missing:
        niveau = "epci" if terr.kind(code) in ("departement", "region", "france") else "commune"
        found["gaps"] = analyses.gaps(graph, code, niveau=niveau, refs=refs)
    if doublons and "duplicates" not in missing:
        found["duplicates"] = analyses.duplicates(graph, territoire=code, refs=refs)
    if consortium and "check_consortium" not in missing and consortium_info(graph):
        found["consortium"] = analyses.check_consortium(graph, refs=refs)
        load = getattr(analyses, "load_criteria", None)
        if callable(load):
            found["libelles"] = {g.code: g.libelle for g in load(refs=refs).familles_recommandees}
    return Findings.from_analyses(**found) if found else None
