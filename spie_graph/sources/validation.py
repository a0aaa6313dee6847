"""Check a data set against the referentials and build the model.

:func:`load_dataset` reads a data set folder, reports every problem at once (as
a :class:`~spie_graph.errors.DatasetError`), or returns a
:class:`~spie_graph.model.Dataset`. Each problem says the file, line, field,
the bad value and a fix; for an unknown code, the closest valid ones.

Lists stay readable: past :data:`MAX_SAME_PROBLEMS` problems of one kind in
one file, the rest are counted in one line (« … et 4 812 autres erreurs du
même type »). Invisible control characters (U+0000 to U+001F but tabs and
line breaks, U+007F to U+009F, U+FFFE, U+FFFF) are refused, so no output
(XML, DOCX, XLSX, Markdown) can break on them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from rapidfuzz import fuzz, process

from spie_graph.errors import DatasetError, Problem
from spie_graph.french import number
from spie_graph.reference.checks import unknown
from spie_graph.reference.referentials import Referentials, closest, referentials
from spie_graph.reference.territories import KIND_LABELS, Territories, fold
from spie_graph.sources.model import Acteur, Consortium, Dataset, Interaction, Membre, Service
from spie_graph.sources.readers import (
    CONTROL_CHARACTERS,
    RawDataset,
    RawRow,
    RawTable,
    is_workbook,
    locate_columns,
    read_dataset,
)

__all__ = ["MAX_SAME_PROBLEMS", "cap_problems", "load_dataset", "validate_raw", "check_dataset"]

MAX_SAME_PROBLEMS = 50
CONTROL = CONTROL_CHARACTERS

LIST_SEPARATOR = "|"
_TRUE = {"true", "oui", "vrai", "1", "x", "yes", "o"}
_FALSE = {"false", "non", "faux", "0", "no", "n", ""}


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9:]+", "-", text.replace("’", "").replace("'", "")).strip("-")


_RESOLVED: dict[tuple[str, int], dict[str, str | None]] = {}


@dataclass(frozen=True)
class CodeList:
    """A code list of the referentials: how to resolve and suggest its values."""

    name: str                       # for "spie-graph referentiel NAME"
    label: str                      # "famille", "thématique"...
    codes: Callable[[Referentials], dict[str, str]]
    aliases: Callable[[Referentials], dict[str, str]] = lambda r: {}

    def resolve(self, refs: Referentials, value: str) -> str | None:
        """The code ``value`` stands for (code, alias, any case, or label), or None.

        Memoised per referentials and value: a national data set repeats the same
        few hundred codes hundreds of thousands of times.
        """
        memo = _RESOLVED.setdefault((self.name, id(refs)), {})
        if value in memo:
            return memo[value]
        codes = self.codes(refs)
        aliases = self.aliases(refs)
        found: str | None = None
        for candidate in (value, value.lower(), _slug(value)):
            if candidate in codes:
                found = candidate
                break
            if candidate in aliases:
                found = aliases[candidate]
                break
        else:
            by_label = {_slug(label): code for code, label in codes.items()}
            found = by_label.get(_slug(value))
        if len(memo) < 100_000:
            memo[value] = found
        return found

    def suggest(self, refs: Referentials, value: str, limit: int = 3) -> list[str]:
        """The closest codes to ``value``, compared with the codes and with their labels."""
        codes = self.codes(refs)
        aliases = self.aliases(refs)
        typed = _slug(value) or value
        scores: dict[str, float] = {}
        pools = [{code: code for code in codes},
                 {code: _slug(label) for code, label in codes.items()}]
        for pool in pools:
            for _, score, code in process.extract(typed, pool, scorer=fuzz.WRatio, limit=limit):
                scores[code] = max(scores.get(code, 0), score)
        for alias in aliases:  # an alias is shown as itself: « pole-emploi »
            score = fuzz.WRatio(typed, alias)
            if score > scores.get(alias, 0):
                scores[alias] = score
        ranked = sorted(scores, key=lambda c: (-scores[c], c))[:limit]
        return [f"{c} ({codes[c]})" if c in codes and codes[c] != c else c for c in ranked]

    def fix(self, refs: Referentials, value: str) -> str:
        near = self.suggest(refs, value)
        hint = f"codes proches : {', '.join(near)}. " if near else ""
        return f"{hint}Liste complète : spie-graph referentiel {self.name}"


FAMILLES = CodeList("familles", "famille", lambda r: {k: f.libelle for k, f in r.familles.items()},
                    lambda r: r.alias_familles)
THEMATIQUES = CodeList("thematiques", "thématique",
                       lambda r: {k: t.libelle for k, t in r.thematiques.items()})
PUBLICS = CodeList("publics", "public", lambda r: r.publics)
MOMENTS = CodeList("moments", "moment du parcours", lambda r: r.moments)
INTERACTIONS = CodeList("interactions", "type d'interaction", lambda r: r.interactions)
MODES_ACCUEIL = CodeList("modes-accueil", "mode d'accueil", lambda r: r.modes_accueil)
RESEAUX = CodeList("reseaux-porteurs", "réseau porteur", lambda r: r.reseaux_porteurs)
FRAIS = CodeList("frais", "frais", lambda r: {"gratuit": "Gratuit", "payant": "Payant"})
MODES_MOBILISATION = CodeList("modes-mobilisation", "mode de mobilisation", lambda r: {
    "envoyer-un-courriel": "Envoyer un courriel", "se-presenter": "Se présenter",
    "telephoner": "Téléphoner", "utiliser-lien-mobilisation": "Utiliser le lien de mobilisation"})
MOBILISABLE_PAR = CodeList("mobilisable-par", "personne mobilisatrice", lambda r: {
    "usagers": "Usagers", "professionnels": "Professionnels"})

COLUMNS = {
    "acteurs": ("id", "nom", "famille", "reseau_porteur", "siret", "commune", "territoire",
                "missions", "competences", "publics", "site_web"),
    "services": ("id", "acteur", "nom", "thematiques", "publics", "moments", "territoire",
                 "modes_accueil", "description", "frais", "modes_mobilisation",
                 "mobilisable_par", "conditions_acces", "score_qualite", "date_maj"),
    "interactions": ("source", "cible", "type", "description", "depuis", "jusqu_a"),
}
REQUIRED = {
    "acteurs": ("id", "nom", "famille"),
    "services": ("id", "acteur", "nom", "thematiques"),
    "interactions": ("source", "cible", "type"),
}
CONSORTIUM_FIELDS = ("nom", "porteur", "accord_cd", "territoire", "publics", "membres")
MEMBRE_FIELDS = ("acteur", "role", "lettre_engagement")


class _Rows:
    """Reads typed values from located rows, collecting problems."""

    def __init__(self, refs: Referentials, problems: list[Problem]):
        self.refs = refs
        self.problems = problems
        self.counts: Counter[tuple[str, str]] = Counter()
        self.dropped: Counter[tuple[str, str]] = Counter()
        # (source, column) of required columns already reported absent: not again per row.
        self.absent: set[tuple[str, str]] = set()
        # The data set's départements, to rank territory suggestions.
        self.departements: set[str] = set()
        # Problems reported so far, and the lists read from cells that raised none, by
        # (field, code list) then cell text: a national data set repeats the same few
        # thousand cells hundreds of thousands of times.
        self.reported = 0
        self._read: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}

    def _missing(self, source: str, field: str) -> bool:
        return (source, field) in self.absent

    def report(self, source: str, row: RawRow | None, field: str | None, value: object,
               message: str, fix: str | None = None) -> None:
        key = (source, message)
        self.reported += 1
        self.counts[key] += 1
        if self.counts[key] > MAX_SAME_PROBLEMS:  # counted, not kept: see cap_problems
            self.dropped[key] += 1
            return
        line = row.line_of(field) if (row is not None and field) else (row.line if row else None)
        shown = None if value is None else str(value)
        self.problems.append(Problem(source, line, field, shown, message, fix))

    # -- scalars --------------------------------------------------------
    def text(self, source: str, row: RawRow, field: str, required: bool = False) -> str | None:
        value = row.values.get(field)
        if isinstance(value, list | dict):
            self.report(source, row, field, value, "une valeur simple est attendue",
                        "écrivez une seule valeur, sans liste")
            return None
        text = None if value is None else str(value).strip() or None
        if text is None and required and not self._missing(source, field):
            self.report(source, row, field, None, "champ obligatoire vide",
                        f"renseignez « {field} »")
        return text

    def items(self, source: str, row: RawRow, field: str) -> list[str]:
        value = row.values.get(field)
        if value is None:
            return []
        raw = value if isinstance(value, list) else str(value).split(LIST_SEPARATOR)
        return [str(item).strip() for item in raw if item is not None and str(item).strip()]

    def code(self, source: str, row: RawRow, field: str, codes: CodeList,
             required: bool = False) -> str | None:
        value = self.text(source, row, field, required)
        if value is None:
            return None
        return self._resolve(source, row, field, value, codes)

    def codes(self, source: str, row: RawRow, field: str, codes: CodeList,
              required: bool = False) -> list[str]:
        value = row.values.get(field)
        if value.__class__ is not str:
            return self._codes(source, row, field, codes, required)
        memo = self._read.setdefault((field, codes.name), {})
        found = memo.get(value)
        if found is None:
            before = self.reported
            result = self._codes(source, row, field, codes, required)
            if self.reported == before:  # a cell that raised a problem is read again
                memo[value] = tuple(result)
            return result
        return list(found)

    def _codes(self, source: str, row: RawRow, field: str, codes: CodeList,
               required: bool) -> list[str]:
        result: list[str] = []
        for value in self.items(source, row, field):
            code = self._resolve(source, row, field, value, codes)
            if code is not None and code not in result:
                result.append(code)
        if required and not self.items(source, row, field) and not self._missing(source, field):
            self.report(source, row, field, None, "champ obligatoire vide",
                        f"renseignez au moins un code ({codes.label}), séparés par « | »")
        return result

    def _resolve(self, source: str, row: RawRow, field: str, value: str,
                 codes: CodeList) -> str | None:
        code = codes.resolve(self.refs, value)
        if code is None:
            fix = codes.fix(self.refs, value)
            if any(sep in value for sep in ",;/"):
                fix = "séparez les valeurs d'une liste par « | ». " + fix
            self.report(source, row, field, value, unknown(codes.label), fix)
        return code

    def territories(self, source: str, row: RawRow, field: str,
                    commune_only: bool = False) -> list[str]:
        value = row.values.get(field)
        if value.__class__ is not str:
            return self._territories(source, row, field, commune_only)
        memo = self._read.setdefault((field, "commune" if commune_only else "territoire"), {})
        found = memo.get(value)
        if found is None:
            before = self.reported
            result = self._territories(source, row, field, commune_only)
            if self.reported == before:
                memo[value] = tuple(result)
            return result
        return list(found)

    def _territories(self, source: str, row: RawRow, field: str,
                     commune_only: bool) -> list[str]:
        terr = self.refs.territoires
        result: list[str] = []
        values = [self.text(source, row, field)] if commune_only else self.items(source, row, field)
        for value in values:
            if value is None:
                continue
            code = terr.normalize(value)
            kind = terr.kind(code)
            if kind is None:
                self.report(source, row, field, value, *_unknown_territory(terr, code, value,
                                                                            self.departements))
            elif commune_only and kind != "commune":
                self.report(source, row, field, value,
                            f"un code de commune est attendu, pas un code de {kind}",
                            "indiquez le code INSEE de la commune du siège (5 caractères)")
            elif code not in result:
                result.append(code)
        return result

    def boolean(self, source: str, row: RawRow, field: str) -> bool:
        value = row.values.get(field)
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if text in _TRUE:
            return True
        if text not in _FALSE:
            self.report(source, row, field, value, "valeur oui/non attendue",
                        "écrivez oui ou non (true ou false)")
        return False

    def day(self, source: str, row: RawRow, field: str) -> date | None:
        value = self.text(source, row, field)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)      # the usual AAAA-MM-JJ, fast
        except ValueError:
            pass
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
            try:
                return datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        self.report(source, row, field, value, "date illisible",
                    "écrivez la date AAAA-MM-JJ (2024-01-31) ou JJ/MM/AAAA")
        return None

    def share(self, source: str, row: RawRow, field: str) -> float | None:
        """A number between 0 and 1 (data·inclusion's score de qualité)."""
        value = self.text(source, row, field)
        if value is None:
            return None
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            number = -1.0
        if not 0 <= number <= 1:
            self.report(source, row, field, value, "nombre entre 0 et 1 attendu",
                        "écrivez par exemple 0.75 (score de qualité data·inclusion)")
            return None
        return number

    def siret(self, source: str, row: RawRow, field: str) -> str | None:
        value = self.text(source, row, field)
        if value is None:
            return None
        digits = re.sub(r"[\s.]", "", value)
        if not re.fullmatch(r"\d{14}", digits):
            self.report(source, row, field, value, "SIRET invalide",
                        "un SIRET compte 14 chiffres (saisissez la cellule en texte dans Excel)")
            return None
        return digits

    def url(self, source: str, row: RawRow, field: str) -> str | None:
        value = self.text(source, row, field)
        if value is None:
            return None
        if not re.fullmatch(r"https?://[^\s<>\"]+\.[^\s<>\"]+", value):
            self.report(source, row, field, value, "adresse web invalide",
                        "écrivez l'adresse complète, par exemple https://www.exemple.fr")
            return None
        return value


def _shown(text: str) -> str:
    """A value with its control characters made visible: ``a\x01b`` → ``a\\x01b``."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _values(value: object) -> list[str]:
    if isinstance(value, RawRow):
        return [v for item in value.values.values() for v in _values(item)]
    if isinstance(value, list | tuple):
        return [v for item in value for v in _values(item)]
    if isinstance(value, dict):
        return [v for pair in value.items() for item in pair for v in _values(item)]
    return [] if value is None else [str(value)]


def _control_characters(raw: RawDataset, rows: _Rows) -> None:
    """Report every field holding an invisible control character."""
    # A CSV table read from a text without any is not searched cell by cell.
    located = [(t.source, row) for t in raw.tables.values() if not t.clean for row in t.rows]
    if raw.consortium is not None:
        membres = raw.consortium.values.get("membres")
        members = [m for m in membres if isinstance(m, RawRow)] if isinstance(membres, list) else []
        source = raw.consortium_source or "consortium.yaml"
        located += [(source, row) for row in (raw.consortium, *members)]
    for source, row in located:
        for field, value in row.values.items():
            if field == "membres" and row is raw.consortium and isinstance(value, list):
                continue  # each member is a row of its own
            for text in _values(value):
                found = CONTROL.search(text)
                if found:
                    rows.report(source, row, field, _shown(text),
                                f"caractère de contrôle invisible U+{ord(found.group()):04X}",
                                "supprimez-le : retapez la valeur, ou collez-la sans mise en forme "
                                "(souvent copiée depuis un autre logiciel)")
                    break


def cap_problems(problems: list[Problem], dropped: Counter[tuple[str, str]] | None = None,
                 limit: int = MAX_SAME_PROBLEMS) -> list[Problem]:
    """At most ``limit`` problems of one kind (file, message); the others counted in one line.

    ``dropped`` counts problems already left out, by (file, message). The
    count line closes its file's problems: « … et 4 812 autres erreurs du même type ».
    """
    seen: Counter[tuple[str, str]] = Counter()
    extra: Counter[tuple[str, str]] = Counter(dropped or {})
    kept: list[Problem] = []
    for problem in problems:
        key = (problem.file, problem.message)
        seen[key] += 1
        if seen[key] > limit:
            extra[key] += 1
        else:
            kept.append(problem)
    if not extra:
        return kept
    capped: list[Problem] = []
    for index, problem in enumerate(kept):
        capped.append(problem)
        if index + 1 < len(kept) and kept[index + 1].file == problem.file:
            continue
        capped += [Problem(file, None, None, None,
                           f"… et {number(count)} autre{'s' if count > 1 else ''} "
                           f"erreur{'s' if count > 1 else ''} du même type (« {message} »)",
                           count=count)
                   for (file, message), count in extra.items() if file == problem.file]
    return capped


def _unknown_territory(terr: Territories, code: str, value: str,
                       departements: set[str]) -> tuple[str, str]:
    """The message and fix for an unknown territory: a name, or a mistyped code."""
    if not any(ch.isdigit() for ch in value) and value.lower() != "france":
        named = [t for t in terr.search(value, limit=4) if fold(t.name) == fold(value)]
        if named:
            codes = ", ".join(f"{t.code} ({t.name}, {KIND_LABELS[t.kind]})" for t in named)
            return ("un code de territoire est attendu, pas un nom",
                    f"écrivez le code : {codes}. Chercher un code : "
                    "spie-graph referentiel territoires NOM")
    near = terr.suggest(code, near=departements)
    hint = f"codes proches : {', '.join(near)}. " if near else terr.shape_hint() + ". "
    return ("territoire inconnu du COG 2026",
            hint + "Chercher un code : spie-graph referentiel territoires NOM")


def _check_columns(table: RawTable, problems: list[Problem], absent: set[tuple[str, str]]) -> None:
    """Unknown columns, and required columns absent (each named once, in ``absent`` too)."""
    known = COLUMNS[table.name]
    for column in table.columns:
        if column and column not in known:
            near = closest(column, list(known), limit=2)
            problems.append(Problem(
                table.source, table.header_line, column, None, "colonne inconnue",
                f"colonnes proches : {', '.join(near)}. Colonnes possibles : {', '.join(known)}",
            ))
    missing = [c for c in REQUIRED[table.name] if c not in table.columns]
    if missing and table.rows:
        where = ("un champ « {c} » à chaque élément" if table.source.lower().endswith(
            (".yaml", ".yml")) else "la colonne « {c} » à la ligne d'en-tête")
        for column in missing:
            problems.append(Problem(table.source, table.header_line, column, None,
                                    "colonne obligatoire absente",
                                    f"ajoutez {where.format(c=column)}"))
            absent.add((table.source, column))


def _acteurs(table: RawTable, rows: _Rows) -> list[Acteur]:
    src, result = table.source, []
    for row in table.rows:
        acteur_id = rows.text(src, row, "id", required=True)
        nom = rows.text(src, row, "nom", required=True)
        famille = rows.code(src, row, "famille", FAMILLES, required=True)
        commune = rows.territories(src, row, "commune", commune_only=True)
        territoire = rows.territories(src, row, "territoire") or commune
        # Every field is checked (and its problems reported), even when the row is rejected.
        reseau_porteur = rows.code(src, row, "reseau_porteur", RESEAUX)
        siret = rows.siret(src, row, "siret")
        missions = rows.text(src, row, "missions")
        competences = rows.items(src, row, "competences")
        publics = _publics(src, row, rows)
        site_web = rows.url(src, row, "site_web")
        if acteur_id and nom and famille:
            # Every value is checked and typed above: no second check (Acteur.checked).
            result.append(Acteur.checked(id=acteur_id, nom=nom, famille=famille,
                                         reseau_porteur=reseau_porteur, siret=siret,
                                         commune=commune[0] if commune else None,
                                         territoire=territoire, missions=missions,
                                         competences=competences, publics=publics,
                                         site_web=site_web))
    return result


def _publics(src: str, row: RawRow, rows: _Rows) -> list[str]:
    publics = rows.codes(src, row, "publics", PUBLICS)
    if "tous-publics" in publics and len(publics) > 1:
        rows.report(src, row, "publics", LIST_SEPARATOR.join(publics),
                    "« tous-publics » s'emploie seul",
                    "gardez « tous-publics » seul, ou listez les publics visés sans lui")
    return publics


def _services(table: RawTable, rows: _Rows) -> list[tuple[RawRow, Service | None]]:
    src: str = table.source
    result: list[tuple[RawRow, Service | None]] = []
    refs = rows.refs
    for row in table.rows:
        service_id = rows.text(src, row, "id", required=True)
        acteur = rows.text(src, row, "acteur", required=True)
        nom = rows.text(src, row, "nom", required=True)
        thematiques = rows.codes(src, row, "thematiques", THEMATIQUES, required=True)
        moments = rows.codes(src, row, "moments", MOMENTS)
        deduced = not moments
        # Every field is checked (and its problems reported), even when the row is rejected.
        publics = _publics(src, row, rows)
        territoire = rows.territories(src, row, "territoire")
        modes_accueil = rows.codes(src, row, "modes_accueil", MODES_ACCUEIL)
        description = rows.text(src, row, "description")
        frais = rows.code(src, row, "frais", FRAIS)
        modes_mobilisation = rows.codes(src, row, "modes_mobilisation", MODES_MOBILISATION)
        mobilisable_par = rows.codes(src, row, "mobilisable_par", MOBILISABLE_PAR)
        conditions_acces = rows.text(src, row, "conditions_acces")
        score_qualite = rows.share(src, row, "score_qualite")
        date_maj = rows.day(src, row, "date_maj")
        if service_id and acteur and nom and thematiques:
            service = Service.checked(
                id=service_id, acteur=acteur, nom=nom, thematiques=thematiques,
                publics=publics, moments=moments or refs.infer_moments(thematiques),
                moments_deduits=deduced, territoire=territoire,
                modes_accueil=modes_accueil, description=description, frais=frais,
                modes_mobilisation=modes_mobilisation, mobilisable_par=mobilisable_par,
                conditions_acces=conditions_acces, score_qualite=score_qualite,
                date_maj=date_maj,
            )
            result.append((row, service))
        else:
            result.append((row, None))
    return result


def _interactions(table: RawTable, rows: _Rows) -> list[tuple[RawRow, Interaction | None]]:
    src: str = table.source
    result: list[tuple[RawRow, Interaction | None]] = []
    for row in table.rows:
        source = rows.text(src, row, "source", required=True)
        cible = rows.text(src, row, "cible", required=True)
        kind = rows.code(src, row, "type", INTERACTIONS, required=True)
        depuis = rows.day(src, row, "depuis")
        jusqu_a = rows.day(src, row, "jusqu_a")
        if depuis and jusqu_a and jusqu_a < depuis:
            rows.report(src, row, "jusqu_a", jusqu_a.isoformat(),
                        "la fin précède le début", "vérifiez les dates « depuis » et « jusqu_a »")
        if source and cible and kind:
            result.append((row, Interaction.checked(
                source=source, cible=cible, type=kind,
                description=rows.text(src, row, "description"), depuis=depuis,
                jusqu_a=jusqu_a)))
        else:
            result.append((row, None))
    return result


def _consortium(raw: RawDataset, rows: _Rows) -> tuple[Consortium | None, list[RawRow]]:
    row, src = raw.consortium, raw.consortium_source or "consortium.yaml"
    if row is None:
        return None, []
    for key in row.values:
        if key not in CONSORTIUM_FIELDS:
            rows.report(src, row, key, None, "champ inconnu",
                        f"champs possibles : {', '.join(CONSORTIUM_FIELDS)}")
    membres_raw = row.values.get("membres") or []
    if not isinstance(membres_raw, list):
        rows.report(src, row, "membres", None, "une liste de membres est attendue",
                    "écrivez chaque membre comme « - acteur: ID »")
        membres_raw = []
    membres, membre_rows = [], []
    for item in membres_raw:
        for key in item.values:
            if key not in MEMBRE_FIELDS:
                rows.report(src, item, key, None, "champ de membre inconnu",
                            f"champs possibles : {', '.join(MEMBRE_FIELDS)}")
        acteur = rows.text(src, item, "acteur", required=True)
        if acteur:
            membres.append(Membre(acteur=acteur, role=rows.text(src, item, "role"),
                                  lettre_engagement=rows.boolean(src, item, "lettre_engagement")))
            membre_rows.append(item)
    nom = rows.text(src, row, "nom", required=True)
    porteur = rows.text(src, row, "porteur", required=True)
    consortium = Consortium(
        nom=nom or "", porteur=porteur or "",
        accord_cd=rows.boolean(src, row, "accord_cd"),
        territoire=rows.territories(src, row, "territoire"),
        publics=_publics(src, row, rows), membres=membres,
    )
    return consortium, membre_rows


def _unknown_ref(rows: _Rows, src: str, row: RawRow, field: str, value: str,
                 ids: dict[str, int], names: dict[str, str] | None = None) -> None:
    """An unknown actor id: the actor of that name, else the closest ids and names."""
    names = names or {}
    by_name = {fold(nom): acteur for acteur, nom in names.items()}
    if fold(value) in by_name:
        acteur = by_name[fold(value)]
        rows.report(src, row, field, value, "un identifiant d'acteur est attendu, pas un nom",
                    f"écrivez l'identifiant de cet acteur : {acteur}")
        return
    near = closest(value, list(ids))
    by_label = closest(fold(value), {a: fold(n) for a, n in names.items()}, limit=2)
    shown = [f"{a} ({names[a]})" if a in names else a for a in dict.fromkeys([*near, *by_label])]
    hint = (f"identifiants proches : {', '.join(shown[:4])}" if shown
            else "déclarez l'acteur dans la table acteurs")
    rows.report(src, row, field, value, "acteur inconnu", hint)


def _cross_checks(raw: RawDataset, rows: _Rows, acteurs: list[Acteur],
                  services: list[tuple[RawRow, Service | None]],
                  interactions: list[tuple[RawRow, Interaction | None]],
                  consortium: Consortium | None, membre_rows: list[RawRow]) -> list[Service]:
    """References between tables, checked on every row as typed (even rows with errors)."""
    tables = raw.tables
    ids: dict[str, int] = {}
    names: dict[str, str] = {}
    placed: dict[str, bool] = {}
    for row in tables["acteurs"].rows if "acteurs" in tables else []:
        value = row.values.get("id")
        if value is None or isinstance(value, list | dict) or not str(value).strip():
            continue
        value = str(value).strip()
        if value in ids:
            rows.report(tables["acteurs"].source, row, "id", value, "identifiant en double",
                        f"déjà utilisé ligne {ids[value]} : donnez un identifiant unique")
        else:
            ids[value] = row.line
            # Whether the actor says where it works (its own problems are reported on its row).
            placed[value] = bool(_raw_text(row, "territoire") or _raw_text(row, "commune"))
            nom = row.values.get("nom")
            if isinstance(nom, str) and nom.strip():
                names[value] = nom.strip()
    territory_of = {a.id: a.territoire for a in acteurs}
    finished: list[Service] = []
    seen_services: dict[str, int] = {}
    for row, service in services:
        src = tables["services"].source
        service_id = _raw_text(row, "id")
        if service_id is not None:
            if service_id in seen_services:
                rows.report(src, row, "id", service_id, "identifiant de service en double",
                            f"déjà utilisé ligne {seen_services[service_id]}")
            seen_services.setdefault(service_id, row.line)
        acteur = _raw_text(row, "acteur")
        if acteur is not None and acteur not in ids:
            _unknown_ref(rows, src, row, "acteur", acteur, ids, names)
            continue
        if service is None:
            continue
        if not service.territoire:
            if not territory_of.get(service.acteur):
                if not placed.get(service.acteur):
                    rows.report(src, row, "territoire", None, "territoire inconnu",
                                "renseignez le territoire du service, ou le territoire ou la "
                                "commune de son acteur")
                continue
            service = service.model_copy(update={"territoire": territory_of[service.acteur]})
        finished.append(service)
    seen_links: dict[tuple[str, str, str], int] = {}
    for row, link in interactions:
        src = tables["interactions"].source
        ends = {field: _raw_text(row, field) for field in ("source", "cible")}
        for field, value in ends.items():
            if value is not None and value not in ids:
                _unknown_ref(rows, src, row, field, value, ids, names)
        if ends["source"] is not None and ends["source"] == ends["cible"]:
            rows.report(src, row, "cible", ends["cible"],
                        "un acteur ne peut interagir avec lui-même",
                        "vérifiez la source et la cible")
        if link is None:
            continue
        key = (link.source, link.cible, link.type)
        if key in seen_links:
            rows.report(src, row, "type", link.type, "interaction en double",
                        f"même source, cible et type que la ligne {seen_links[key]} : "
                        "fusionnez-les")
        seen_links.setdefault(key, row.line)
    if consortium is not None:
        check_members(consortium, membre_rows, raw, rows, ids, names)
    return finished


def _raw_text(row: RawRow, field: str) -> str | None:
    value = row.values.get(field)
    if value is None or isinstance(value, list | dict):
        return None
    return str(value).strip() or None


def check_members(consortium: Consortium, membre_rows: list[RawRow], raw: RawDataset,
                  rows: _Rows, acteurs: Collection[str],
                  names: dict[str, str] | None = None) -> None:
    """Porteur and members must be actors of the data set, each member once."""
    ids = dict.fromkeys(acteurs, 0)
    source = raw.consortium_source or "consortium.yaml"
    if consortium.porteur and consortium.porteur not in ids:
        assert raw.consortium is not None  # a Consortium is only ever read from that row
        _unknown_ref(rows, source, raw.consortium, "porteur", consortium.porteur, ids, names)
    seen: set[str] = set()
    for row, membre in zip(membre_rows, consortium.membres, strict=True):
        if membre.acteur not in ids:
            _unknown_ref(rows, source, row, "acteur", membre.acteur, ids, names)
        elif membre.acteur in seen:
            rows.report(source, row, "acteur", membre.acteur, "membre en double",
                        "citez chaque membre une seule fois")
        seen.add(membre.acteur)


def check_dataset(raw: RawDataset, refs: Referentials | None = None, *,
                  allow_empty: bool = False) -> tuple[Dataset | None, list[Problem]]:
    """Validate raw tables; return the data set (None if any problem) and the problems.

    A data set without any actor is a problem (« aucun acteur »), unless
    ``allow_empty`` (an import that kept nothing says so itself).
    """
    refs = refs or referentials()
    problems = list(raw.problems)
    rows = _Rows(refs, problems)
    _control_characters(raw, rows)
    unreadable = any(Path(p.file).stem.lower() == "acteurs" for p in problems)  # said already
    if ("acteurs" not in raw.tables and not unreadable
            and not any(p.message.startswith("la table") for p in problems)):
        problems.append(Problem(str(raw.path), None, None, None, "aucune table « acteurs »",
                                "ajoutez acteurs.csv (ou acteurs.yaml) "
                                "au dossier du jeu de données"))
    for table in raw.tables.values():
        _check_columns(table, problems, rows.absent)
    rows.departements = _departements(raw, refs)
    tables = raw.tables
    acteurs = _acteurs(tables["acteurs"], rows) if "acteurs" in tables else []
    services = _services(tables["services"], rows) if "services" in tables else []
    interactions = _interactions(tables["interactions"], rows) if "interactions" in tables else []
    consortium, membre_rows = _consortium(raw, rows)
    finished = _cross_checks(raw, rows, acteurs, services, interactions, consortium, membre_rows)
    if "acteurs" in tables and not tables["acteurs"].rows and not problems and not allow_empty:
        problems.append(_empty(raw))
    if problems:
        problems.sort(key=lambda p: (p.file, p.line or 0))
        return None, cap_problems(problems, rows.dropped)
    dataset = Dataset(nom=raw.name, chemin=raw.path, acteurs=acteurs, services=finished,
                      interactions=[link for _, link in interactions if link is not None],
                      consortium=consortium)
    return dataset, []


def _departements(raw: RawDataset, refs: Referentials) -> set[str]:
    """The départements the data set's valid territory codes lie in (to rank suggestions)."""
    terr = refs.territoires
    found: set[str] = set()
    seen: set[object] = set()
    for table in raw.tables.values():
        for row in table.rows:
            for field in ("commune", "territoire"):
                value = row.values.get(field)
                if not value or (value.__class__ is str and value in seen):
                    continue
                if value.__class__ is str:
                    seen.add(value)
                for item in str(value).split(LIST_SEPARATOR):
                    code = terr.normalize(item)
                    if terr.kind(code) == "commune":
                        found.add(terr.departement_of(code))
                    elif terr.kind(code) == "departement":
                        found.add(code)
    return found


def _empty(raw: RawDataset) -> Problem:
    """An empty ``acteurs`` table: nothing to analyse, and what to do."""
    table = raw.tables["acteurs"]
    where = "la feuille « acteurs »" if "feuille" in table.source else f"le fichier {table.source}"
    return Problem(table.source, None, None, None, "aucun acteur : le jeu de données est vide",
                   f"remplissez {where}, une ligne par structure (id, nom, famille ; "
                   "codes : spie-graph referentiel familles), puis relancez "
                   "« spie-graph validate »")


def validate_raw(raw: RawDataset) -> Dataset:
    """Validate raw tables; raise :class:`DatasetError` listing every problem."""
    dataset, problems = check_dataset(raw)
    if dataset is None:
        raise DatasetError(raw.name, problems)
    return dataset


def load_dataset(path: Path | str) -> Dataset:
    """Read and validate a data set folder (or ``.xlsx`` workbook); raise :class:`DatasetError`."""
    folder = Path(path)
    if not folder.exists():
        raise DatasetError(folder.name, [Problem(str(folder), None, None, None,
                                                 "dossier introuvable",
                                                 "indiquez le dossier du jeu de données avec "
                                                 "--dataset ou SPIE_GRAPH_DATASET")])
    if not folder.is_dir() and not is_workbook(folder):
        raise DatasetError(folder.name, [Problem(
            str(folder), None, None, None, "un dossier ou un classeur .xlsx est attendu",
            "indiquez le dossier qui contient acteurs.csv, "
            "ou un classeur fait sur « spie-graph template »")])
    raw = read_dataset(folder)
    dataset, problems = check_dataset(raw) if raw.opened else (None, raw.problems)
    if dataset is None:
        raise DatasetError(raw.name, locate_columns(problems, raw))
    return dataset
