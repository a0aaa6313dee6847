"""Is a consortium admissible to the AMI SPIE? Which partners is it missing, and who could join?

The criteria are not written here: ``data/criteres_ami.yaml`` lists them as
rules, each of a kind this engine implements (:data:`RULE_KINDS`), with its
parameters. Each criterion comes back met or not with its French evidence
(which members, which figures). Then the selection view: the recommended
families present and missing, the publics beyond RSA recipients served or not.
For every missing family and every uncovered need, the actors of the
territory who are not members and would fill it, best first:

- a missing family: actors of the family, by population of the territory
  their area reaches, then by number of partners (interactions), then id;
- an uncovered need (thématique, moment, public): actors whose services would
  cover it, by population they would add to what members already cover, then
  by population they cover, then by number of partners, then id.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import yaml
from pydantic import BaseModel, ValidationError

from spie_graph import french
from spie_graph.analyses._common import (
    Areas,
    ServiceView,
    actor_nodes,
    describe_communes,
    interaction_degrees,
    names,
    population,
    service_views,
    share,
)
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import default_territory, node_key
from spie_graph.reference import data_file
from spie_graph.reference.referentials import Referentials, closest, referentials
from spie_graph.sources.model import Consortium, Membre

__all__ = ["RULE_KINDS", "Rule", "FamilyGroup", "Criteria", "Criterion", "ConsortiumCheck",
           "load_criteria", "consortium_of_graph", "check_consortium"]

VOLETS = ("social", "professionnel", "institutionnel")


class Rule(BaseModel):
    """One admissibility criterion: a code, a French label, a kind and its parameters.

    ``choix_du_projet`` names the parameters whose value the AMI does not set
    (the project chose it: the 80 % population share), each with the reason
    in French; outputs say so next to the criterion.
    """

    code: str
    libelle: str
    regle: str
    parametres: dict = {}
    choix_du_projet: dict[str, str] = {}


class FamilyGroup(BaseModel):
    """A family the AMI recommends: present when a member belongs to one of ``familles``."""

    code: str
    libelle: str
    familles: list[str]


class Criteria(BaseModel):
    """The content of ``criteres_ami.yaml``."""

    version: int = 1
    recevabilite: list[Rule]
    familles_recommandees: list[FamilyGroup]
    publics: list[str]
    max_candidats: int = 10
    source: str = "criteres_ami.yaml"
    """Where the criteria were read (the package's file, or the user's)."""
    seuil_population: float | None = None
    """The population share given for the run (--seuil-population), when one was."""

    def with_population_share(self, share_min: float) -> Criteria:
        """A copy whose coverage rules ask for ``share_min`` of the population (0 to 1).

        Raises
        ------
        ArgumentError
            When ``share_min`` is not between 0 and 1.
        """
        if not 0 <= share_min <= 1:
            raise ArgumentError(f"part de population hors limites : {share_min} (--seuil-"
                                "population). Donnez une part entre 0 et 1, ex. 0.8 pour "
                                "80 %")
        rules = [rule.model_copy(update={"parametres": {**rule.parametres,
                                                        "part_population_min": share_min}})
                 if "part_population_min" in rule.parametres else rule
                 for rule in self.recevabilite]
        return self.model_copy(update={"recevabilite": rules,
                                       "seuil_population": share_min})

    @property
    def project_choices(self) -> list[tuple[Rule, str, object, str]]:
        """(rule, parameter, value, reason) for every threshold the project chose."""
        return [(rule, name, rule.parametres.get(name), reason)
                for rule in self.recevabilite for name, reason in rule.choix_du_projet.items()]


class Criterion(BaseModel):
    """A criterion checked: met or not, and the evidence in French.

    ``choix_du_projet`` says, in French, which of its thresholds the project
    chose rather than the AMI, and how to change them (empty when none).
    """

    code: str
    libelle: str
    ok: bool
    detail: str
    choix_du_projet: list[str] = []


class ConsortiumCheck(BaseModel):
    """The answer of ``consortium check``.

    ``candidats`` maps ``famille:<code>``, ``besoin:<thématique>``,
    ``moment:<code>``, ``public:<code>`` or ``volet:<code>`` to actor ids, best first.
    """

    consortium: str
    porteur: str
    territoire: list[str]
    population: int
    recevable: bool
    criteres: list[Criterion]
    familles_presentes: list[str]
    familles_manquantes: list[str]
    publics: list[Criterion]
    candidats: dict[str, list[str]]


# -- the rules file -----------------------------------------------------------------

_CODE_LISTS: dict[str, Callable[[Referentials], Collection[str]]] = {
    "famille": lambda r: r.familles, "familles": lambda r: r.familles,
    "hors_familles": lambda r: r.familles, "thematiques": lambda r: r.thematiques,
    "publics": lambda r: r.publics, "moments": lambda r: r.moments, "volets": lambda r: VOLETS,
}
_FLAGS = tuple(name for name, info in Consortium.model_fields.items() if info.annotation is bool)


def _invalid(source: str, where: str, message: str) -> ArgumentError:
    return ArgumentError(f"{source}, {where} : {message}")


def _check_rule(rule: Rule, source: str, refs: Referentials) -> None:
    where = f"règle « {rule.code} »"
    if rule.regle not in RULE_KINDS:
        raise _invalid(source, where, f"type de règle inconnu « {rule.regle} » ; types "
                                      f"possibles : {', '.join(RULE_KINDS)}")
    missing = [p for p in RULE_KINDS[rule.regle].parametres if p not in rule.parametres]
    if missing:
        raise _invalid(source, where, f"paramètre(s) manquant(s) : {', '.join(missing)}")
    unknown = [p for p in rule.choix_du_projet if p not in rule.parametres]
    if unknown:
        raise _invalid(source, where, f"choix_du_projet nomme un paramètre absent de "
                                      f"« parametres » : {', '.join(unknown)}")
    for name, value in rule.parametres.items():
        if name == "drapeau" and value not in _FLAGS:
            raise _invalid(source, where, f"drapeau inconnu « {value} » ; drapeaux possibles : "
                                          f"{', '.join(_FLAGS)}")
        if name == "part_population_min" and not (
                isinstance(value, int | float) and 0 <= value <= 1):
            raise _invalid(source, where, f"part_population_min doit être entre 0 et 1 "
                                          f"(valeur : {value})")
        if name in _CODE_LISTS:
            known = _CODE_LISTS[name](refs)
            unknown = [v for v in ([value] if isinstance(value, str) else value)
                       if v not in known]
            if unknown:
                raise _invalid(source, where, f"code(s) inconnu(s) dans « {name} » : "
                                              f"{', '.join(unknown)}")


def load_criteria(path: Path | str | None = None, refs: Referentials | None = None) -> Criteria:
    """Read and check the AMI criteria (default: the package's ``criteres_ami.yaml``).

    Raises
    ------
    ArgumentError
        When the file is malformed, names an unknown rule kind, lacks a
        parameter or uses an unknown code.
    """
    refs = refs or referentials()
    source = "criteres_ami.yaml" if path is None else str(path)
    file = data_file(source) if path is None else Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ArgumentError(f"{source} : fichier de critères illisible "
                            f"({exc.strerror or exc})") from exc
    try:
        raw = yaml.safe_load(text) or {}
        selection = raw.get("selection") or {}
        criteria = Criteria(version=raw.get("version", 1),
                            recevabilite=raw.get("recevabilite") or [], source=source,
                            **selection)
    except (yaml.YAMLError, ValidationError, AttributeError, TypeError) as exc:
        raise ArgumentError(f"{source} : fichier de critères illisible ({exc})") from exc
    for rule in criteria.recevabilite:
        _check_rule(rule, source, refs)
    for group in criteria.familles_recommandees:
        unknown = [f for f in group.familles if f not in refs.familles]
        if unknown:
            raise _invalid(source, f"famille recommandée « {group.code} »",
                           f"famille(s) inconnue(s) : {', '.join(unknown)}")
    unknown = [p for p in criteria.publics if p not in refs.publics]
    if unknown:
        raise _invalid(source, "selection.publics", f"public(s) inconnu(s) : {', '.join(unknown)}")
    return criteria


# -- what the rules read ---------------------------------------------------------------

@dataclass
class _Need:
    """Something the consortium lacks, and how to recognise who would fill it."""

    key: str
    service: Callable[[ServiceView], bool] | None = None
    familles: frozenset[str] = frozenset()
    covered: frozenset[str] = frozenset()


@dataclass
class _Context:
    graph: nx.MultiDiGraph
    refs: Referentials
    consortium: Consortium
    communes: frozenset[str]
    actors: dict[str, dict]
    views: list[ServiceView]
    areas: Areas
    needs: list[_Need] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.members = {m.acteur: m for m in self.consortium.membres}
        self.views_of: dict[str, list[ServiceView]] = {a: [] for a in self.actors}
        for view in self.views:
            self.views_of.setdefault(view.acteur, []).append(view)
        self.member_views = [v for v in self.views if v.acteur in self.members]
        self.population = population(self.communes, self.refs)

    def names(self, acteurs: Iterable[str]) -> str:
        """Actors by name, for the criteria's details (people read names, not ids)."""
        return ", ".join(self.actors[a]["nom"] if a in self.actors else a for a in acteurs)

    def famille(self, code: str) -> str:
        return self.refs.familles[code].libelle

    def coverage(self, matches: Callable[[ServiceView], bool]) -> tuple[frozenset[str], list[str]]:
        """Communes of the territory the members' matching services reach, and those members."""
        parts = [(v, v.communes & self.communes) for v in self.member_views if matches(v)]
        found = [(v, inside) for v, inside in parts if inside]
        reached = frozenset().union(*(inside for _, inside in found))
        return reached, sorted({v.acteur for v, _ in found})

    def coverage_text(self, label: str, matches: Callable[[ServiceView], bool],
                      key: str, minimum: float) -> tuple[bool, str]:
        """Share of the population the members reach; records a need below ``minimum``."""
        reached, who = self.coverage(matches)
        part = share(population(reached, self.refs), self.population)
        text = f"{label} : {french.percent(part)} de la population"
        if who:
            text += f" ({self.names(who)})"
        else:
            text += " (aucun service des membres)"
        missing = describe_communes(self.communes - reached, self.refs)
        if reached and missing:
            text += f", manque : {names(missing, self.refs, limit=3)}"
        if part < minimum:
            self.needs.append(_Need(key, service=matches, covered=reached))
        return part >= minimum, text


# -- rule kinds: (context, parameters) -> (ok, detail) ------------------------------------

def _porteur_famille_or_flag(ctx: _Context, params: dict) -> tuple[bool, str]:
    porteur = ctx.consortium.porteur
    famille = ctx.actors[porteur]["famille"]
    text = f"porteur : {ctx.names([porteur])}, famille « {ctx.famille(famille)} »"
    if famille == params["famille"]:
        return True, text
    holder, flag = ctx.famille(params["famille"]).lower(), params["drapeau"]
    if getattr(ctx.consortium, flag):
        return True, f"{text} ; accord du {holder} déclaré ({flag})"
    return False, (f"{text}, sans accord du {holder} déclaré : ajoutez « {flag}: oui » au "
                   "consortium si cet accord existe")


def _member_with_letter(ctx: _Context, params: dict) -> tuple[bool, str]:
    ok, parts = True, []
    for famille in params["familles"]:
        members = [a for a in ctx.members if ctx.actors[a]["famille"] == famille]
        signed = [a for a in members if ctx.members[a].lettre_engagement]
        if signed:
            parts.append(f"{ctx.famille(famille)} : {ctx.names(signed)}, "
                         "lettre d'engagement signée")
            continue
        ok = False
        if members:
            who = "membre" if len(members) < 2 else "membres"
            parts.append(f"{ctx.famille(famille)} : {ctx.names(members)}, {who} sans lettre "
                         "d'engagement")
        else:
            parts.append(f"{ctx.famille(famille)} : aucun membre")
            ctx.needs.append(_Need(f"famille:{famille}", familles=frozenset((famille,))))
    return ok, " ; ".join(parts)


def _members_of_volet(ctx: _Context, params: dict) -> tuple[bool, str]:
    excluded = set(params.get("hors_familles", []))
    ok, parts = True, []
    for volet in params["volets"]:
        found = [a for a in ctx.members if ctx.actors[a].get("volet") == volet
                 and ctx.actors[a]["famille"] not in excluded]
        if found:
            parts.append(f"{volet} : {french.plural(len(found), 'membre')} "
                         f"({ctx.names(found)})")
        else:
            ok = False
            parts.append(f"{volet} : aucun membre")
            familles = frozenset(f.code for f in ctx.refs.familles.values()
                                 if f.volet == volet and f.code not in excluded)
            ctx.needs.append(_Need(f"volet:{volet}", familles=familles))
    return ok, " ; ".join(parts)


# Predicates on a service, each bound to its own code (they outlive the loops that make them).
def _has_thematique(match: frozenset[str]) -> Callable[[ServiceView], bool]:
    return lambda v: bool(v.thematiques & match)


def _targets_public(public: str) -> Callable[[ServiceView], bool]:
    return lambda v: public in v.publics


def _at_moment(moment: str) -> Callable[[ServiceView], bool]:
    return lambda v: moment in v.moments


def _members_cover_thematiques(ctx: _Context, params: dict) -> tuple[bool, str]:
    minimum = float(params.get("part_population_min", 1.0))
    ok, parts = True, []
    for theme in params["thematiques"]:
        match = ctx.refs.matching_thematiques(theme)
        met, text = ctx.coverage_text(ctx.refs.thematiques[theme].libelle,
                                      _has_thematique(match),
                                      f"besoin:{theme}", minimum)
        ok &= met
        parts.append(text)
    return ok, " ; ".join(parts) + f" (seuil : {french.percent(minimum)})"


def _consortium_publics_include(ctx: _Context, params: dict) -> tuple[bool, str]:
    ok, parts = True, []
    for public in params["publics"]:
        label = ctx.refs.publics[public]
        targeting = sorted({v.acteur for v in ctx.member_views if public in v.publics})
        if public in ctx.consortium.publics:
            parts.append(f"{label} : déclaré par le consortium")
        elif targeting:
            parts.append(f"{label} : non déclaré par le consortium, mais visé par les services "
                         f"de {ctx.names(targeting)}")
        else:
            ok = False
            parts.append(f"{label} : ni déclaré par le consortium, ni visé par un service "
                         "des membres")
            ctx.needs.append(_Need(f"public:{public}", service=_targets_public(public)))
    return ok, " ; ".join(parts)


def _moments_coverage(ctx: _Context, params: dict) -> tuple[bool, str]:
    minimum = float(params.get("part_population_min", 1.0))
    ok, parts = True, []
    for moment in params["moments"]:
        met, text = ctx.coverage_text(ctx.refs.moments[moment],
                                      _at_moment(moment),
                                      f"moment:{moment}", minimum)
        ok &= met
        parts.append(text)
    return ok, " ; ".join(parts) + f" (seuil : {french.percent(minimum)})"


@dataclass(frozen=True)
class RuleKind:
    """A kind of rule the engine implements, and the parameters it needs."""

    check: Callable[[_Context, dict], tuple[bool, str]]
    parametres: tuple[str, ...]


RULE_KINDS: dict[str, RuleKind] = {
    "porteur_famille_or_flag": RuleKind(_porteur_famille_or_flag, ("famille", "drapeau")),
    "member_with_letter": RuleKind(_member_with_letter, ("familles",)),
    "members_of_volet": RuleKind(_members_of_volet, ("volets",)),
    "members_cover_thematiques": RuleKind(_members_cover_thematiques, ("thematiques",)),
    "consortium_publics_include": RuleKind(_consortium_publics_include, ("publics",)),
    "moments_coverage": RuleKind(_moments_coverage, ("moments",)),
}


# -- selection view and candidates ---------------------------------------------------

def _served(ctx: _Context, public: str) -> Criterion:
    label = ctx.refs.publics[public]
    targeting = sorted({v.acteur for v in ctx.member_views if public in v.publics})
    declared = " ; déclaré par le consortium" if public in ctx.consortium.publics else ""
    if targeting:
        detail = f"visé par les services de {ctx.names(targeting)}{declared}"
    else:
        detail = f"aucun service des membres ne vise ce public{declared}"
        ctx.needs.append(_Need(f"public:{public}", service=lambda v: public in v.publics))
    return Criterion(code=f"public-{public}", libelle=f"Public : {label}", ok=bool(targeting),
                     detail=detail)


def _actor_area(ctx: _Context, acteur: str) -> frozenset[str]:
    """Communes of the territory an actor reaches: its services, its territory, its seat."""
    key = node_key("Acteur", acteur)
    found = set(ctx.areas.covered_by(key, "SIEGE_A"))
    for code in ctx.actors[acteur].get("territoire") or ():
        territory = node_key("Territoire", code)
        found |= ctx.areas.communes(territory) if territory in ctx.graph else set()
    found &= ctx.communes
    for view in ctx.views_of[acteur]:
        found |= view.communes & ctx.communes
    return frozenset(found)


def _candidates(ctx: _Context, need: _Need, degrees: dict[str, int],
                areas: dict[str, frozenset[str]], limit: int) -> list[str]:
    ranked = []
    for acteur in ctx.actors:
        if acteur in ctx.members or acteur == ctx.consortium.porteur:
            continue
        if need.service is None:
            if ctx.actors[acteur]["famille"] not in need.familles or not areas[acteur]:
                continue
            reached = areas[acteur]
        else:
            reached = frozenset().union(*(v.communes & ctx.communes for v in ctx.views_of[acteur]
                                          if need.service(v)))
        gain = population(reached - need.covered, ctx.refs)
        if gain > 0:
            ranked.append((-gain, -population(reached, ctx.refs), -degrees[acteur], acteur))
    return [item[-1] for item in sorted(ranked)[:limit]]


def _check_members(ctx: _Context) -> None:
    """The porteur and the members must be actors of the graph."""
    named = [ctx.consortium.porteur, *ctx.members]
    for acteur in named:
        if acteur not in ctx.actors:
            near = ", ".join(closest(acteur, list(ctx.actors)))
            raise ArgumentError(f"acteur inconnu dans le consortium : « {acteur} ». "
                                f"Identifiants proches : {near}")


def _threshold_text(name: str, value: object) -> str:
    if name == "part_population_min" and isinstance(value, int | float):
        return f"seuil de {value:.0%} de la population".replace("%", "\u202f%")
    return f"{name} = {value}"


def _project_choices(rule: Rule, criteria: Criteria) -> list[str]:
    """French sentences: the thresholds of a rule the project chose, and how to change them."""
    texts = []
    for name, reason in rule.choix_du_projet.items():
        how = f"« {name} » dans {criteria.source}"
        if name == "part_population_min":
            how = ("donné pour cette fois par l'option --seuil-population (sinon : "
                   f"{how})" if criteria.seuil_population is not None
                   else f"{how}, ou l'option --seuil-population")
        texts.append(f"{_threshold_text(name, rule.parametres.get(name)).capitalize()} : "
                     f"choix du projet, pas de l'AMI. {reason.strip()} Réglable : {how}.")
    return texts


def _admissibility(ctx: _Context, criteria: Criteria) -> list[Criterion]:
    """Each admissibility rule run by its kind."""
    result = []
    for rule in criteria.recevabilite:
        ok, detail = RULE_KINDS[rule.regle].check(ctx, rule.parametres)
        if rule.choix_du_projet:
            detail += " ; ce seuil est un choix du projet, pas de l'AMI (réglable)"
        result.append(Criterion(code=rule.code, libelle=rule.libelle, ok=ok, detail=detail,
                                choix_du_projet=_project_choices(rule, criteria)))
    return result


def _selection(ctx: _Context, criteria: Criteria) -> tuple[list[str], list[str],
                                                         list[Criterion]]:
    """Recommended families present and missing, publics served; records what is missing."""
    families = {ctx.actors[a]["famille"] for a in ctx.members}
    present = [g.code for g in criteria.familles_recommandees if families & set(g.familles)]
    missing = [g for g in criteria.familles_recommandees if g.code not in present]
    ctx.needs += [_Need(f"famille:{g.code}", familles=frozenset(g.familles)) for g in missing]
    publics = [_served(ctx, public) for public in criteria.publics]
    return present, [g.code for g in missing], publics


def _all_candidates(ctx: _Context, limit: int) -> dict[str, list[str]]:
    """For each need recorded, the non-members who would fill it, best first."""
    degrees = interaction_degrees(ctx.graph)
    areas = {a: _actor_area(ctx, a) for a in ctx.actors}
    return {need.key: _candidates(ctx, need, degrees, areas, limit) for need in ctx.needs}


# -- the check ------------------------------------------------------------------------

def consortium_of_graph(graph: nx.MultiDiGraph) -> Consortium | None:
    """The consortium a graph holds (``Consortium`` node and ``MEMBRE_DE``), or None."""
    for key, data in graph.nodes(data=True):
        if data["label"] != "Consortium":
            continue
        membres = sorted(
            (Membre(acteur=graph.nodes[source]["id"], role=edge.get("role"),
                    lettre_engagement=bool(edge.get("lettre_engagement")))
             for source, _, edge in graph.in_edges(key, data=True)
             if edge["type"] == "MEMBRE_DE"),
            key=lambda m: m.acteur)
        return Consortium(nom=data.get("nom", ""), porteur=data.get("porteur", ""),
                          accord_cd=bool(data.get("accord_cd")),
                          territoire=list(data.get("territoire") or []),
                          publics=list(data.get("publics") or []), membres=membres)
    return None


def check_consortium(graph: nx.MultiDiGraph, consortium: Consortium | None = None,
                     criteria: Criteria | None = None,
                     refs: Referentials | None = None) -> ConsortiumCheck:
    """Check a consortium against the AMI SPIE criteria.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The canonical graph of the data set (its actors and services).
    consortium : Consortium, optional
        Another version of the consortium (:func:`spie_graph.sources.consortium.read_consortium`);
        default: the data set's own.
    criteria : Criteria, optional
        Default: :func:`load_criteria` on the package's file.

    Returns
    -------
    ConsortiumCheck
        ``recevable`` is true when every admissibility criterion is met.

    Raises
    ------
    ArgumentError
        When there is no consortium to check.

    Notes
    -----
    O(r·s·c) for r rules, s services and c communes of a service's area in the
    territory, plus O(n·(s + c)) per missing family or need for n actors.
    """
    refs = refs or referentials()
    criteria = criteria or load_criteria(refs=refs)
    consortium = consortium or consortium_of_graph(graph)
    if consortium is None:
        name = graph.graph.get("dataset")
        raise ArgumentError(f"aucun consortium dans le jeu de données « {name} » : ajoutez "
                            "consortium.yaml à son dossier, ou indiquez un fichier avec "
                            "--consortium")
    territoire = consortium.territoire or [default_territory(graph)]
    areas = Areas(graph)
    ctx = _Context(graph, refs, consortium, refs.territoires.communes_of_all(territoire),
                   actor_nodes(graph), service_views(graph, areas), areas)
    _check_members(ctx)
    criteres = _admissibility(ctx, criteria)
    present, missing, publics = _selection(ctx, criteria)
    candidats = _all_candidates(ctx, criteria.max_candidats)
    return ConsortiumCheck(
        consortium=consortium.nom, porteur=consortium.porteur, territoire=territoire,
        population=ctx.population, recevable=all(c.ok for c in criteres), criteres=criteres,
        familles_presentes=present, familles_manquantes=missing, publics=publics,
        candidats=candidats,
    )
