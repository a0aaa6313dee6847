"""Turn data·inclusion records into the project's rows: mapping, scope, rejects, remarks."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from spie_graph.errors import ArgumentError, Problem
from spie_graph.reference import read_text
from spie_graph.reference.referentials import Referentials, closest, referentials
from spie_graph.sources.data_inclusion.records import (
    _DATE,
    _EMAIL,
    _LOCAL_KINDS,
    _SOURCE_FIX,
    _URL,
    COUNTS,
    FIELDS,
    REJECTS_FILE,
    REJET,
    REMARKS_FILE,
    REMARQUE,
    REQUIRED,
    SERVICES,
    STRUCTURES,
    V1_ENUMS,
    Export,
    Issue,
    Record,
    _mapping,
    _number,
    items,
    text,
    v1_record,
)
from spie_graph.sources.readers import line_ranges
from spie_graph.sources.validation import LIST_SEPARATOR


@dataclass
class ImportResult:
    """What an import read, wrote, rejected and changed.

    ``rejets`` holds every reason of every reject, the blocking one first for each
    record; ``counts`` are by table (see ``COUNTS``), ``by_source`` by producer.
    """

    versions: dict[str, str]
    counts: dict[str, dict[str, int]]
    acteurs: list[dict[str, object]]
    services: list[dict[str, object]]
    rejets: list[Issue]
    remarques: list[Issue]
    territoire: str | None = None
    output: Path | None = None
    by_source: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    originals: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    elargir: bool = True
    widened: dict[str, int] = field(default_factory=dict)   # need → services kept, widened

    @property
    def departement(self) -> str | None:
        return self.territoire if self.territoire and ":" not in self.territoire else None

    def rejected_records(self) -> list[list[Issue]]:
        """The rejects grouped by record (one list per record, its blocking reason first)."""
        groups: dict[tuple, list[Issue]] = {}
        for issue in self.rejets:
            key = (issue.table, issue.problem.file, issue.problem.line, issue.record)
            groups.setdefault(key, []).append(issue)
        return list(groups.values())

    def blocking_reasons(self) -> dict[str, Counter[str]]:
        """By table: how many records each blocking reason rejected."""
        result: dict[str, Counter[str]] = {STRUCTURES: Counter(), SERVICES: Counter()}
        for group in self.rejected_records():
            result[group[0].table][group[0].problem.message] += 1
        return result

    def summary(self, remarks_shown: int = 20, rejects_shown: int = 200) -> list[str]:
        """The report printed by the CLI: counts, every reject with all its reasons, the
        remarks."""
        where = f" → {self.output}" if self.output else ""
        scope = f" (territoire {self.territoire})" if self.territoire else ""
        versions = ", ".join(f"{t} {v}" for t, v in self.versions.items())
        lines = [f"Import data·inclusion ({versions}){where}{scope}"]
        for table, written in ((STRUCTURES, "acteur(s) écrit(s)"),
                               (SERVICES, "service(s) écrit(s)")):
            c = self.counts[table]
            entry = f"  {table:<10} : {c['lus']} lu(s)"
            if c["ignores"]:
                entry += f" (+ {c['ignores']} ligne(s) d'aide __ignore__ écartée(s))"
            if self.territoire:
                entry += f", {c['hors_territoire']} hors territoire"
            entry += f", {c['rejetes']} rejeté(s), {c['ecrits']} {written}"
            if self.territoire and c["hors_territoire_gardees"]:
                entry += (f", dont {c['hors_territoire_gardees']} situé(s) hors du territoire, "
                          "gardé(s) pour leurs services")
            if self.territoire and c["zone_large"]:
                entry += f", dont {c['zone_large']} national(aux) ou régional(aux)"
            lines.append(entry)
        groups = self.rejected_records()
        lines.append(f"  rejets : {len(groups)} enregistrement(s)")
        for table, reasons in self.blocking_reasons().items():
            if reasons:
                listed = ", ".join(f"{n} « {r} »" for r, n in reasons.most_common())
                lines.append(f"    {table}, motif bloquant : {listed}")
        for group in groups[:rejects_shown]:
            entry = f"    - {group[0]}"
            if len(group) > 1:
                entry += " ; autres motifs : " + " ; ".join(
                    f"{i.problem.message} ({i.problem.field})" for i in group[1:])
            lines.append(entry)
        if len(groups) > rejects_shown:
            lines.append(f"    … et {len(groups) - rejects_shown} autre(s), "
                         f"tous dans {REJECTS_FILE}")
        lines.append(f"  remarques (valeurs écartées ou corrigées) : {len(self.remarques)}")
        lines += [f"    - {issue}" for issue in self.remarques[:remarks_shown]]
        if len(self.remarques) > remarks_shown:
            lines.append(f"    … et {len(self.remarques) - remarks_shown} autre(s)")
        if self.output:
            lines.append(f"  détail : {self.output / REJECTS_FILE}, {self.output / REMARKS_FILE}")
            lines.append(f"Vérifiez le jeu de données : spie-graph validate --dataset "
                         f"{self.output}")
        return lines


_V0_MODES = {
    "envoyer-un-mail": "envoyer-un-courriel",
    "envoyer-un-mail-avec-une-fiche-de-prescription": "envoyer-un-courriel",
    "envoyer-une-fiche-de-prescription": "envoyer-un-courriel",
    "se-presenter": "se-presenter",
    "telephoner": "telephoner",
    "completer-le-formulaire-dadhesion": "utiliser-lien-mobilisation",
}


@cache
def _name_patterns() -> list[tuple[re.Pattern[str], str, str]]:
    rows = csv.DictReader(read_text("familles_par_nom.csv").splitlines())
    return [(re.compile(row["motif"]), row["famille"], row["motif"]) for row in rows]


def _plain_name(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[’`]", "'", ascii_name).lower().strip()


def _famille_from_name(nom: str | None) -> tuple[str, str] | None:
    """The family a structure's name tells (``familles_par_nom.csv``), with the words that
    told it; ``None`` when no pattern matches.

    >>> _famille_from_name("MISSION LOCALE NORD")
    ('mission-locale', 'mission locale')
    """
    if not nom:
        return None
    plain = _plain_name(nom)
    for pattern, famille, motif in _name_patterns():
        if pattern.search(plain):
            return famille, motif.split("|")[0].replace("\\b", "")
    return None


@cache
def _widening_targets(code: str) -> frozenset[str]:
    """The v1 targets of a v0 thématique that lie outside the v1 categories its own v0
    category maps to: a crosswalk choice that widens another need."""
    v0_map = _mapping("v0_thematiques_vers_v1.csv")
    own = code.split("--")[0]
    if own == code or own not in v0_map:
        return frozenset()
    categories = {t.split("--")[0] for t in v0_map[own]}
    return frozenset(t for t in v0_map.get(code, []) if t.split("--")[0] not in categories)


class _Report:
    """Collects the issues of one record."""

    def __init__(self, table: str, record: Record, letters: dict[str, dict[str, str]]):
        self.table = table
        self.record = record
        self.letters = letters.get(record.file, {})
        self.issues: list[Issue] = []
        self.rejected = False

    def _problem(self, name: str | None, value: object, message: str,
                 fix: str | None) -> Problem:
        letter = self.letters.get(name or "")
        shown = None if value is None else (text(value) if not isinstance(value, str) else value)
        return Problem(self.record.file, self.record.line,
                       f"{name} (colonne {letter})" if letter else name, shown, message, fix)

    def remark(self, name: str | None, value: object, message: str, fix: str | None) -> None:
        self.issues.append(Issue(REMARQUE, self.table, self.record.id,
                                 self._problem(name, value, message, fix)))

    def reject(self, name: str | None, value: object, message: str, fix: str | None) -> None:
        self.rejected = True
        self.issues.append(Issue(REJET, self.table, self.record.id,
                                 self._problem(name, value, message, fix)))


def _check_schema(record: Record, version: str, table: str, report: _Report) -> None:
    """Report deviations from the data·inclusion schema in fields spie-graph does not use."""
    values = record.values
    for name in REQUIRED[(version, table)]:
        if name in ("id", "nom", "structure_id"):
            continue  # checked where they are used: a record without them is rejected
        if text(values.get(name)) is None:
            report.remark(name, None, "champ obligatoire du schéma data·inclusion vide ou absent",
                          _SOURCE_FIX)
    courriel = text(values.get("courriel"))
    if courriel and not _EMAIL.fullmatch(courriel):
        report.remark("courriel", courriel, "courriel invalide", _SOURCE_FIX)
    code_postal = text(values.get("code_postal"))
    if code_postal and not re.fullmatch(r"\d{5}", code_postal):
        report.remark("code_postal", code_postal, "code postal invalide (5 chiffres attendus)",
                      _SOURCE_FIX)
    date_maj = text(values.get("date_maj"))
    if date_maj and not _DATE.fullmatch(date_maj):
        report.remark("date_maj", date_maj, "date invalide (AAAA-MM-JJ attendu)", _SOURCE_FIX)
    for name in ("lien_source", "lien_mobilisation", "accessibilite_lieu", "accessibilite",
                 "page_web", "prise_rdv", "formulaire_en_ligne"):
        url = text(values.get(name))
        if url and not _URL.fullmatch(url):
            report.remark(name, url, "adresse web invalide", _SOURCE_FIX)
    nombre = text(values.get("nombre_semaines"))
    if nombre is not None:
        number = _number(nombre)
        if number is None or not number.is_integer() or number < 1:
            report.remark("nombre_semaines", nombre, "nombre entier d'au moins 1 attendu",
                          _SOURCE_FIX)
    volume = text(values.get("volume_horaire_hebdomadaire"))
    if volume is not None and _number(volume) is None:
        report.remark("volume_horaire_hebdomadaire", volume, "nombre attendu", _SOURCE_FIX)
    if version == "v1" and table == SERVICES:
        for name, allowed in V1_ENUMS.items():
            for value in items(values.get(name)):
                if value not in allowed:
                    report.remark(name, value, f"valeur inconnue (valeurs possibles : "
                                  f"{', '.join(allowed)})", _SOURCE_FIX)


class _Converter:
    """Turns records into rows of the project's tables, collecting issues."""

    def __init__(self, refs: Referentials, elargir: bool = True, infer_famille: bool = True):
        self.refs = refs
        self.elargir = elargir
        self.infer_famille = infer_famille
        self.widened: dict[str, set[str | None]] = {}
        self.terr = refs.territoires
        self.subthemes: dict[str, set[str]] = {}
        for code, theme in refs.thematiques.items():
            if not theme.est_categorie:
                self.subthemes.setdefault(theme.categorie, set()).add(code)

    # -- territories --------------------------------------------------------
    def territory(self, report: _Report, name: str, raw: str,
                  commune_only: bool = False) -> str | None:
        code = self.terr.normalize(raw)
        if code in ("france", "99100") and not commune_only:
            return "france"
        if re.fullmatch(r"99\d{3}", code):
            report.remark(name, raw, "code de pays étranger : hors du champ de spie-graph",
                          "la zone est écartée")
            return None
        kind = self.terr.kind(code)
        if kind is not None and (kind == "commune" or not commune_only):
            return code
        former = self.terr.former_code(code)
        if former is not None:
            former_name, _, current = former
            report.remark(name, raw, f"code d'une ancienne commune ({former_name}), remplacé "
                          f"par la commune actuelle {current} ({self.terr.name(current)})",
                          "mettez à jour le code chez le producteur")
            return current
        if kind is not None:
            report.remark(name, raw, f"un code de commune est attendu, pas un code de {kind}",
                          "valeur écartée")
            return None
        near = self.terr.suggest(code)
        hint = f"codes proches : {', '.join(near)}. " if near else ""
        report.remark(name, raw, "code inconnu du COG 2026", f"{hint}valeur écartée")
        return None

    def commune(self, report: _Report, values: dict) -> str | None:
        raw = text(values.get("code_insee"))
        return self.territory(report, "code_insee", raw, commune_only=True) if raw else None

    # -- structures ---------------------------------------------------------
    def famille(self, report: _Report, values: dict) -> tuple[str, str | None]:
        """The family and the réseau porteur of a structure (v1 réseaux, v0 typologie/labels)."""
        refs = self.refs
        reseaux = []
        for code in items(values.get("reseaux_porteurs")):
            if code in refs.reseaux_porteurs:
                reseaux.append(code)
            else:
                near = closest(code, list(refs.reseaux_porteurs))
                report.remark("reseaux_porteurs", code, "réseau porteur inconnu du schéma v1",
                              f"codes proches : {', '.join(near)}. Valeur écartée")
        typologie = text(values.get("typologie"))
        labels = items(values.get("labels_nationaux"))
        if typologie:
            reseaux += _mapping("v0_typologies_vers_v1_reseaux.csv").get(typologie, [])
        for label in labels:
            reseaux += _mapping("v0_labels_vers_v1_reseaux.csv").get(label, [])
        reseaux = list(dict.fromkeys(r for r in reseaux if r in refs.reseaux_porteurs))
        candidates: list[tuple[str, str | None]] = []
        famille_v0 = refs.famille_for_typologie(typologie) if typologie else None
        if famille_v0 and famille_v0 != "autre":   # Autre, BIB...: generic, not a family
            candidates.append((famille_v0, None))
        for r in reseaux:
            famille_v1 = refs.famille_for_reseau(r)
            if famille_v1 and famille_v1 != "autre":
                candidates.append((famille_v1, r))
        if candidates:
            famille, reseau = candidates[0]
            others = sorted({f for f, _ in candidates[1:] if f != famille})
            if others:
                report.remark("reseaux_porteurs", LIST_SEPARATOR.join(reseaux),
                              f"plusieurs familles possibles : « {famille} » retenue, "
                              f"{', '.join(others)} écartée(s)",
                              "corrigez la famille dans acteurs.csv si besoin")
            return famille, reseau or (reseaux[0] if reseaux else None)
        given = ", ".join(filter(None, [*items(values.get("reseaux_porteurs")),
                                        typologie or "", *labels])) or None
        field = "typologie" if typologie else "reseaux_porteurs"
        reseau_found = reseaux[0] if reseaux else None
        nom = text(values.get("nom"))
        guess = _famille_from_name(nom) if self.infer_famille else None
        why = (f"typologie générique « {typologie} »" if given and famille_v0 == "autre"
               else "aucune famille d'acteurs ne correspond" if given
               else "ni réseau porteur ni typologie")
        if guess is not None:
            famille, pattern = guess
            report.remark("nom", nom, f"{why} : famille « {famille} » déduite du nom "
                          f"(motif « {pattern} »), à vérifier",
                          "corrigez la famille dans acteurs.csv si elle ne convient pas "
                          "(spie-graph referentiel familles)")
            return famille, reseau_found
        report.remark(field, given, f"{why} : famille « autre »",
                      "choisissez la famille dans acteurs.csv (spie-graph referentiel familles)")
        return "autre", reseau_found

    def structure(self, report: _Report, version: str) -> dict[str, object]:
        values = report.record.values
        _check_schema(report.record, version, STRUCTURES, report)
        acteur_id, nom = text(values.get("id")), text(values.get("nom"))
        if acteur_id is None:
            report.reject("id", None, "identifiant absent", "renseignez « id » chez le producteur")
        if nom is None:
            report.reject("nom", None, "nom absent", "renseignez « nom » chez le producteur")
        elif nom.endswith("."):
            report.remark("nom", nom, "le nom d'une structure ne doit pas se terminer par un "
                          "point (règle data·inclusion)", "nom repris tel quel")
        famille, reseau = self.famille(report, values)
        siret = text(values.get("siret"))
        if siret is not None:
            digits = re.sub(r"[\s.]", "", siret)
            if re.fullmatch(r"\d{14}", digits):
                siret = digits
            else:
                report.remark("siret", siret, "SIRET invalide (14 chiffres attendus)",
                              "valeur écartée")
                siret = None
        site = text(values.get("site_web"))
        if site is not None and not _URL.fullmatch(site):
            if _URL.fullmatch("https://" + site):
                report.remark("site_web", site, "adresse sans « https:// »", "complétée")
                site = "https://" + site
            else:
                report.remark("site_web", site, "adresse web invalide", "valeur écartée")
                site = None
        missions = text(values.get("description")) or text(values.get("presentation_resume")) \
            or text(values.get("presentation_detail"))
        return {"id": acteur_id, "nom": nom, "famille": famille, "reseau_porteur": reseau,
                "siret": siret, "commune": self.commune(report, values), "territoire": [],
                "missions": missions, "competences": [], "publics": [], "site_web": site}

    # -- services -----------------------------------------------------------
    def thematiques(self, report: _Report, version: str, codes: list[str]) -> list[str]:
        v0_map = _mapping("v0_thematiques_vers_v1.csv")
        known = self.refs.thematiques
        result: list[str] = []
        for code in codes:
            if version == "v0" and code in v0_map:
                mapped = v0_map[code]
                if not mapped:
                    report.remark("thematiques", code, "thématique v0 sans équivalent v1",
                                  "valeur écartée (table v0_thematiques_vers_v1.csv)")
                mapped = self.widening(report, code, mapped)
            elif code in known:
                mapped = [code]
            elif v0_map.get(code):
                mapped = v0_map[code]
                report.remark("thematiques", code, "code de thématique v0 dans un export v1",
                              f"converti en {', '.join(self.collapse(mapped))}")
                mapped = self.widening(report, code, mapped)
            else:
                near = closest(code, list(known))
                report.remark("thematiques", code, "code de thématique inconnu",
                              f"codes proches : {', '.join(near)}. Valeur écartée")
                mapped = []
            result += [m for m in mapped if m not in result]
        return self.collapse(result)

    def widening(self, report: _Report, code: str, mapped: list[str]) -> list[str]:
        """Targets of a crosswalk row that put a service under another need than its own
        (``numerique--accompagner-les-demarches-de-sante`` → ``sante--acces-aux-soins``):
        reported, and dropped when ``elargir`` is off."""
        wide = [m for m in mapped if m in _widening_targets(code)]
        if not wide:
            return mapped
        needs = sorted({self.refs.thematiques[m].categorie for m in wide})
        for need in needs:
            self.widened.setdefault(need, set()).add(report.record.id)
        if self.elargir:
            report.remark("thematiques", code, f"la table de correspondance data·inclusion range "
                          f"ce service aussi sous {', '.join(needs)} : elle élargit ce besoin",
                          f"gardé ({', '.join(wide)}) ; importez avec --sans-elargissement "
                          "pour l'écarter")
            return mapped
        report.remark("thematiques", code, f"correspondance qui élargit le besoin "
                      f"{', '.join(needs)} écartée (--sans-elargissement)",
                      f"écarté : {', '.join(wide)}")
        return [m for m in mapped if m not in wide]

    def collapse(self, codes: list[str]) -> list[str]:
        """Every sub-theme of a category written as that category."""
        result = list(codes)
        for category, subthemes in self.subthemes.items():
            if subthemes <= set(result):
                first = min(result.index(c) for c in subthemes)
                result = [c for c in result if c not in subthemes]
                result.insert(first, category)
        return list(dict.fromkeys(result))

    def publics(self, report: _Report, values: dict) -> list[str]:
        known = self.refs.publics
        result: list[str] = []
        for code in items(values.get("publics")):
            if code in known:
                result.append(code)
            else:
                near = closest(code, list(known))
                report.remark("publics", code, "public inconnu du schéma v1",
                              f"codes proches : {', '.join(near)}. Valeur écartée")
        profils = items(values.get("profils"))
        v0_map = _mapping("v0_profils_vers_v1_publics.csv")
        unmapped = []
        for code in profils:
            mapped = v0_map.get(code)
            if mapped is None:
                near = closest(code, list(v0_map))
                report.remark("profils", code, "profil v0 inconnu",
                              f"profils proches : {', '.join(near)}. Valeur écartée")
            elif not mapped:
                unmapped.append(code)
            result += mapped or []
        result = list(dict.fromkeys(result))
        if "tous-publics" in result and len(result) > 1:
            report.remark("publics", LIST_SEPARATOR.join(result),
                          "« tous-publics » s'emploie seul", "« tous-publics » écarté")
            result.remove("tous-publics")
        if unmapped:
            consequence = "" if result else " ; le service est considéré tous publics"
            report.remark("profils", ", ".join(unmapped), "profil v0 sans équivalent v1",
                          f"écarté (table v0_profils_vers_v1_publics.csv){consequence}")
        return result

    def modes(self, report: _Report, values: dict) -> list[str]:
        result = []
        for code in items(values.get("modes_accueil")):
            if code in self.refs.modes_accueil:
                result.append(code)
            else:
                report.remark("modes_accueil", code, "mode d'accueil inconnu",
                              f"valeurs possibles : {', '.join(self.refs.modes_accueil)}")
        return list(dict.fromkeys(result))

    def zone(self, report: _Report, values: dict) -> list[str]:
        """The eligibility area written in the record (v1 zone_eligibilite, v0 zone_diffusion)."""
        result: list[str] = []
        for raw in items(values.get("zone_eligibilite")):
            code = self.territory(report, "zone_eligibilite", raw)
            if code and code not in result:
                result.append(code)
        kind = (text(values.get("zone_diffusion_type")) or "").lower()
        code = text(values.get("zone_diffusion_code"))
        if kind == "pays":
            result.append("france")
        elif kind == "region" and code:
            region = f"region:{code}"
            if self.terr.kind(region) == "region":
                result.append(region)
            else:
                report.remark("zone_diffusion_code", code, "région inconnue du COG 2026",
                              "valeur écartée")
        elif kind in _LOCAL_KINDS and code:
            found = self.territory(report, "zone_diffusion_code", code)
            if found and self.terr.kind(found) != kind:
                report.remark("zone_diffusion_code", code,
                              f"code de {self.terr.kind(found)} pour une zone de type {kind}",
                              "code gardé tel quel")
            if found:
                result.append(found)
        elif kind:
            report.remark("zone_diffusion_type", kind, "type de zone inconnu",
                          "valeurs possibles : commune, epci, departement, region, pays")
        return list(dict.fromkeys(result))

    def service(self, report: _Report, version: str, extra_themes: list[str],
                acteur: dict | None, structure: str | None = None) -> dict[str, object]:
        """A service row; ``structure`` says why its structure is missing (``absente``,
        ``rejetee``): that reject comes first, as the cause of the others."""
        values = report.record.values
        service_id, nom = text(values.get("id")), text(values.get("nom"))
        structure_id = text(values.get("structure_id"))
        if structure_id is not None and structure == "absente":
            report.reject("structure_id", structure_id,
                          "structure absente de l'export des structures",
                          "importez l'export des structures du même jour (complet, pas un "
                          "extrait) ; sans elle, la zone du service est inconnue")
        elif structure_id is not None and structure == "rejetee":
            report.reject("structure_id", structure_id, "sa structure est rejetée",
                          "voir le rejet de la structure")
        _check_schema(report.record, version, SERVICES, report)
        for name, value in (("id", service_id), ("structure_id", structure_id), ("nom", nom)):
            if value is None:
                report.reject(name, None, f"{name} absent", f"renseignez « {name} » chez le "
                              "producteur")
        codes = items(values.get("thematiques")) + extra_themes
        thematiques = self.thematiques(report, version, list(dict.fromkeys(codes)))
        if not thematiques:
            report.reject("thematiques", ", ".join(codes) or None,
                          "aucune thématique reconnue" if codes else "aucune thématique",
                          "un service de la cartographie a au moins une thématique v1")
        single = text(values.get("type"))
        types = [single] if single else items(values.get("types"))
        by_type = self.refs.moments_par_type_service
        if version == "v1" and single and single not in by_type:
            report.remark("type", single, "type de service inconnu du schéma v1",
                          "moments déduits des thématiques")
        moments: list[str] = []
        kinds: list[str | None] = [t for t in types if t in by_type] or [None]
        for kind in kinds:
            moments += self.refs.infer_moments(thematiques, kind)
        moments = [m for m in self.refs.moments if m in moments]
        territoire = self.zone(report, values)
        commune = self.commune(report, values)
        if not territoire:
            if commune is None and acteur is not None:
                commune = acteur["commune"]
            territoire = [commune] if commune else []
        if not territoire:
            cause = " (structure absente ou rejetée)" if structure else ""
            report.reject("zone_eligibilite" if version == "v1" else "zone_diffusion_code", None,
                          "zone du service inconnue : ni zone d'éligibilité, ni code INSEE du "
                          f"service ou de sa structure{cause}",
                          "renseignez la zone chez le producteur, ou ajoutez le service à la "
                          "main dans services.csv")
        description = text(values.get("description")) \
            or text(values.get("presentation_resume")) or text(values.get("presentation_detail"))
        return {"id": service_id, "acteur": structure_id, "nom": nom,
                "thematiques": thematiques, "publics": self.publics(report, values),
                "moments": moments, "territoire": territoire,
                "modes_accueil": self.modes(report, values), "description": description,
                **self.attributes(version, values)}

    def attributes(self, version: str, values: dict) -> dict[str, object]:
        """What users filter on: frais, modes de mobilisation, mobilisable par, conditions
        d'accès, score de qualité, date de mise à jour (v0 fields mapped to v1)."""
        if version == "v1":
            frais = text(values.get("frais"))
            frais = frais if frais in V1_ENUMS["frais"] else None
            modes = [m for m in items(values.get("modes_mobilisation"))
                     if m in V1_ENUMS["modes_mobilisation"]]
            par = [m for m in items(values.get("mobilisable_par"))
                   if m in V1_ENUMS["mobilisable_par"]]
            conditions = text(values.get("conditions_acces"))
        else:
            v0_frais = items(values.get("frais"))
            frais = ("payant" if {"payant", "adhesion", "pass-numerique"} & set(v0_frais)
                     else "gratuit" if v0_frais else None)
            beneficiaire = items(values.get("modes_orientation_beneficiaire"))
            accompagnateur = items(values.get("modes_orientation_accompagnateur"))
            modes = list(dict.fromkeys(
                _V0_MODES[m] for m in beneficiaire + accompagnateur if m in _V0_MODES))
            par = [who for who, given in (("usagers", beneficiaire),
                                          ("professionnels", accompagnateur)) if given]
            conditions = "; ".join(items(values.get("pre_requis"))) or None
        score = _number(values.get("score_qualite"))
        date_maj = text(values.get("date_maj"))
        return {"frais": frais, "modes_mobilisation": modes, "mobilisable_par": par,
                "conditions_acces": conditions,
                "score_qualite": score if score is not None and 0 <= score <= 1 else None,
                "date_maj": date_maj[:10] if date_maj and _DATE.fullmatch(date_maj) else None}


