"""The Excel template of a data set: ``spie-graph template -o modele.xlsx``.

The workbook has one sheet per table (``acteurs``, ``services``,
``interactions``, ``consortium``), the headers that
:mod:`spie_graph.sources.validation` expects, a comment on each header, and a
drop-down list (data validation) on every coded column, fed from a ``codes``
sheet that lists each referential with its French labels (and, for a chosen
département, its communes with their postcodes and its EPCI). A workbook filled
in this layout is a data set: ``spie-graph validate --dataset modele.xlsx``
(read by :func:`spie_graph.sources.readers.read_workbook`).

Two limits of Excel shape the template:

- a list typed inline in a validation rule holds at most 255 characters, so
  every referential list points to a range of the ``codes`` sheet
  (:func:`list_formula` keeps inline lists for short ones such as oui/non);
- a drop-down offers one value per cell, and cannot check a cell holding
  several codes ``a|b``. On the multi-valued columns (thématiques, publics,
  moments, modes d'accueil) the list only proposes codes and accepts any text;
  the header comment says so, and ``validate`` checks each code.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from spie_graph.errors import ArgumentError
from spie_graph.files import write_atomic
from spie_graph.reference.checks import check_territoire
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.sources.validation import LIST_SEPARATOR, REQUIRED

__all__ = ["CODES_SHEET", "MAX_ROWS", "list_formula", "template_workbook", "write_template"]

CODES_SHEET = "codes"
MAX_ROWS = 2000          # rows of each sheet that carry the drop-down lists
INLINE_LIMIT = 255       # Excel's limit for a list typed in a validation rule
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
_YES_NO = ("oui", "non")
_MULTI_NOTE = (
    f"Plusieurs valeurs possibles : séparez-les par « {LIST_SEPARATOR} » (ex. a{LIST_SEPARATOR}b). "
    "La liste déroulante ne propose qu'une valeur à la fois et ne peut pas vérifier une "
    "cellule qui en contient plusieurs : « spie-graph validate » vérifie chaque code."
)


@dataclass(frozen=True)
class Column:
    """A column of the template: its help text, its list of codes, whether it takes several."""

    name: str
    help: str
    codes: str | None = None        # a list of the codes sheet, "acteurs" or "oui-non"
    multi: bool = False
    text: bool = False              # stored as text so Excel keeps leading zeros


_TERRITOIRE = ("Codes de territoire : commune INSEE (56260), EPCI (SIREN, 9 chiffres), "
               "département (56), région (region:53) ou france.")
SHEETS: dict[str, tuple[Column, ...]] = {
    "acteurs": (
        Column("id", "Identifiant unique de l'acteur, court et sans espace (ex. cd56).", text=True),
        Column("nom", "Nom de l'acteur."),
        Column("famille", "Famille d'acteurs (liste).", "famille"),
        Column("reseau_porteur", "Réseau porteur data·inclusion (liste), facultatif.",
               "reseau_porteur"),
        Column("siret", "SIRET : 14 chiffres, saisis en texte.", text=True),
        Column("commune", "Code INSEE de la commune du siège (5 caractères, ex. 01001).",
               "commune", text=True),
        Column("territoire", "Territoire d'intervention. " + _TERRITOIRE
               + f" Plusieurs codes : séparez-les par « {LIST_SEPARATOR} ». "
               "Vide : la commune du siège.", "territoire", multi=True, text=True),
        Column("missions", "Missions de l'acteur, en texte libre."),
        Column("competences", f"Compétences, séparées par « {LIST_SEPARATOR} ».", multi=True),
        Column("publics", "Publics visés (liste).", "publics", multi=True),
        Column("site_web", "Adresse complète du site (https://...)."),
    ),
    "services": (
        Column("id", "Identifiant unique du service.", text=True),
        Column("acteur", "Identifiant de l'acteur qui propose le service (feuille acteurs).",
               "acteurs", text=True),
        Column("nom", "Nom du service."),
        Column("thematiques", "Thématiques data·inclusion (liste) : une catégorie vaut pour "
               "toutes ses sous-thématiques.", "thematiques", multi=True),
        Column("publics", "Publics visés (liste) ; vide : tous publics.", "publics", multi=True),
        Column("moments", "Moments du parcours (liste) ; vide : déduits des thématiques.",
               "moments", multi=True),
        Column("territoire", "Zone du service. " + _TERRITOIRE + " Vide : celle de l'acteur.",
               "territoire", multi=True, text=True),
        Column("modes_accueil", "Modes d'accueil (liste).", "modes_accueil", multi=True),
        Column("description", "Description du service, en texte libre."),
        Column("frais", "gratuit ou payant (data·inclusion)."),
        Column("modes_mobilisation", "Comment mobiliser le service (liste) : "
               "envoyer-un-courriel, se-presenter, telephoner, utiliser-lien-mobilisation.",
               multi=True),
        Column("mobilisable_par", "Qui peut le mobiliser (liste) : usagers, professionnels.",
               multi=True),
        Column("conditions_acces", "Conditions d'accès, en texte libre."),
        Column("score_qualite", "Score de qualité data·inclusion, entre 0 et 1."),
        Column("date_maj", "Date de dernière mise à jour (AAAA-MM-JJ)."),
    ),
    "interactions": (
        Column("source", "Identifiant de l'acteur à l'origine de la relation.", "acteurs",
               text=True),
        Column("cible", "Identifiant de l'acteur visé.", "acteurs", text=True),
        Column("type", "Type d'interaction (liste).", "type"),
        Column("description", "Description de la relation."),
        Column("depuis", "Date de début (date Excel, ou AAAA-MM-JJ)."),
        Column("jusqu_a", "Date de fin (date Excel, ou AAAA-MM-JJ)."),
    ),
}
CONSORTIUM_FIELDS: tuple[Column, ...] = (
    Column("nom", "Nom du consortium."),
    Column("porteur", "Identifiant de l'acteur porteur (feuille acteurs).", "acteurs"),
    Column("accord_cd", "Accord du conseil départemental : oui ou non.", "oui-non"),
    Column("territoire", "Territoire du projet. " + _TERRITOIRE, "territoire", multi=True),
    Column("publics", "Publics visés (liste).", "publics", multi=True),
)
CONSORTIUM_MEMBERS: tuple[Column, ...] = (
    Column("acteur", "Identifiant de l'acteur membre (feuille acteurs). Une ligne par membre.",
           "acteurs"),
    Column("role", "Rôle dans le consortium."),
    Column("lettre_engagement", "Lettre d'engagement signée : oui ou non.", "oui-non"),
)
_MEMBERS_HEADER_ROW = len(CONSORTIUM_FIELDS) + 2


def _territory_lists(refs: Referentials,
                     departement: str) -> dict[str, tuple[str, dict[str, str]]]:
    """The communes, and every territory (département, EPCI, communes) of a département."""
    terr = refs.territoires
    communes = sorted(terr.communes(departement), key=lambda c: (terr.name(c), c))

    def commune_label(code: str) -> str:
        postcodes = ", ".join(terr.postcodes(code))
        epci = terr.epci_of(code)
        return (terr.name(code) + (f" ({postcodes})" if postcodes else "")
                + (f" · {terr.name(epci)}" if epci else ""))

    everything = {departement: f"Département · {terr.name(departement)}"}
    everything.update({e: f"EPCI · {terr.name(e)}" for e in terr.epcis_in(departement)})
    everything.update({c: f"Commune · {commune_label(c)}" for c in communes})
    name = terr.name(departement)
    return {"commune": (f"Communes ({name})", {c: commune_label(c) for c in communes}),
            "territoire": (f"Territoires ({name})", everything)}


def _code_lists(refs: Referentials,
                departement: str | None = None) -> dict[str, tuple[str, dict[str, str]]]:
    """The lists of the codes sheet: name → (label of the list, {code: French label}).

    With a ``departement``, also its communes and its territories (the
    département, its EPCI, its communes), with names and postcodes.
    """
    territories = _territory_lists(refs, departement) if departement else {}
    return {
        **territories,
        "famille": ("Familles d'acteurs", {k: f.libelle for k, f in refs.familles.items()}),
        "reseau_porteur": ("Réseaux porteurs", dict(refs.reseaux_porteurs)),
        "thematiques": ("Thématiques", {
            k: t.libelle if t.est_categorie else f"{refs.thematiques[t.categorie].libelle} › "
            f"{t.libelle}" for k, t in refs.thematiques.items()}),
        "publics": ("Publics", dict(refs.publics)),
        "moments": ("Moments du parcours", dict(refs.moments)),
        "type": ("Types d'interaction", dict(refs.interactions)),
        "modes_accueil": ("Modes d'accueil", dict(refs.modes_accueil)),
    }


def list_formula(values: list[str], ref: str | None) -> str:
    """The ``formula1`` of a list validation: inline when it fits in 255 characters, else ``ref``.

    >>> list_formula(["oui", "non"], None)
    '"oui,non"'
    """
    inline = ",".join(values)
    if len(inline) <= INLINE_LIMIT and not any("," in v or '"' in v for v in values):
        return f'"{inline}"'
    if ref is None:
        raise ValueError("a list longer than 255 characters needs a range reference")
    return ref


def _header(ws: Worksheet, row: int, column: int, spec: Column, required: bool,
            where: str | None) -> None:
    cell = ws.cell(row=row, column=column, value=spec.name)
    cell.font = _HEADER_FONT
    cell.fill = _REQUIRED_FILL if required else _HEADER_FILL
    text = spec.help + (" Obligatoire." if required else "")
    if where:
        text += f" {where}"
    if spec.multi and spec.codes:
        text += " " + _MULTI_NOTE
    cell.comment = Comment(text, "spie-graph", width=320, height=160)


def _validation(spec: Column, formulas: dict[str, str]) -> DataValidation | None:
    if spec.codes is None or spec.codes not in formulas:
        return None
    if spec.multi:
        # Propose the codes, accept any text: "a|b" cannot match a list.
        return DataValidation(type="list", formula1=formulas[spec.codes], allow_blank=True,
                              showErrorMessage=False, showInputMessage=True,
                              promptTitle="Plusieurs valeurs",
                              prompt=f"Choisissez un code, ou écrivez-en plusieurs séparés par "
                                     f"« {LIST_SEPARATOR} ».")
    return DataValidation(type="list", formula1=formulas[spec.codes], allow_blank=True,
                          showErrorMessage=True, errorStyle="warning",
                          errorTitle="Code inconnu",
                          error="Choisissez une valeur de la liste (feuille codes).")


def _codes_sheet(wb: Workbook, refs: Referentials,
                 departement: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Write the codes sheet; return the validation formula and a help text of each list."""
    ws = wb.create_sheet(CODES_SHEET)
    formulas: dict[str, str] = {}
    where: dict[str, str] = {}
    for index, (name, (title, codes)) in enumerate(_code_lists(refs, departement).items()):
        code_col = 2 * index + 1
        for offset, header in enumerate((name, f"libellé ({title})")):
            cell = ws.cell(row=1, column=code_col + offset, value=header)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
        for row, (code, label) in enumerate(codes.items(), start=2):
            ws.cell(row=row, column=code_col, value=code)
            ws.cell(row=row, column=code_col + 1, value=label)
        letter = get_column_letter(code_col)
        ref = f"{quote_sheetname(CODES_SHEET)}!${letter}$2:${letter}${len(codes) + 1}"
        formulas[name] = list_formula(list(codes), ref)
        where[name] = (f"Codes et libellés : feuille « {CODES_SHEET} », colonnes "
                       f"{letter}-{get_column_letter(code_col + 1)}.")
        ws.column_dimensions[letter].width = 34
        ws.column_dimensions[get_column_letter(code_col + 1)].width = 48
    ws.freeze_panes = "A2"
    formulas["acteurs"] = f"{quote_sheetname('acteurs')}!$A$2:$A${MAX_ROWS + 1}"
    where["acteurs"] = "Liste : les identifiants de la feuille acteurs."
    formulas["oui-non"] = list_formula(list(_YES_NO), None)
    where["oui-non"] = ""
    return formulas, where


