"""Export a data set back to data·inclusion, schema v1: structures and services.

A territory that mapped its offer with spie-graph can publish it. Each actor
becomes a structure and each service a service, with every field of the schema:

- a record imported from a data·inclusion v1 export (``data_inclusion.json`` in
  the data set, written by the import) comes back as it was read, each field the
  data set maps (name, description, thématiques, publics, zone...) taken from
  the data set only when it was edited since the import;
- an actor or a service typed by hand gets the fields spie-graph holds:
  ``nom``, ``description`` (the actor's missions), ``siret``, ``code_insee``,
  ``site_web``, ``reseaux_porteurs``; ``thematiques`` (a category written as
  its sub-themes), ``publics``, ``modes_accueil``, ``zone_eligibilite`` (a
  région as its départements), ``frais``, ``modes_mobilisation``,
  ``mobilisable_par``, ``conditions_acces``, ``date_maj`` (today when unknown),
  ``source`` (the producer named by the caller).

Values the schema would refuse (codes outside its lists, malformed codes or
addresses, kept from a faulty source) are left out and counted, never written.
JSON is a list of records (as data·inclusion publishes it); CSV uses ``,`` and
writes lists as data·inclusion's CSV export does (``['a', 'b']``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from spie_graph.errors import ArgumentError
from spie_graph.files import check_new_folder, write_folder
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.sources.data_inclusion.records import FIELDS, SERVICES, STRUCTURES, V1_ENUMS
from spie_graph.sources.model import Acteur, Dataset, Service

__all__ = ["DI_FORMATS", "DataInclusionExport", "to_data_inclusion", "write_data_inclusion"]

DI_FORMATS = ("json", "csv")
DEFAULT_SOURCE = "spie-graph"
# score_qualite is no field of the schema but of the weekly export: kept when known.
STRUCTURE_FIELDS = sorted(FIELDS[("v1", STRUCTURES)])
SERVICE_FIELDS = sorted(FIELDS[("v1", SERVICES)])
_LISTS = ("reseaux_porteurs", "thematiques", "publics", "modes_accueil", "zone_eligibilite",
          "modes_mobilisation", "mobilisable_par")
_PATTERNS = {
    "code_insee": re.compile(r"\w{5}"),
    "code_postal": re.compile(r"\d{5}"),
    "siret": re.compile(r"\d{14}"),
    "courriel": re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"),
    "date_maj": re.compile(r"\d{4}-\d{2}-\d{2}"),
}
_URLS = ("site_web", "lien_source", "accessibilite_lieu", "lien_mobilisation")
_URL = re.compile(r"https?://[^\s<>\"]+\.[^\s<>\"]+")
_ZONE = re.compile(r"\w{5}|\w{2,3}|\d{9}|99[0-5]\d{2}|france")


@dataclass
class DataInclusionExport:
    """The records written back, and the values left out because the schema refuses them."""

    structures: list[dict[str, object]]
    services: list[dict[str, object]]
    dropped: Counter[str] = field(default_factory=Counter)   # "table.field" → values
    files: list[Path] = field(default_factory=list)

    def summary(self) -> list[str]:
        lines = [f"Export data·inclusion (schéma v1) : {len(self.structures)} structure(s), "
                 f"{len(self.services)} service(s)"]
        lines += [f"  écrit : {path}" for path in self.files]
        if self.dropped:
            listed = ", ".join(f"{name} ({n})" for name, n in sorted(self.dropped.items()))
            lines.append(f"  valeurs non conformes au schéma, non écrites : {listed}")
        return lines


class _Writer:
    def __init__(self, refs: Referentials, source: str, today: date):
        self.refs, self.terr = refs, refs.territoires
        self.source, self.today = source, today
        self.dropped: Counter[str] = Counter()
        self.enums = {
            "thematiques": {c for c, t in refs.thematiques.items() if not t.est_categorie},
            "publics": set(refs.publics), "reseaux_porteurs": set(refs.reseaux_porteurs),
            "modes_accueil": set(refs.modes_accueil), "frais": set(V1_ENUMS["frais"]),
            "modes_mobilisation": set(V1_ENUMS["modes_mobilisation"]),
            "mobilisable_par": set(V1_ENUMS["mobilisable_par"]),
            "type": set(refs.moments_par_type_service),
        }

    # -- from the model -------------------------------------------------------
    def subthemes(self, codes: list[str]) -> list[str]:
        result: list[str] = []
        for code in codes:
            theme = self.refs.thematiques[code]
            if theme.est_categorie:
                result += sorted(c for c, t in self.refs.thematiques.items()
                                 if t.categorie == code and not t.est_categorie)
            else:
                result.append(code)
        return list(dict.fromkeys(result))

    def zone(self, codes: list[str]) -> list[str]:
        result: list[str] = []
        for code in codes:
            if self.terr.kind(code) == "region":
                result += _departements(self.terr, code)
            else:
                result.append(code)
        return list(dict.fromkeys(result))

    def from_acteur(self, acteur: Acteur) -> dict[str, object]:
        return {"nom": acteur.nom, "description": acteur.missions, "siret": acteur.siret,
                "code_insee": acteur.commune, "site_web": acteur.site_web,
                "reseaux_porteurs": [acteur.reseau_porteur] if acteur.reseau_porteur else None}

    def from_service(self, service: Service) -> dict[str, object]:
        return {"structure_id": service.acteur, "nom": service.nom,
                "description": service.description,
                "thematiques": self.subthemes(service.thematiques),
                "publics": service.publics or None,
                "modes_accueil": service.modes_accueil or None,
                "zone_eligibilite": self.zone(service.territoire) or None,
                "frais": service.frais,
                "modes_mobilisation": service.modes_mobilisation or None,
                "mobilisable_par": service.mobilisable_par or None,
                "conditions_acces": service.conditions_acces,
                "date_maj": service.date_maj.isoformat() if service.date_maj else None}

    # -- merged with what was imported -----------------------------------------
    def record(self, table: str, fields: list[str], mapped: dict[str, object],
               current: dict[str, object], original: dict | None) -> dict[str, object]:
        """The record: as imported where the data set did not change it, else the data
        set's values; required fields filled; values the schema refuses left out."""
        origine = (original or {}).get("origine")
        imported = (original or {}).get("import") or {}
        record: dict[str, object] = dict.fromkeys(fields)
        if isinstance(origine, dict):
            record.update({k: v for k, v in origine.items() if k in fields})
            record["score_qualite"] = origine.get("score_qualite")
            record.update({k: v for k, v in mapped.items()
                           if _edited(k, current, imported)})
        else:
            record.update(mapped)
        record["id"] = current["id"]
        record["source"] = record.get("source") or self.source
        record["date_maj"] = record.get("date_maj") or self.today.isoformat()
        if table == SERVICES and not record.get("description"):
            record["description"] = record["nom"]
        if record.get("score_qualite") is None:
            record.pop("score_qualite", None)
        return self.clean(table, record)

    def drop(self, table: str, name: str, count: int = 1) -> None:
        if count:
            self.dropped[f"{table}.{name}"] += count

    def clean(self, table: str, record: dict[str, object]) -> dict[str, object]:
        for name, value in list(record.items()):
            if value is None:
                continue
            if name in self.enums:
                allowed = self.enums[name]
                if isinstance(value, list):
                    kept = [v for v in value if v in allowed]
                    if name == "publics" and "tous-publics" in kept and len(kept) > 1:
                        kept.remove("tous-publics")     # the schema: « tous-publics » alone
                    self.drop(table, name, len(value) - len(kept))
                    record[name] = list(dict.fromkeys(kept)) or None
                elif value not in allowed:
                    self.drop(table, name)
                    record[name] = None
            elif name == "zone_eligibilite" and isinstance(value, list):
                kept = [v for v in value if _ZONE.fullmatch(str(v))]
                self.drop(table, name, len(value) - len(kept))
                record[name] = kept or None
            elif (name in _PATTERNS and not _PATTERNS[name].fullmatch(str(value))) \
                    or (name in _URLS and not _URL.fullmatch(str(value))):
                self.drop(table, name)
                record[name] = None
        return record


