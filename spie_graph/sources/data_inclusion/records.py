"""Records of data·inclusion exports, their schema fields, and the issues of an import."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from spie_graph.errors import Problem
from spie_graph.reference import read_text

REJET = "rejet"
REMARQUE = "remarque"
STRUCTURES = "structures"
SERVICES = "services"
REJECTS_FILE = "import_rejets.csv"
REMARKS_FILE = "import_remarques.csv"
COUNTS = ("lus", "ignores", "hors_territoire", "rejetes", "ecrits", "hors_territoire_gardees",
          "zone_large")
ISSUE_COLUMNS = ("niveau", "table", "id", "fichier", "ligne", "champ", "valeur", "motif",
                 "correction")

# Fields of the data·inclusion schemas (../shared/reference/data-inclusion/*_fields.csv).
FIELDS = {
    ("v1", STRUCTURES): frozenset((
        "accessibilite_lieu", "adresse", "code_insee", "code_postal", "commune",
        "complement_adresse", "courriel", "date_maj", "description", "horaires_accueil", "id",
        "latitude", "lien_source", "longitude", "nom", "reseaux_porteurs", "siret", "site_web",
        "source", "telephone",
    )),
    ("v1", SERVICES): frozenset((
        "adresse", "code_insee", "code_postal", "commune", "complement_adresse", "conditions_acces",
        "contact_nom_prenom", "courriel", "date_maj", "description", "frais", "frais_precisions",
        "horaires_accueil", "id", "latitude", "lien_mobilisation", "lien_source", "longitude",
        "mobilisable_par", "mobilisation_precisions", "modes_accueil", "modes_mobilisation", "nom",
        "nombre_semaines", "publics", "publics_precisions", "source", "structure_id", "telephone",
        "thematiques", "type", "volume_horaire_hebdomadaire", "zone_eligibilite", "score_qualite",
    )),
    ("v0", STRUCTURES): frozenset((
        "accessibilite", "adresse", "antenne", "code_insee", "code_postal", "commune",
        "complement_adresse", "courriel", "date_maj", "horaires_ouverture", "id", "labels_autres",
        "labels_nationaux", "latitude", "lien_source", "longitude", "nom", "presentation_detail",
        "presentation_resume", "rna", "siret", "site_web", "source", "telephone", "thematiques",
        "typologie",
    )),
    ("v0", SERVICES): frozenset((
        "adresse", "code_insee", "code_postal", "commune", "complement_adresse",
        "contact_nom_prenom", "contact_public", "courriel", "cumulable", "date_creation",
        "date_maj", "date_suspension", "formulaire_en_ligne", "frais", "frais_autres", "id",
        "justificatifs", "latitude", "lien_source", "longitude", "modes_accueil",
        "modes_orientation_accompagnateur", "modes_orientation_accompagnateur_autres",
        "modes_orientation_beneficiaire", "modes_orientation_beneficiaire_autres", "nom",
        "nombre_semaines", "page_web", "pre_requis", "presentation_detail", "presentation_resume",
        "prise_rdv", "profils", "profils_precisions", "recurrence", "source", "structure_id",
        "telephone", "thematiques", "types", "volume_horaire_hebdomadaire", "zone_diffusion_code",
        "zone_diffusion_nom", "zone_diffusion_type",
    )),
}
# Required by the schemas; ``source`` (the producer, set by the platform) is not checked,
# as the data·inclusion valideur does not.
REQUIRED = {
    ("v1", STRUCTURES): ("id", "nom", "date_maj"),
    ("v1", SERVICES): ("id", "structure_id", "nom", "description", "date_maj"),
    ("v0", STRUCTURES): ("id", "nom", "date_maj"),
    ("v0", SERVICES): ("id", "structure_id", "nom", "date_maj"),
}
# v1 enumerations of fields spie-graph does not import (v1_frais.csv, v1_modes_mobilisation.csv,
# v1_personnes_mobilisatrices.csv), checked so that a bad value is reported.
V1_ENUMS = {
    "frais": ("gratuit", "payant"),
    "modes_mobilisation": ("envoyer-un-courriel", "se-presenter", "telephoner",
                           "utiliser-lien-mobilisation"),
    "mobilisable_par": ("professionnels", "usagers"),
}
_IGNORE_COLUMN = "ignore"           # "__ignore__" of the producer workbook, normalised
_TRUE = {"true", "vrai", "oui", "x", "1", "yes"}
_URL = re.compile(r"https?://[^\s<>\"]+\.[^\s<>\"]+")   # as spie_graph.validation checks it
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T].*)?")
_LOCAL_KINDS = ("commune", "epci", "departement")
_SOURCE_FIX = "valeur non reprise par spie-graph : à corriger chez le producteur de la donnée"


# -- records ----------------------------------------------------------------
@dataclass
class Record:
    """One structure or service as read, with where it was read (file and line)."""

    file: str
    line: int | None
    values: dict[str, object]

    @property
    def id(self) -> str | None:
        return text(self.values.get("id"))


@dataclass
class Export:
    """The records of one export file, its schema version, and what reading it met.

    ``notes`` are remarks on the file (unknown or duplicated columns);
    ``unreadable`` are elements that are not records (each counts as read and
    rejected); ``skipped`` counts the producer workbook's ``__ignore__`` rows;
    ``links`` are the rows of its ``Services - Thématiques`` sheet.
    """

    path: Path
    table: str
    version: str
    records: list[Record]
    notes: list[Problem] = field(default_factory=list)
    unreadable: list[Problem] = field(default_factory=list)
    skipped: int = 0
    links: list[Record] = field(default_factory=list)
    letters: dict[str, dict[str, str]] = field(default_factory=dict)
    header_lines: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Issue:
    """A record not taken (``rejet``) or taken with a value dropped or changed (``remarque``)."""

    level: str
    table: str
    record: str | None
    problem: Problem

    def __str__(self) -> str:
        kind = "structure" if self.table == STRUCTURES else "service"
        who = f"{kind} « {self.record} »" if self.record else f"fichier des {self.table}"
        return f"{who} — {self.problem}"

    def as_dict(self) -> dict[str, object]:
        p = self.problem
        return {"niveau": self.level, "table": self.table, "id": self.record,
                "fichier": p.file, "ligne": p.line, "champ": p.field, "valeur": p.value,
                "motif": p.message, "correction": p.fix}


# -- values -----------------------------------------------------------------
def text(value: object) -> str | None:
    """A scalar as trimmed text, ``None`` when empty (``59350.0`` → ``59350``)."""
    if value is None:
        return None
    if isinstance(value, str):      # the common case, first
        result = value.strip()
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, list | tuple | dict):
            return ", ".join(str(v) for v in value) or None
        result = str(value).strip()
    if not result or (len(result) <= 4 and result.lower() in _EMPTY):
        return None
    return result


_EMPTY = frozenset(("nan", "none", "null"))


_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def items(value: object) -> list[str]:
    """A list field as codes, whichever way the export wrote it.

    >>> items("['a', 'b']"), items('{a,b}'), items('a, b'), items(['a']), items(None)
    (['a', 'b'], ['a', 'b'], ['a', 'b'], ['a'], [])
    """
    if value is None:
        return []
    if isinstance(value, list | tuple):
        raw = [text(v) for v in value]
    else:
        string = text(value) or ""
        if string[:1] in "[{(" and string[-1:] in "]})":
            inner = string[1:-1]
            quoted = _QUOTED.findall(inner)
            raw = [a or b for a, b in quoted] if quoted else re.split(r"[,;|]", inner)
        else:
            raw = re.split(r"[,;|]", string)
    return [s.strip() for s in raw if s and s.strip()]


def _number(value: object) -> float | None:
    string = text(value)
    if string is None:
        return None
    try:
        return float(string.replace(",", "."))
    except ValueError:
        return None


@cache
def _mapping(name: str) -> dict[str, list[str]]:
    """A mapping table of ``spie_graph/reference/data``: v0 code → v1 codes (empty: none)."""
    content = read_text(name)
    result: dict[str, list[str]] = {}
    for row in csv.DictReader(content.splitlines()):
        targets = result.setdefault(row["v0"], [])
        if row["v1"] and row["v1"] not in targets:
            targets.append(row["v1"])
    return result


_V1_LISTS = frozenset(("reseaux_porteurs", "thematiques", "publics", "modes_accueil",
                       "zone_eligibilite", "modes_mobilisation", "mobilisable_par"))
_V1_NUMBERS = frozenset(("latitude", "longitude", "volume_horaire_hebdomadaire",
                         "score_qualite"))


def v1_record(values: dict[str, object], table: str) -> dict[str, object]:
    """A v1 record's schema fields as the schema types them (lists, numbers, ISO dates)."""
    result: dict[str, object] = {}
    for name in sorted(FIELDS[("v1", table)]):
        value = values.get(name)
        if name in _V1_LISTS:
            result[name] = items(value) or None
        elif name in _V1_NUMBERS:
            result[name] = _number(value)
        elif name == "nombre_semaines":
            number = _number(value)
            result[name] = int(number) if number is not None and number.is_integer() else None
        elif name == "date_maj":
            day = text(value)
            result[name] = day[:10] if day and _DATE.fullmatch(day) else day
        else:
            result[name] = text(value)
    return result