def _table_sheet(ws: Worksheet, name: str, formulas: dict[str, str],
                 where: dict[str, str]) -> None:
    for position, spec in enumerate(SHEETS[name], start=1):
        letter = get_column_letter(position)
        _header(ws, 1, position, spec, spec.name in REQUIRED[name],
                where.get(spec.codes or ""))
        ws.column_dimensions[letter].width = 40 if spec.name in ("missions", "description") \
            else 22
        if spec.text:
            ws.column_dimensions[letter].number_format = "@"
        validation = _validation(spec, formulas)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    ws.freeze_panes = "A2"


def _consortium_sheet(ws: Worksheet, formulas: dict[str, str], where: dict[str, str]) -> None:
    for row, spec in enumerate(CONSORTIUM_FIELDS, start=1):
        _header(ws, row, 1, spec, spec.name in ("nom", "porteur"), where.get(spec.codes or ""))
        validation = _validation(spec, formulas)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"B{row}")
    first_member = _MEMBERS_HEADER_ROW + 1
    for position, spec in enumerate(CONSORTIUM_MEMBERS, start=1):
        letter = get_column_letter(position)
        _header(ws, _MEMBERS_HEADER_ROW, position, spec, spec.name == "acteur",
                where.get(spec.codes or ""))
        validation = _validation(spec, formulas)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"{letter}{first_member}:{letter}{MAX_ROWS + 1}")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 22


