"""Commands of the analyses: ``gaps``, ``duplicates``, ``consortium check``, ``network``.

Each command calls one function of :mod:`spie_graph.api` (either store) and
renders its answer; the JSON output is the answer's model as it is.
:mod:`spie_graph.cli` adds them to the main group with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from spie_graph import api, french
from spie_graph.analyses import Network
from spie_graph.analyses._common import split_codes
from spie_graph.analyses.duplicates import LIMITE as LIMITE_DOUBLONS
from spie_graph.analyses.duplicates import NIVEAUX as NIVEAUX_DOUBLONS
from spie_graph.analyses.gaps import NIVEAUX as NIVEAUX_LACUNES
from spie_graph.analyses.network import SEUIL_EXACT
from spie_graph.cli.messages import SUBCOMMANDS
from spie_graph.cli.options import (
    dataset_option,
    format_option,
    quality_options,
    show_provenance,
    store_options,
)
from spie_graph.reference.referentials import referentials
from spie_graph.render.tables import render
from spie_graph.render.terminal import (
    duplicates_table,
    gaps_table,
    moments_table,
    need_label,
    network_table,
    paragraph,
    show,
)
from spie_graph.store import GraphStore

__all__ = ["register"]

_territoire = click.option(
    "--territoire", metavar="CODE",
    help="Territoire étudié : commune (56260), EPCI (SIREN), département (56), région "
         "(region:53) ou france. Par défaut : celui du consortium, sinon le département "
         "principal.")


def _niveau_lacunes(func: Callable) -> Callable:
    return click.option("--niveau", type=click.Choice(NIVEAUX_LACUNES), default="commune",
                        show_default=True, help="Maille du tableau : commune ou EPCI.")(func)


# -- gaps -----------------------------------------------------------------------------

@click.command("gaps")
@_territoire
@_niveau_lacunes
@click.option("--thematiques", multiple=True, metavar="CODES",
              help="Thématiques à vérifier, séparées par des virgules (par défaut, les besoins "
                   "du SPIE : mobilité, logement, santé, garde d'enfants, emploi, formation).")
@click.option("--public", metavar="PUBLIC",
              help="Ne compter que les services ouverts à ce public (ex. jeunes).")
@click.option("--lacunes-seulement", is_flag=True,
              help="Ne garder que les lignes sans aucun service.")
@quality_options
@dataset_option
@format_option
@store_options
def gaps_command(territoire: str | None, niveau: str, thematiques: tuple[str, ...],
                 public: str | None, lacunes_seulement: bool, qualite_min: float | None,
                 maj_depuis: datetime | None, dataset: Path, fmt: str,
                 store: GraphStore | None) -> None:
    """Lacunes : combien de services couvrent chaque besoin, commune par commune (ou EPCI).

    Une lacune est un besoin qu'aucun service ne couvre ; les lignes sont triées
    par population concernée (COG 2026). Signale aussi les moments du parcours
    (entrée, suivi, offre) qu'aucun service n'atteint.
    """
    result = api.gaps(dataset, territoire, niveau=niveau,
                      thematiques=split_codes(thematiques) or None, public=public, store=store,
                      qualite_min=qualite_min, maj_depuis=maj_depuis.date() if maj_depuis else None)
    data = result.model_dump()
    notes = api.provenance(dataset)
    if lacunes_seulement:
        data["lignes"] = [row.model_dump() for row in result.lacunes]
    if fmt != "table":
        click.echo(render(data["lignes"], fmt, data=data))
        show_provenance(notes, fmt)
        return
    shown = result.lacunes if lacunes_seulement else result.lignes
    click.echo(show(gaps_table(shown, niveau=result.niveau)))
    if result.moments_sans_service:
        click.echo("\nMoments du parcours qu'aucun service n'atteint :")
        click.echo(show(moments_table(result.moments_sans_service, niveau=result.niveau)))
    people = sum({r.territoire: r.population for r in result.lacunes}.values())
    unit = "EPCI" if niveau == "epci" else "commune"
    click.echo(paragraph(
        f"\n{french.plural(len(result.lacunes), 'lacune')} sur "
        f"{french.plural(len(result.lignes), 'couple')} {unit} × besoin ; "
        f"{french.number(people)} habitants vivent où manque au moins un besoin ; "
        f"{french.plural(len(result.moments_sans_service), 'moment')} du parcours sans "
        "service."))
    show_provenance(notes, fmt)


# -- duplicates -------------------------------------------------------------------------

@click.command("duplicates")
@click.option("--niveau", type=click.Choice(NIVEAUX_DOUBLONS), default="thematique",
              show_default=True,
              help="Comparer les thématiques telles que déclarées, ou leurs 16 catégories.")
@click.option("--territoire", metavar="CODE",
              help="Ne garder que les recouvrements dans ce territoire (par défaut : partout).")
@click.option("--limite", type=click.IntRange(min=0), default=None, metavar="N",
              help=f"Au plus N constats, les plus peuplés (0 : tous). Par défaut : "
                   f"{LIMITE_DOUBLONS} au-delà d'un département, tous sinon.")
@dataset_option
@format_option
@store_options
def duplicates_command(niveau: str, territoire: str | None, limite: int | None,
                       dataset: Path, fmt: str, store: GraphStore | None) -> None:
    """Doublons : des services d'acteurs différents pour les mêmes personnes, au même endroit.

    Même thématique, même moment du parcours, publics et territoires qui se
    recouvrent. Le score de recouvrement est la population commune aux zones
    des services divisée par la population de leur réunion. Les services
    proposés sur toute la France ne sont comparés qu'entre eux (ceux d'une
    région aussi, au-delà de leur région). La liste complète est une réponse
    départementale : au-delà d'un département, les constats les plus peuplés.
    """
    found = api.duplicates_named(dataset, territoire, niveau=niveau, limite=limite,
                                 store=store)
    groups = found.groups
    note = _duplicates_note(found)
    if fmt != "table":
        click.echo(render([group.model_dump() for group in groups], fmt))
        if note:
            click.echo(paragraph(note), err=True)
        return
    click.echo(show(duplicates_table(groups, found.noms)))
    explained = [g.explication for g in groups if g.explication]
    if explained:
        click.echo("")
        for index, text in enumerate(explained, start=1):
            click.echo(paragraph(f"{index}. {text}"))
    click.echo(paragraph(f"\n{french.plural(len(groups), 'groupe')} de services en double. "
                          "Recouvrement des zones : population commune aux zones des "
                          "services, sur la population de leur réunion. Les services "
                          "proposés sur toute la France ne sont comparés qu'entre eux"
                          + (" ; à l'échelle de la France, ceux proposés sur toute une région "
                             "aussi." if found.territoire == "france"
                             else ".")))
    if note:
        click.echo(paragraph(note))


def _duplicates_note(found: api.NamedDuplicates) -> str:
    """What a capped list leaves out, and how to get the rest (empty when complete)."""
    shown = len(found.groups)
    if shown >= found.total and not found.au_moins:
        return ""
    rest = ("La liste complète se demande département par département (--territoire 56, "
            "par exemple), ou ici avec --limite 0 (long à l'échelle nationale).")
    listed = ("le plus peuplé est listé" if shown == 1
              else f"les {french.number(shown)} plus peuplés sont listés")
    if found.au_moins:
        return (f"Au moins {french.number(found.total)} constats sur ce territoire : autant "
                f"touchent {french.number(found.seuil)} habitants ou plus (la population du "
                f"dernier listé) ; {listed}, les moins peuplés ne sont pas comptés. {rest}")
    return (f"{french.number(found.total)} constats en tout sur ce territoire ; {listed}. "
            f"{rest}")


# -- consortium check -------------------------------------------------------------------

@click.group("consortium", subcommand_metavar=SUBCOMMANDS)
def consortium_group() -> None:
    """Le consortium qui répond à l'AMI SPIE."""