def _file_issues(export: Export) -> list[Issue]:
    """Remarks on an export's columns (unknown to its schema version, duplicated), and
    the rejects of elements that are not records."""
    issues = [Issue(REMARQUE, export.table, None, p) for p in export.notes]
    issues += [Issue(REJET, export.table, None, p) for p in export.unreadable]
    fields = FIELDS[(export.version, export.table)]
    columns: dict[str, str] = {}
    for record in export.records:
        for name in record.values:
            columns.setdefault(name, record.file)
    for name, file in columns.items():
        if name in fields:
            continue
        letter = export.letters.get(file, {}).get(name)
        located_file = file if file in export.header_lines else export.path.name
        if re.fullmatch(r"\d{4}_\d{2}_\d{2}(_.*)?", name):
            message = "en-tête qui est une date : le nom de la colonne a été écrasé"
            fix = "écrivez le nom du champ dans l'en-tête (sans doute « date_maj »)"
        else:
            message = f"colonne inconnue du schéma data·inclusion {export.version}"
            fix = (f"colonne ignorée ; champs proches : {', '.join(closest(name, sorted(fields)))}"
                   " (si c'en est un, corrigez l'en-tête)")
        issues.append(Issue(REMARQUE, export.table, None, Problem(
            located_file, export.header_lines.get(file),
            f"{name} (colonne {letter})" if letter else name, None, message, fix)))
    return issues


