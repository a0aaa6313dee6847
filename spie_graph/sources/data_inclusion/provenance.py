"""Where an imported data set comes from, and what its import left out.

The import writes ``provenance.json`` in the data set folder: the files read
(format, schema version, export date), the territory asked, counts read / kept /
rejected / out of the territory by table and by source (the producer named in
each record's ``source``), the blocking reasons of the rejects, the sources left
incomplete, and the crosswalk choices that widened a need. It also writes
``data_inclusion.json``: the schema v1 fields of each record kept, as read, so that
:mod:`spie_graph.render.data_inclusion` can write them back unchanged.

:func:`read_provenance` reads it back; :meth:`Provenance.notes` says in French
what ``who-covers``, ``gaps`` and the report print beside their results.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from spie_graph import french
from spie_graph.errors import Problem, SourceError
from spie_graph.sources.data_inclusion.records import SERVICES, STRUCTURES

__all__ = ["PROVENANCE_FILE", "ORIGINALS_FILE", "INCOMPLETE_SHARE", "Provenance",
           "build_provenance", "read_provenance", "read_originals"]

PROVENANCE_FILE = "provenance.json"
ORIGINALS_FILE = "data_inclusion.json"
INCOMPLETE_SHARE = 0.10     # a source with at least this share of its services rejected
_EXPORT_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def export_date(path: Path | None) -> str | None:
    """The date in an export's name (``services-inclusion-2026-03-02.parquet``)."""
    if path is None:
        return None
    found = _EXPORT_DATE.search(path.name)
    return found.group(1) if found else None


def _file(path: Path | None, table: str, version: str | None) -> dict[str, object] | None:
    if path is None:
        return None
    kind = "dossier de pages de l'API" if path.is_dir() else path.suffix.lower().lstrip(".")
    return {"table": table, "nom": path.name, "format": kind, "schema": version,
            "date_export": export_date(path)}


def build_provenance(result, structures: Path, services: Path | None,
                     today: date | None = None) -> dict[str, object]:
    """The content of ``provenance.json`` for an :class:`~.mapping.ImportResult`."""
    sources: dict[str, dict[str, dict[str, object]]] = {}
    incomplete = []
    for source, tables in result.by_source.items():
        entry: dict[str, dict[str, object]] = {}
        for table in (STRUCTURES, SERVICES):
            counts = dict(tables.get(table, {}))
            reasons = {k.removeprefix("motif:"): v for k, v in counts.items()
                       if k.startswith("motif:")}
            entry[table] = {k: counts.get(k, 0) for k in
                            ("lus", "hors_territoire", "rejetes", "ecrits")}
            if reasons:
                entry[table]["motifs"] = dict(sorted(reasons.items(), key=lambda kv: -kv[1]))
        sources[source] = entry
        svc = entry[SERVICES]
        in_scope = int(svc["lus"]) - int(svc["hors_territoire"])      # type: ignore[call-overload]
        rejected = int(svc["rejetes"])                                 # type: ignore[call-overload]
        if in_scope and rejected / in_scope >= INCOMPLETE_SHARE:
            motifs = svc.get("motifs") or {}
            assert isinstance(motifs, dict)
            incomplete.append({"source": source, "services": in_scope,
                               "services_rejetes": rejected,
                               "part_rejetee": round(rejected / in_scope, 4),
                               "motif_principal": next(iter(motifs), None)})
    incomplete.sort(key=lambda s: (-float(s["part_rejetee"]), str(s["source"])))
    files = [_file(structures, STRUCTURES, result.versions.get(STRUCTURES)),
             _file(services, SERVICES, result.versions.get(SERVICES))
             if services is not None and services != structures else None]
    dates = [f["date_export"] for f in files if f and f["date_export"]]
    return {
        "source": "data·inclusion",
        "importe_le": (today or date.today()).isoformat(),
        "date_export": max(dates) if dates else None,   # type: ignore[type-var]
        "fichiers": [f for f in files if f],
        "territoire": result.territoire,
        "elargissements_gardes": result.elargir,
        "comptes": result.counts,
        "motifs_bloquants": {t: dict(c.most_common())
                             for t, c in result.blocking_reasons().items()},
        "sources": sources,
        "sources_incompletes": incomplete,
        "besoins_elargis": result.widened,
    }


