"""The referentials every data set is checked against.

- actor families (``data/familles.yaml``), with their data·inclusion mappings;
- data·inclusion v1 thématiques (16 categories, 69 sub-themes) and publics;
- the moments of the parcours and the interaction types (``data/parcours.yaml``);
- réseaux porteurs (v1), typologies de structures (v0), modes d'accueil;
- territories (:mod:`spie_graph.reference.territories`).

All are shipped inside the package; ``data/SOURCES.md`` gives their origin.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml
from rapidfuzz import process

from spie_graph.reference import read_text
from spie_graph.reference.territories import Territories, territories

__all__ = ["Famille", "Thematique", "Referentials", "referentials", "closest"]


@dataclass(frozen=True)
class Famille:
    """An actor family: code, French label, group, volet and data·inclusion codes."""

    code: str
    libelle: str
    groupe: str
    libelle_groupe: str
    volet: str
    reseaux_porteurs: tuple[str, ...] = ()
    typologies_v0: tuple[str, ...] = ()
    alias: tuple[str, ...] = ()


@dataclass(frozen=True)
class Thematique:
    """A data·inclusion v1 thématique; ``categorie`` is itself for a category."""

    code: str
    libelle: str
    categorie: str

    @property
    def est_categorie(self) -> bool:
        return self.code == self.categorie


def _read_text(name: str) -> str:
    return read_text(name)


def _read_csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(_read_text(name).splitlines()))


def closest(value: str, choices: list[str] | dict[str, str], limit: int = 3) -> list[str]:
    """The ``limit`` choices closest to ``value`` (by edit similarity), best first."""
    if not value or not choices:
        return []
    found = process.extract(str(value), list(choices), limit=limit)
    return [choice for choice, _, _ in found]


@dataclass
class Referentials:
    """Every code list, loaded from the package data."""

    familles: dict[str, Famille]
    alias_familles: dict[str, str]
    groupes: dict[str, str]
    thematiques: dict[str, Thematique]
    publics: dict[str, str]
    moments: dict[str, str]
    interactions: dict[str, str]
    modes_accueil: dict[str, str]
    reseaux_porteurs: dict[str, str]
    typologies_v0: dict[str, str]
    moments_par_categorie: dict[str, list[str]]
    moments_par_type_service: dict[str, list[str]]
    besoins_spie: list[str]
    territoires: Territories = field(repr=False)

    # -- families -------------------------------------------------------
    def famille(self, code: str) -> Famille | None:
        """The family of a code or alias (``pole-emploi`` → ``france-travail``)."""
        code = self.alias_familles.get(code, code)
        return self.familles.get(code)

    def famille_for_reseau(self, reseau: str) -> str | None:
        """The family a data·inclusion v1 réseau porteur maps to."""
        for famille in self.familles.values():
            if reseau in famille.reseaux_porteurs:
                return famille.code
        return None

    def famille_for_typologie(self, typologie: str) -> str | None:
        """The family a data·inclusion v0 typologie de structure maps to."""
        for famille in self.familles.values():
            if typologie in famille.typologies_v0:
                return famille.code
        return None

    # -- thématiques ----------------------------------------------------
    def categories(self) -> list[str]:
        """The 16 category codes."""
        return [t.code for t in self.thematiques.values() if t.est_categorie]

    def matching_thematiques(self, code: str) -> frozenset[str]:
        """Codes a service may declare to match a query on ``code``.

        A category stands for all its sub-themes, and a service that declares a
        whole category answers a query on any of its sub-themes.
        """
        theme = self.thematiques[code]
        if theme.est_categorie:
            return frozenset(
                t.code for t in self.thematiques.values() if t.categorie == theme.code
            )
        return frozenset((theme.code, theme.categorie))

    def infer_moments(self, thematiques: list[str], type_service: str | None = None) -> list[str]:
        """Moments of a service that declares none: from its type, else its categories."""
        if type_service and type_service in self.moments_par_type_service:
            return list(self.moments_par_type_service[type_service])
        found: set[str] = set()
        for code in thematiques:
            theme = self.thematiques.get(code)
            if theme is not None:
                found.update(self.moments_par_categorie.get(theme.categorie, []))
        return [m for m in self.moments if m in found]


def _yaml(text: str) -> Any:
    """Shipped YAML, read with libyaml when PyYAML has it (ten times faster: every
    command reads the referentials)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def _load_familles() -> tuple[dict[str, Famille], dict[str, str], dict[str, str]]:
    raw = _yaml(_read_text("familles.yaml"))
    groupes = raw["groupes"]
    familles: dict[str, Famille] = {}
    alias: dict[str, str] = {}
    for code, item in raw["familles"].items():
        familles[code] = Famille(
            code=code,
            libelle=item["libelle"],
            groupe=item["groupe"],
            libelle_groupe=groupes[item["groupe"]],
            volet=item["volet"],
            reseaux_porteurs=tuple(item.get("reseaux_porteurs", [])),
            typologies_v0=tuple(item.get("typologies_v0", [])),
            alias=tuple(item.get("alias", [])),
        )
        for other in item.get("alias", []):
            alias[other] = code
    return familles, alias, groupes


@cache
def referentials() -> Referentials:
    """The shipped referentials, loaded once per process."""
    familles, alias, groupes = _load_familles()
    parcours = _yaml(_read_text("parcours.yaml"))
    thematiques = {
        row["code"]: Thematique(row["code"], row["label"], row["parent"] or row["code"])
        for row in _read_csv("thematiques.csv")
    }
    return Referentials(
        familles=familles,
        alias_familles=alias,
        groupes=groupes,
        thematiques=thematiques,
        publics={row["code"]: row["label"] for row in _read_csv("publics.csv")},
        moments={code: item["libelle"] for code, item in parcours["moments"].items()},
        interactions=dict(parcours["interactions"]),
        modes_accueil={row["code"]: row["label"] for row in _read_csv("modes_accueil.csv")},
        reseaux_porteurs={row["code"]: row["label"] for row in _read_csv("reseaux_porteurs.csv")},
        typologies_v0={row["code"]: row["label"] for row in _read_csv("v0_typologies.csv")},
        moments_par_categorie=parcours["moments_par_categorie"],
        moments_par_type_service=parcours["moments_par_type_service"],
        besoins_spie=list(parcours["besoins_spie"]),
        territoires=territories(),
    )