def _show_check(found: api.NamedCheck) -> None:
    result, names = found.check, found.noms
    verdict = "recevable" if result.recevable else "NON recevable en l'état"
    terr = referentials().territoires
    places = ", ".join(terr.label(c) if c in terr else c for c in result.territoire)
    click.echo(paragraph(f"Consortium « {result.consortium} » (porteur : "
                          f"{names.get(result.porteur, result.porteur)} ; territoire : {places})"
                          f" : {verdict}.\n"))
    for item in [*result.criteres, *result.publics]:
        click.echo(paragraph(f"[{'OK' if item.ok else 'NON'}] {item.libelle}"))
        click.echo(paragraph(item.detail, indent="      "))

    def families(codes: list[str]) -> str:
        return ", ".join(found.familles.get(c, c) for c in codes) or "aucune"

    click.echo(paragraph(f"\nFamilles recommandées présentes : "
                          f"{families(result.familles_presentes)}"))
    click.echo(paragraph(f"Familles recommandées manquantes : "
                          f"{families(result.familles_manquantes)}"))
    if result.candidats:
        click.echo("\nCandidats non membres, les mieux placés d'abord :")
        for need, ids in result.candidats.items():
            who = ", ".join(names.get(i, i) for i in ids) or "aucun acteur du jeu de données"
            click.echo(paragraph(f"{need_label(need, found.familles)} : {who}", indent="  "))