def _link_themes(services: Export) -> tuple[dict[str, list[str]], list[Issue]]:
    """Thématiques of the producer workbook's ``Services - Thématiques`` sheet, by service."""
    themes: dict[str, list[str]] = {}
    service_ids = {r.id for r in services.records}
    orphans: dict[str, list[Record]] = {}
    for link in services.links:
        sid, theme = text(link.values.get("service_id")), text(link.values.get("thematique"))
        if sid is not None and sid in service_ids and theme:
            themes.setdefault(sid, []).append(theme)
        elif sid or theme:
            orphans.setdefault(link.file, []).append(link)
    issues = []
    for file, links in orphans.items():
        ids = {text(link.values.get("service_id")) for link in links}
        lines = [link.line for link in links if link.line is not None]
        issues.append(Issue(REMARQUE, SERVICES, None, Problem(
            file, lines[0] if lines else None, "service_id", None,
            f"{len(links)} ligne(s) (lignes {line_ranges(lines)}) donnent des thématiques à "
            f"{len(ids)} service(s) absent(s) de la feuille Services",
            "lignes ignorées : vérifiez les identifiants des services")))
    return themes, issues


def _scope(terr, departement: str | None, region: str | None) -> tuple[str | None,
                                                                     frozenset[str] | None]:
    """The territory asked (département or région) and its communes."""
    if departement is not None and region is not None:
        raise ArgumentError("indiquez --departement ou --region, pas les deux")
    if departement is not None:
        code = terr.normalize(departement)
        if terr.kind(code) != "departement":
            raise ArgumentError(f"« {departement} » n'est pas un code de département "
                                "(ex. 56, 2A, 974)")
        return code, terr.communes(code)
    if region is not None:
        code = region if region.startswith("region:") else f"region:{region.strip()}"
        if terr.kind(code) != "region":
            raise ArgumentError(f"« {region} » n'est pas un code de région du COG 2026 "
                                "(ex. 53 pour la Bretagne, 04 pour La Réunion)")
        return code, terr.communes(code)
    return None, None