def template_workbook(refs: Referentials | None = None,
                      departement: str | None = None) -> Workbook:
    """The template as an openpyxl workbook (see the module docstring for its layout).

    With a ``departement`` (``07``), the codes sheet also lists its communes
    (code, name, postcodes, EPCI) and its EPCI, offered in the commune and
    territoire columns.
    """
    refs = refs or referentials()
    wb = Workbook()
    sheets = {"acteurs": wb.active}
    sheets["acteurs"].title = "acteurs"
    for name in ("services", "interactions", "consortium"):
        sheets[name] = wb.create_sheet(name)
    formulas, where = _codes_sheet(wb, refs, departement)
    for name in SHEETS:
        _table_sheet(sheets[name], name, formulas, where)
    _consortium_sheet(sheets["consortium"], formulas, where)
    return wb


def write_template(path: Path | str, overwrite: bool = False,
                   departement: str | None = None) -> Path:
    """Write the template workbook to ``path`` (whole or not at all).

    Parameters
    ----------
    path : the ``.xlsx`` file to write.
    overwrite : replace an existing file; by default an existing file is kept,
        so a filled workbook is never lost.
    departement : a département code (``07``, ``2A``): its communes and EPCI
        are listed in the codes sheet.

    Raises
    ------
    ArgumentError : the file exists (without ``overwrite``), is not ``.xlsx``, or the
        département is unknown.
    ExportError : the file cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ArgumentError(f"{path.name} : le modèle s'écrit dans un fichier .xlsx "
                            "(ex. -o modele.xlsx)")
    if path.exists() and not overwrite:
        raise ArgumentError(f"{path} existe déjà : choisissez un autre nom, ou ajoutez --force "
                            "pour le remplacer (son contenu sera perdu)")
    refs = referentials()
    if departement is not None:
        departement = check_territoire(departement, refs, "--departement")
        if refs.territoires.kind(departement) != "departement":
            raise ArgumentError(f"« {departement} » n'est pas un département (--departement) : "
                                "indiquez son numéro, ex. 07, 2A, 974")
    buffer = io.BytesIO()
    template_workbook(refs, departement).save(buffer)
    return write_atomic(path, buffer.getvalue())