@consortium_group.command("check")
@click.option("--consortium", "fichier", type=click.Path(path_type=Path, readable=False),
              metavar="FICHIER",
              help="Autre version du consortium (YAML) à vérifier à la place du "
                   "consortium.yaml du jeu de données.")
@dataset_option
@format_option
@store_options
def consortium_check(fichier: Path | None, dataset: Path, fmt: str,
                     store: GraphStore | None) -> None:
    """Vérifie le consortium au regard des critères de l'AMI SPIE (décembre 2020).

    Chaque critère est dit rempli ou non, avec ses preuves (membres, chiffres).
    Pour chaque famille ou besoin manquant : les acteurs du territoire, non
    membres, qui pourraient le combler, les mieux placés d'abord.
    """
    if fmt == "table":
        _show_check(api.check_consortium_named(dataset, fichier, store))
        return
    result = api.check_consortium(dataset, fichier, store)
    rows = [c.model_dump() for c in [*result.criteres, *result.publics]]
    click.echo(render(rows, fmt, data=result.model_dump()))


# -- network ----------------------------------------------------------------------------

def _show_network(result: Network) -> None:
    method = result.intermediarite
    how = ("exacte" if method.methode == "exacte"
           else f"estimée sur {method.k} sources (graine {method.graine}), au-delà de "
                f"{method.seuil_exact} acteurs")
    names = {r.acteur: r.nom for r in result.acteurs}

    def listed(ids: list[str]) -> str:
        return ", ".join(names.get(i, i) for i in ids) or "aucun"

    click.echo(paragraph(
        f"{french.plural(result.nb_acteurs, 'acteur')}, {french.plural(result.nb_liens, 'lien')} "
        f"; densité {french.decimal(result.densite, 3)} ; centralisation des degrés (Freeman) "
        f"{french.decimal(result.centralisation_degre, 3)} ; intermédiarité {how}."))
    click.echo(paragraph(f"Acteurs pilotes : {listed(result.acteurs_pilotes)}"))
    click.echo(paragraph(f"Intermédiaires : {listed(result.courtiers)}"))
    click.echo(paragraph(f"Points d'articulation : {listed(result.points_articulation)}"))
    click.echo(paragraph(f"Acteurs isolés : {listed(result.acteurs_isoles)}"))
    click.echo(paragraph(f"{french.plural(len(result.communautes), 'communauté')} (Louvain), "
                          f"modularité {french.decimal(result.modularite, 2)}\n"))
    click.echo(show(network_table(result.acteurs)))