def _edited(name: str, current: dict[str, object], imported: dict[str, object]) -> bool:
    """Whether the data set's field that gives ``name`` changed since the import."""
    source = _MODEL_FIELD.get(name, name)
    now, then = current.get(source), imported.get(source)
    if isinstance(now, date):
        now = now.isoformat()
    return (now or None) != (then or None)


_MODEL_FIELD = {"description": "description", "code_insee": "commune", "structure_id": "acteur",
                "zone_eligibilite": "territoire", "reseaux_porteurs": "reseau_porteur"}


@cache
def _departements(terr, region: str) -> list[str]:
    return sorted({terr.departement_of(c) for c in terr.communes(region)})


def to_data_inclusion(dataset: Dataset, originals: dict | None = None, *,
                      source: str = DEFAULT_SOURCE, today: date | None = None,
                      refs: Referentials | None = None) -> DataInclusionExport:
    """The data set's actors and services as data·inclusion v1 structures and services.

    Parameters
    ----------
    dataset : a validated data set.
    originals : ``data_inclusion.json`` of the data set (see
        :func:`spie_graph.sources.data_inclusion.read_originals`), or None.
    source : the producer written in ``source`` for records typed by hand.
    today : the ``date_maj`` of records that have none (default: today).

    Notes
    -----
    Linear in the number of actors and services.
    """
    writer = _Writer(refs or referentials(), source, today or date.today())
    originals = originals or {}
    structures = []
    for acteur in dataset.acteurs:
        current = acteur.model_dump()
        current["description"] = current.get("missions")
        original = originals.get(STRUCTURES, {}).get(acteur.id)
        if original and original.get("import"):
            original = {**original, "import": {**original["import"],
                                               "description": original["import"].get("missions")}}
        structures.append(writer.record(STRUCTURES, STRUCTURE_FIELDS, writer.from_acteur(acteur),
                                        current, original))
    services = []
    for service in dataset.services:
        current = service.model_dump()
        original = originals.get(SERVICES, {}).get(service.id)
        services.append(writer.record(SERVICES, SERVICE_FIELDS, writer.from_service(service),
                                      current, original))
    return DataInclusionExport(structures, services, writer.dropped)


