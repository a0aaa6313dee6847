"""Turn data·inclusion records into the project's rows: mapping, scope, rejects, remarks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from spie_graph.errors import ArgumentError, Problem
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
)
from spie_graph.sources.readers import line_ranges
from spie_graph.sources.validation import LIST_SEPARATOR


@dataclass
class ImportResult:
    """What an import read, wrote, rejected and changed."""

    versions: dict[str, str]
    counts: dict[str, dict[str, int]]   # by table: see COUNTS
    acteurs: list[dict[str, object]]
    services: list[dict[str, object]]
    rejets: list[Issue]
    remarques: list[Issue]
    departement: str | None = None
    output: Path | None = None

    def summary(self, remarks_shown: int = 20) -> list[str]:
        """The report printed by the CLI: counts, every reject, the remarks."""
        where = f" → {self.output}" if self.output else ""
        scope = f" (département {self.departement})" if self.departement else ""
        versions = ", ".join(f"{t} {v}" for t, v in self.versions.items())
        lines = [f"Import data·inclusion ({versions}){where}{scope}"]
        for table, written in ((STRUCTURES, "acteur(s) écrit(s)"),
                               (SERVICES, "service(s) écrit(s)")):
            c = self.counts[table]
            entry = f"  {table:<10} : {c['lus']} lu(s)"
            if c["ignores"]:
                entry += f" (+ {c['ignores']} ligne(s) d'aide __ignore__ écartée(s))"
            if self.departement:
                entry += f", {c['hors_departement']} hors département"
            entry += f", {c['rejetes']} rejeté(s), {c['ecrits']} {written}"
            lines.append(entry)
        lines.append(f"  rejets : {len(self.rejets)}")
        lines += [f"    - {issue}" for issue in self.rejets]
        lines.append(f"  remarques (valeurs écartées ou corrigées) : {len(self.remarques)}")
        lines += [f"    - {issue}" for issue in self.remarques[:remarks_shown]]
        if len(self.remarques) > remarks_shown:
            lines.append(f"    … et {len(self.remarques) - remarks_shown} autre(s)")
        if self.output:
            lines.append(f"  détail : {self.output / REJECTS_FILE}, {self.output / REMARKS_FILE}")
            lines.append(f"Vérifiez le jeu de données : spie-graph validate --dataset "
                         f"{self.output}")
        return lines


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

    def __init__(self, refs: Referentials):
        self.refs = refs
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
        if famille_v0:
            candidates.append((famille_v0, None))
        for r in reseaux:
            famille_v1 = refs.famille_for_reseau(r)
            if famille_v1:
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
        name = "typologie" if typologie else "reseaux_porteurs"
        message = ("aucune famille d'acteurs ne correspond" if given else
                   "ni réseau porteur ni typologie") + " : famille « autre »"
        report.remark(name, given, message,
                      "choisissez la famille dans acteurs.csv (spie-graph referentiel familles)")
        return "autre", reseaux[0] if reseaux else None

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
            elif code in known:
                mapped = [code]
            elif v0_map.get(code):
                mapped = v0_map[code]
                report.remark("thematiques", code, "code de thématique v0 dans un export v1",
                              f"converti en {', '.join(self.collapse(mapped))}")
            else:
                near = closest(code, list(known))
                report.remark("thematiques", code, "thématique inconnue",
                              f"codes proches : {', '.join(near)}. Valeur écartée")
                mapped = []
            result += [m for m in mapped if m not in result]
        return self.collapse(result)

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
                acteur: dict | None) -> dict[str, object]:
        values = report.record.values
        _check_schema(report.record, version, SERVICES, report)
        service_id, nom = text(values.get("id")), text(values.get("nom"))
        structure_id = text(values.get("structure_id"))
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
            report.reject("zone_eligibilite" if version == "v1" else "zone_diffusion_code", None,
                          "zone du service inconnue : ni zone d'éligibilité, ni code INSEE du "
                          "service ou de sa structure",
                          "renseignez la zone chez le producteur, ou ajoutez le service à la "
                          "main dans services.csv")
        description = text(values.get("description")) \
            or text(values.get("presentation_resume")) or text(values.get("presentation_detail"))
        return {"id": service_id, "acteur": structure_id, "nom": nom,
                "thematiques": thematiques, "publics": self.publics(report, values),
                "moments": moments, "territoire": territoire,
                "modes_accueil": self.modes(report, values), "description": description}


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


def convert(structures: Export, services: Export | None = None,
            departement: str | None = None, refs: Referentials | None = None) -> ImportResult:
    """Turn data·inclusion records into the project's ``acteurs`` and ``services`` rows.

    Parameters
    ----------
    structures, services : exports read by :func:`read_export`.
    departement : keep only this département (see the module docstring).
    refs : the referentials (default: the shipped ones).

    Returns
    -------
    ImportResult : the rows, the counts, every reject and remark. Nothing is written.

    Raises
    ------
    ArgumentError : ``departement`` is not a département code.

    Notes
    -----
    Linear in the number of records, plus, with a département, one
    intersection of commune sets per service area.
    """
    refs = refs or referentials()
    terr = refs.territoires
    dep_communes: frozenset[str] | None = None
    if departement is not None:
        code = terr.normalize(departement)
        if terr.kind(code) != "departement":
            raise ArgumentError(f"« {departement} » n'est pas un code de département "
                                "(ex. 56, 2A, 974)")
        departement, dep_communes = code, terr.communes(code)
    converter = _Converter(refs)
    counts = {table: dict.fromkeys(COUNTS, 0) for table in (STRUCTURES, SERVICES)}
    file_issues = _file_issues(structures)

    # Structures, then services (a service needs its structure's commune).
    drafts: list[tuple[_Report, dict]] = []
    for record in structures.records:
        report = _Report(STRUCTURES, record, structures.letters)
        drafts.append((report, converter.structure(report, structures.version)))
    by_id: dict[str, dict] = {}
    for _, row in drafts:
        if row["id"] is not None:
            by_id.setdefault(row["id"], row)
    service_drafts: list[tuple[_Report, dict]] = []
    if services is not None:
        file_issues += _file_issues(services)
        themes, link_issues = _link_themes(services)
        file_issues += link_issues
        for record in services.records:
            report = _Report(SERVICES, record, services.letters)
            acteur = by_id.get(text(record.values.get("structure_id")) or "")
            row = converter.service(report, services.version, themes.get(record.id or "", []),
                                    acteur)
            service_drafts.append((report, row))

    # Scope: the département, when asked.
    def local_meets(zone: list[str], communes: frozenset[str]) -> bool:
        return any(terr.kind(c) in _LOCAL_KINDS and not terr.communes(c).isdisjoint(communes)
                   for c in zone)

    in_scope: set[str] = set()
    if dep_communes is not None:
        in_scope = {row["id"] for _, row in drafts if row["commune"] in dep_communes}
        in_scope |= {row["acteur"] for report, row in service_drafts
                     if not report.rejected and local_meets(row["territoire"], dep_communes)}

    def structure_in_scope(row: dict) -> bool:
        return dep_communes is None or row["id"] in in_scope

    def service_in_scope(row: dict) -> bool:
        if dep_communes is None:
            return True
        if row["acteur"] not in in_scope:
            return False
        zone = row["territoire"]
        return not zone or not terr.communes_of_all(zone).isdisjoint(dep_communes)

    issues: list[Issue] = list(file_issues)
    acteurs: list[dict] = []
    taken: set[str] = set()
    rejected_structures: set[str] = set()
    seen_lines: dict[str, str] = {}
    counts[STRUCTURES]["lus"] = len(structures.records) + len(structures.unreadable)
    counts[STRUCTURES]["ignores"] = structures.skipped
    counts[STRUCTURES]["rejetes"] = len(structures.unreadable)
    for report, row in drafts:
        if not structure_in_scope(row):
            counts[STRUCTURES]["hors_departement"] += 1
            continue
        if not report.rejected and row["id"] in seen_lines:
            report.reject("id", row["id"], "identifiant en double",
                          f"déjà pris : {seen_lines[row['id']]} ; seul le premier est repris")
        issues += report.issues
        if report.rejected:
            counts[STRUCTURES]["rejetes"] += 1
            if row["id"] and row["id"] not in taken:
                rejected_structures.add(row["id"])
            continue
        seen_lines[row["id"]] = _where(report.record)
        taken.add(row["id"])
        acteurs.append(row)
    service_rows: list[dict] = []
    seen_lines = {}
    if services is not None:
        counts[SERVICES]["lus"] = len(services.records) + len(services.unreadable)
        counts[SERVICES]["ignores"] = services.skipped
        counts[SERVICES]["rejetes"] = len(services.unreadable)
    for report, row in service_drafts:
        if not service_in_scope(row):
            counts[SERVICES]["hors_departement"] += 1
            continue
        if not report.rejected:
            if row["acteur"] in rejected_structures:
                report.reject("structure_id", row["acteur"], "sa structure est rejetée",
                              "voir le rejet de la structure")
            elif row["acteur"] not in taken:
                report.reject("structure_id", row["acteur"],
                              "structure absente de l'export des structures",
                              "importez l'export des structures du même jour")
            elif row["id"] in seen_lines:
                report.reject("id", row["id"], "identifiant en double",
                              f"déjà pris : {seen_lines[row['id']]} ; seul le premier est repris")
        issues += report.issues
        if report.rejected:
            counts[SERVICES]["rejetes"] += 1
            continue
        seen_lines[row["id"]] = _where(report.record)
        service_rows.append(row)
    counts[STRUCTURES]["ecrits"] = len(acteurs)
    counts[SERVICES]["ecrits"] = len(service_rows)
    versions = {STRUCTURES: structures.version}
    if services is not None:
        versions[SERVICES] = services.version
    return ImportResult(
        versions=versions, counts=counts, acteurs=acteurs, services=service_rows,
        rejets=[i for i in issues if i.level == REJET],
        remarques=[i for i in issues if i.level == REMARQUE], departement=departement)


def _where(record: Record) -> str:
    return f"{record.file}, ligne {record.line}" if record.line is not None else record.file
