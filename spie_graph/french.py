"""French formats for every human-facing output: numbers, plurals, typography, articles.

One helper for the terminal, the report, the annex, the map and the French Excel
tables, so that the same figure reads the same everywhere. Machine formats (JSON,
GraphML, GEXF) keep plain numbers and never go through here.

Conventions (Imprimerie nationale, as used by the administration):
- thousands separated by a narrow no-break space (U+202F): ``3 449 370``;
- decimal comma: ``0,143``; percent after a narrow no-break space: ``14 %``;
- a no-break space (U+00A0) before ``:`` and inside « guillemets », a narrow
  no-break space before ``; ! ?``;
- names of départements and régions with their article: « le Morbihan »,
  « du Morbihan », « de la Manche », « de l'Ain », « des Landes ».
"""

from __future__ import annotations

import math
import re
from datetime import date as _date

NNBSP = "\u202f"  # espace fine insécable
NBSP = "\u00a0"  # espace insécable

__all__ = [
    "NBSP", "NNBSP", "number", "decimal", "percent", "plural", "yes_no",
    "typography", "article", "of_territory", "in_territory", "sheet_number", "long_date",
]


def number(value: int | float) -> str:
    """``3449370`` → ``3 449 370`` (narrow no-break spaces); floats are rounded."""
    if isinstance(value, float):
        if math.isnan(value):
            return "n.d."
        value = round(value)
    return f"{value:,}".replace(",", NNBSP)


def decimal(value: float, digits: int = 2) -> str:
    """``0.1434`` → ``0,14`` (``digits`` after the comma, thousands grouped)."""
    if math.isnan(value):
        return "n.d."
    text = f"{value:,.{digits}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def percent(value: float, digits: int = 0) -> str:
    """A share in [0, 1] as a French percentage: ``0.8`` → ``80 %``."""
    if math.isnan(value):
        return "n.d."
    return f"{decimal(value * 100, digits)}{NNBSP}%"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``plural(1, "acteur")`` → ``1 acteur``; ``plural(2, "acteur")`` → ``2 acteurs``.

    French puts 0 and 1 in the singular (« 0 acteur », « 1 acteur »).
    """
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{number(count)} {word}"


def sheet_number(value: int | float) -> str:
    """A number as French Excel and LibreOffice read it in a CSV cell.

    Decimal comma and no thousands separator (a grouped ``3 449 370`` would be
    read as text): ``0.1434`` → ``0,1434``, ``3449370`` → ``3449370``. Floats
    keep up to 6 decimals; NaN is an empty cell.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is written with yes_no")
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        return ""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def yes_no(value: bool | None) -> str:
    """``True`` → ``oui``, ``False`` → ``non``, ``None`` → empty."""
    if value is None:
        return ""
    return "oui" if value else "non"


_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_BEFORE_COLON = re.compile(r"[ \u00a0\u202f]*:(?=\s|$)")
_BEFORE_TIGHT = re.compile(r"(?<=\S)[ \u00a0\u202f]*([;!?])(?=\s|$|[»)])")
_OPEN_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE_QUOTE = re.compile(r"[ \u00a0\u202f]*»")


def typography(text: str) -> str:
    """French spacing around punctuation, idempotent; URLs are left untouched.

    ``"Porteur : X ; voir « Y »!"`` → no-break space before ``:``, narrow no-break
    space before ``;`` and ``!``, no-break spaces inside the guillemets.
    """
    parts = _URL.split(text)
    urls = _URL.findall(text)
    out: list[str] = []
    for index, part in enumerate(parts):
        part = _BEFORE_COLON.sub(NBSP + ":", part)
        part = _BEFORE_TIGHT.sub(NNBSP + r"\1", part)
        part = _OPEN_QUOTE.sub("«" + NBSP, part)
        part = _CLOSE_QUOTE.sub(NBSP + "»", part)
        out.append(part)
        if index < len(urls):
            out.append(urls[index])
    return "".join(out)


# Articles of the départements and régions (INSEE's « type de nom en clair »):
# "" when the name takes none (Paris, Mayotte) or already holds it (La Réunion).
_DEPARTEMENT_ARTICLES = {
    "le": "14 15 18 25 29 30 32 39 41 45 46 47 49 56 59 62 63 67 68 69 81 82 83 84 "
          "90 94 95",
    "la": "16 17 19 2A 2B 21 23 24 26 31 33 42 43 44 48 50 51 52 53 54 55 57 58 70 "
          "71 72 73 74 76 77 80 85 86 87 93 971 972 973",
    "l'": "01 02 03 07 09 10 11 12 27 28 34 35 36 37 38 60 61 89 91",
    "les": "04 05 06 08 13 22 40 64 65 66 78 79 88 92",
}
_REGION_ARTICLES = {
    "le": "24 44",
    "la": "01 02 03 27 28 53 75 93 94",
    "l'": "11 76 84",
    "les": "32 52",
}


def _table(spec: dict[str, str]) -> dict[str, str]:
    return {code: art for art, codes in spec.items() for code in codes.split()}


_ARTICLES = {"departement": _table(_DEPARTEMENT_ARTICLES), "region": _table(_REGION_ARTICLES)}


def _article_of(kind: str, code: str, name: str) -> str:
    if kind in _ARTICLES:
        return _ARTICLES[kind].get(code, "")
    if kind == "epci":
        return "l'" if name[:1].lower() in "aeéèiouy" else "la"
    if kind == "france":
        return "la"
    return ""  # communes take no article


def article(kind: str, code: str, name: str) -> str:
    """« le Morbihan », « l'Ain », « les Landes », « Paris », « la CC du Kreiz-Breizh »."""
    art = _article_of(kind, code, name)
    if not art:
        return name
    return f"{art}{name}" if art.endswith("'") else f"{art} {name}"


def of_territory(kind: str, code: str, name: str) -> str:
    """« du Morbihan », « de la Manche », « de l'Ain », « des Landes », « de Paris »."""
    art = _article_of(kind, code, name)
    if art == "le":
        return f"du {name}"
    if art == "les":
        return f"des {name}"
    if art in ("la", "l'"):
        return f"de {art}{name}" if art == "l'" else f"de la {name}"
    return f"d'{name}" if name[:1].lower() in "aeéèiouyî" else f"de {name}"


def in_territory(kind: str, code: str, name: str) -> str:
    """The administration's neutral « sur »: « sur le Morbihan », « sur l'Ain »."""
    return f"sur {article(kind, code, name)}"


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def long_date(day: _date) -> str:
    """``date(2026, 12, 1)`` → ``1er décembre 2026`` (the first of the month is « 1er »)."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"