def _csv(records: list[dict[str, object]], fields: list[str]) -> str:
    out = io.StringIO()
    columns = [*fields, *(["score_qualite"] if any("score_qualite" in r for r in records)
                          else [])]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        row = []
        for name in columns:
            value = record.get(name)
            if isinstance(value, list):
                value = "[" + ", ".join(repr(str(v)) for v in value) + "]"
            row.append("" if value is None else str(value))
        writer.writerow(row)
    return out.getvalue()


def write_data_inclusion(dataset: Dataset, originals: dict | None, output: Path | str,
                         fmt: str = "json", *, source: str = DEFAULT_SOURCE,
                         force: bool = False, today: date | None = None) -> DataInclusionExport:
    """Write ``structures.FMT`` and ``services.FMT`` in the folder ``output``, whole or not
    at all.

    Raises
    ------
    ArgumentError : unknown format, or ``output`` is not empty (without ``force``).
    ExportError : the folder cannot be written.
    """
    if fmt not in DI_FORMATS:
        raise ArgumentError(f"format inconnu : « {fmt} ». Formats : {', '.join(DI_FORMATS)}")
    output = Path(output)
    check_new_folder(output, force)
    result = to_data_inclusion(dataset, originals, source=source, today=today)
    if fmt == "json":
        files = {f"{STRUCTURES}.json": json.dumps(result.structures, ensure_ascii=False,
                                                  indent=1) + "\n",
                 f"{SERVICES}.json": json.dumps(result.services, ensure_ascii=False,
                                                indent=1) + "\n"}
    else:
        files = {f"{STRUCTURES}.csv": _csv(result.structures, STRUCTURE_FIELDS),
                 f"{SERVICES}.csv": _csv(result.services, SERVICE_FIELDS)}
    write_folder(output, files)
    result.files = [output / name for name in files]
    return result