def _show_without(found: api.NamedWithout, niveau: str) -> None:
    result, names = found.result, found.noms
    kinds = referentials().interactions

    def listed(ids: list[str]) -> str:
        return ", ".join(names.get(i, i) for i in ids) or "aucun"

    click.echo(paragraph(f"Si {result.nom} quitte le réseau :"))
    links = ", ".join(f"{names.get(link.cible, link.cible)} "
                      f"({', '.join(kinds.get(k, k).lower() for k in link.interactions)})"
                      for link in result.liens_rompus)
    broken = french.plural(len(result.liens_rompus), "lien rompu", "liens rompus")
    click.echo(paragraph(f"- {broken} : {links or 'aucun'}"))
    articulation = french.yes_no(result.point_articulation)
    click.echo(paragraph(f"- point d'articulation : {articulation}"))
    click.echo(paragraph(f"- acteurs isolés : {listed(result.acteurs_isoles)}"))
    cut = listed(result.acteurs_coupes)
    click.echo(paragraph(f"- acteurs coupés du reste du réseau : {cut}"))
    click.echo(paragraph(f"- besoins qui ne seraient plus couverts : "
                          f"{french.number(len(result.lacunes_nouvelles))}"))
    if result.lacunes_nouvelles:
        click.echo(show(gaps_table(result.lacunes_nouvelles, niveau=niveau)))
    if result.moments_sans_service_nouveaux:
        click.echo("- moments du parcours qui ne seraient plus atteints :")
        click.echo(show(moments_table(result.moments_sans_service_nouveaux, niveau=niveau)))


@click.command("network")
@click.option("--sans", metavar="ACTEUR",
              help="Simuler le départ d'un acteur : besoins qu'il était seul à couvrir, liens "
                   "rompus, acteurs coupés du réseau.")
@_territoire
@_niveau_lacunes
@click.option("--date", "jour", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="AAAA-MM-JJ",
              help="Ne garder que les interactions en cours à cette date.")
@click.option("--seuil-exact", type=click.IntRange(min=0), default=SEUIL_EXACT,
              show_default=True,
              help="Au-delà de ce nombre d'acteurs, l'intermédiarité est estimée par "
                   "échantillonnage (graine fixe).")
@dataset_option
@format_option
@store_options
def network_command(sans: str | None, territoire: str | None, niveau: str,
                    jour: datetime | None, seuil_exact: int, dataset: Path, fmt: str,
                    store: GraphStore | None) -> None:
    """Réseau : densité, centralisation, pilotes, intermédiaires, points d'articulation.

    Calculé sur les interactions entre acteurs. Avec --sans ACTEUR : ce qui
    ne serait plus couvert et les liens qui se rompraient si cet acteur partait
    (--territoire et --niveau s'appliquent alors aux besoins).
    """
    day = jour.date() if jour else None
    if sans:
        if fmt == "table":
            _show_without(api.without_actor_named(dataset, sans, territoire=territoire,
                                                  niveau=niveau, day=day, store=store), niveau)
            return
        without = api.without_actor(dataset, sans, territoire=territoire, niveau=niveau, day=day,
                                    store=store)
        rows = [r.model_dump() for r in without.lacunes_nouvelles]
        click.echo(render(rows, fmt, data=without.model_dump()))
        return
    result = api.network(dataset, seuil_exact=seuil_exact, day=day, store=store)
    if fmt == "table":
        _show_network(result)
    else:
        rows = [r.model_dump() for r in result.acteurs]
        click.echo(render(rows, fmt, data=result.model_dump()))


def register(main: click.Group) -> None:
    """Add the analyses' commands to the ``spie-graph`` group."""
    main.add_command(gaps_command)
    main.add_command(duplicates_command)
    main.add_command(consortium_group)
    main.add_command(network_command)