def _source(record: Record) -> str:
    return text(record.values.get("source")) or "(source non renseignée)"


def convert(structures: Export, services: Export | None = None,
            departement: str | None = None, refs: Referentials | None = None, *,
            region: str | None = None, elargir: bool = True,
            infer_famille: bool = True,
            progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Turn data·inclusion records into the project's ``acteurs`` and ``services`` rows.

    Parameters
    ----------
    structures, services : exports read by :func:`read_export`.
    departement, region : keep only this territory (see the module docstring): the
        services whose area meets it, national and regional ones included, and
        their structures.
    refs : the referentials (default: the shipped ones).
    elargir : keep the crosswalk choices that widen a need (reported either way).
    infer_famille : infer a missing family from the structure's name (as a remark).
    progress : told ``(records converted, records in all)`` as the conversion goes.

    Returns
    -------
    ImportResult : the rows, the counts (by table and by source), every reject (all its
    reasons, the blocking one first) and remark. Nothing is written.

    Raises
    ------
    ArgumentError : ``departement`` or ``region`` is not a code of that kind.

    Notes
    -----
    Linear in the number of records, plus, with a territory, one intersection of
    commune sets per service area.
    """
    refs = refs or referentials()
    terr = refs.territoires
    scope, scope_communes = _scope(terr, departement, region)
    converter = _Converter(refs, elargir, infer_famille)
    counts = {table: dict.fromkeys(COUNTS, 0) for table in (STRUCTURES, SERVICES)}
    by_source: dict[str, dict[str, Counter[str]]] = {}

    def count(table: str, record: Record, key: str) -> None:
        tables = by_source.setdefault(_source(record), {STRUCTURES: Counter(),
                                                        SERVICES: Counter()})
        tables[table][key] += 1

    file_issues = _file_issues(structures)

    # Structures, then services (a service needs its structure's commune).
    total = len(structures.records) + (len(services.records) if services else 0)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None and (done % 1000 == 0 or done == total):
            progress(done, total)

    drafts: list[tuple[_Report, dict]] = []
    for record in structures.records:
        report = _Report(STRUCTURES, record, structures.letters)
        drafts.append((report, converter.structure(report, structures.version)))
        step()
    by_id: dict[str, tuple[_Report, dict]] = {}
    for report, row in drafts:
        if row["id"] is not None:
            by_id.setdefault(row["id"], (report, row))
    service_drafts: list[tuple[_Report, dict]] = []
    if services is not None:
        file_issues += _file_issues(services)
        themes, link_issues = _link_themes(services)
        file_issues += link_issues
        for record in services.records:
            report = _Report(SERVICES, record, services.letters)
            entry = by_id.get(text(record.values.get("structure_id")) or "")
            status = None if entry and not entry[0].rejected else \
                "rejetee" if entry else "absente"
            row = converter.service(report, services.version, themes.get(record.id or "", []),
                                    entry[1] if entry else None, status)
            service_drafts.append((report, row))
            step()

    # Scope: the territory, when asked. A service is in when its area meets it (France
    # and regions included); a structure when its commune is in it or it carries one.
    met: dict[str, bool] = {}      # by territory code: a national export names few of them

    def code_meets(code: str) -> bool:
        if code not in met:
            met[code] = not terr.communes(code).isdisjoint(scope_communes or frozenset())
        return met[code]

    def meets(zone: list[str]) -> bool:
        return any(code_meets(c) for c in zone)

    def wide_only(zone: list[str]) -> bool:
        """Met only through France or a region: counted apart."""
        return not any(terr.kind(c) in _LOCAL_KINDS and code_meets(c) for c in zone)

    service_in: dict[int, bool] = {}
    carriers: set[str] = set()
    if scope_communes is not None:
        for index, (report, row) in enumerate(service_drafts):
            if row["territoire"]:
                inside = meets(row["territoire"])
            else:
                entry = by_id.get(row["acteur"] or "")
                inside = entry is not None and entry[1]["commune"] in scope_communes
            service_in[index] = inside
            if inside and not report.rejected:
                carriers.add(row["acteur"])

    def structure_in_scope(row: dict) -> bool:
        return scope_communes is None or row["commune"] in scope_communes \
            or row["id"] in carriers

    issues: list[Issue] = list(file_issues)

    def keep(table: str, report: _Report, row: dict, seen: dict[str, str]) -> bool:
        """Whether a record in scope is written: a second record with the same id is
        rejected; the record's issues join the import's; outcomes are counted."""
        if not report.rejected and row["id"] in seen:
            report.reject("id", row["id"], "identifiant en double",
                          f"déjà pris : {seen[row['id']]} ; seul le premier est repris")
        issues.extend(report.issues)
        if report.rejected:
            counts[table]["rejetes"] += 1
            count(table, report.record, "rejetes")
            return False
        seen[row["id"]] = _where(report.record)
        count(table, report.record, "ecrits")
        return True

    acteurs: list[dict] = []
    taken: set[str] = set()
    seen_lines: dict[str, str] = {}
    counts[STRUCTURES]["lus"] = len(structures.records) + len(structures.unreadable)
    counts[STRUCTURES]["ignores"] = structures.skipped
    counts[STRUCTURES]["rejetes"] = len(structures.unreadable)
    for report, row in drafts:
        count(STRUCTURES, report.record, "lus")
        if not structure_in_scope(row):
            counts[STRUCTURES]["hors_territoire"] += 1
            count(STRUCTURES, report.record, "hors_territoire")
            continue
        if not keep(STRUCTURES, report, row, seen_lines):
            continue
        taken.add(row["id"])
        acteurs.append(row)
        if scope_communes is not None and row["commune"] not in scope_communes:
            counts[STRUCTURES]["hors_territoire_gardees"] += 1
    service_rows: list[dict] = []
    seen_lines = {}
    if services is not None:
        counts[SERVICES]["lus"] = len(services.records) + len(services.unreadable)
        counts[SERVICES]["ignores"] = services.skipped
        counts[SERVICES]["rejetes"] = len(services.unreadable)
    for index, (report, row) in enumerate(service_drafts):
        count(SERVICES, report.record, "lus")
        if scope_communes is not None and not service_in[index]:
            counts[SERVICES]["hors_territoire"] += 1
            count(SERVICES, report.record, "hors_territoire")
            continue
        if not keep(SERVICES, report, row, seen_lines):
            reason = next(i for i in report.issues if i.level == REJET).problem.message
            by_source[_source(report.record)][SERVICES]["motif:" + reason] += 1
            continue
        service_rows.append(row)
        if scope_communes is not None and wide_only(row["territoire"]):
            counts[SERVICES]["zone_large"] += 1
    assert taken >= {row["acteur"] for row in service_rows}
    counts[STRUCTURES]["ecrits"] = len(acteurs)
    counts[SERVICES]["ecrits"] = len(service_rows)
    versions = {STRUCTURES: structures.version}
    if services is not None:
        versions[SERVICES] = services.version
    originals = {STRUCTURES: _originals(structures, taken),
                 SERVICES: _originals(services, {r["id"] for r in service_rows})
                 if services is not None else {}}
    return ImportResult(
        versions=versions, counts=counts, acteurs=acteurs, services=service_rows,
        rejets=[i for i in issues if i.level == REJET],
        remarques=[i for i in issues if i.level == REMARQUE], territoire=scope,
        by_source={source: {table: dict(c) for table, c in tables.items()}
                   for source, tables in sorted(by_source.items())},
        originals=originals, elargir=elargir,
        widened={need: len(ids & {r["id"] for r in service_rows})
                 for need, ids in sorted(converter.widened.items())} if elargir else {})


def _originals(export: Export, kept: set[str]) -> dict[str, dict[str, object]]:
    """The v1 fields of the records kept, as the schema writes them (for the export back)."""
    if export.version != "v1":
        return {}
    result: dict[str, dict[str, object]] = {}
    for record in export.records:
        if record.id in kept and record.id not in result:
            result[record.id] = {k: v for k, v in v1_record(record.values, export.table).items()
                                 if v is not None}
    return result


def _where(record: Record) -> str:
    return f"{record.file}, ligne {record.line}" if record.line is not None else record.file