@dataclass
class Provenance:
    """``provenance.json`` read back."""

    path: Path
    data: dict[str, object] = field(default_factory=dict)

    def _counts(self, table: str) -> dict[str, int]:
        counts = self.data.get("comptes") or {}
        assert isinstance(counts, dict)
        return {k: int(v) for k, v in (counts.get(table) or {}).items()}

    @property
    def date_export(self) -> str | None:
        value = self.data.get("date_export")
        return str(value) if value else None

    @property
    def incomplete(self) -> list[dict[str, object]]:
        value = self.data.get("sources_incompletes") or []
        assert isinstance(value, list)
        return value

    def notes(self) -> list[str]:
        """What the import left out, in French, for who-covers, gaps and the report."""
        services = self._counts(SERVICES)
        structures = self._counts(STRUCTURES)
        when = (f"export du {_day(self.date_export)}" if self.date_export
                else "date d'export inconnue")
        lines = [f"Jeu de données importé de data·inclusion ({when}, importé le "
                 f"{_day(str(self.data.get('importe_le')))})."]
        in_scope = services.get("lus", 0) - services.get("hors_territoire", 0)
        rejected = services.get("rejetes", 0)
        if in_scope:
            lines.append(
                f"L'import a laissé de côté {french.plural(rejected, 'service')} sur "
                f"{french.number(in_scope)} ({french.percent(rejected / in_scope)}) et "
                f"{french.plural(structures.get('rejetes', 0), 'structure')} : les manques "
                "constatés peuvent venir de ces données absentes (détail : import_rejets.csv).")
        if self.incomplete:
            listed = "; ".join(
                f"{s['source']} ({french.percent(float(s['part_rejetee']))} de ses "  # type: ignore[arg-type]
                f"services rejetés, surtout « {s['motif_principal']} »)"
                for s in self.incomplete[:5])
            listed = listed.replace(");", ") ;")
            more = len(self.incomplete) - 5
            lines.append(f"Sources incomplètes : {listed}"
                         + (f" ; et {more} autre(s)" if more > 0 else "") + ".")
        widened = self.data.get("besoins_elargis") or {}
        assert isinstance(widened, dict)
        if widened:
            listed = ", ".join(f"{need} ({french.plural(int(n), 'service')})"
                               for need, n in sorted(widened.items()))
            lines.append(f"Besoins élargis par une table de correspondance data·inclusion : "
                         f"{listed} ; réimportez avec --sans-elargissement pour les écarter.")
        kept_structures = structures.get("hors_territoire_gardees", 0)
        wide = services.get("zone_large", 0)
        if kept_structures or wide:
            parts = []
            if wide:
                parts.append(f"{french.plural(wide, 'service')} national(aux) ou régional(aux) "
                             "gardé(s) parce que leur zone atteint le territoire")
            if kept_structures:
                parts.append(f"{french.plural(kept_structures, 'structure')} située(s) hors du "
                             "territoire, gardée(s) pour leurs services")
            lines.append("Comptés à part : " + " ; ".join(parts) + ".")
        return lines


def _day(iso: str) -> str:
    """``2026-03-02`` → ``02/03/2026`` (as the report dates itself)."""
    try:
        return date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def read_provenance(folder: Path | str | None) -> Provenance | None:
    """The provenance of a data set folder; ``None`` when it was not imported.

    Raises
    ------
    SourceError : ``provenance.json`` is not valid JSON.
    """
    if folder is None:
        return None
    path = Path(folder) / PROVENANCE_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, OSError) as exc:
        raise SourceError(str(Problem(str(path), None, None, None,
                                      f"fichier de provenance illisible ({exc})",
                                      "réimportez le jeu de données, ou supprimez ce fichier"))
                          ) from exc
    return Provenance(path, data if isinstance(data, dict) else {})


def read_originals(folder: Path | str | None) -> dict[str, dict[str, dict[str, object]]]:
    """The v1 records as read by the import, by table and id (empty when none)."""
    if folder is None:
        return {}
    path = Path(folder) / ORIGINALS_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, OSError) as exc:
        raise SourceError(f"{path} : fichier illisible ({exc}). Réimportez le jeu de données, "
                          "ou supprimez ce fichier") from exc
    return data if isinstance(data, dict) else {}
