"""The geometry of the one-page annex, shared by its DOCX and HTML renderings.

One A4 landscape page: margins, font sizes, column widths (which depend on the
number of members: the interaction matrix has one column per member) and an
estimate of each row's height, so that :func:`fit_page` can choose how much
of the missions and compétences to keep for the table to hold on the page,
never below :data:`BODY_PT`.

Text widths are measured with DejaVu Sans (shipped with matplotlib, so the
estimate is the same on every machine) and scaled to Arial / Liberation Sans,
the font the page asks for; the estimate is conservative (DejaVu is about 15 %
wider, the scale takes 11 %).

Cost: O(n·w) for n members and w words of their texts, per budget tried.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

__all__ = [
    "BODY_PT", "PAGE_W_CM", "PAGE_H_CM", "MARGIN_X_CM", "MARGIN_Y_CM", "Columns",
    "columns", "text_lines", "MAX_MEMBERS",
]

PAGE_W_CM, PAGE_H_CM = 29.7, 21.0
MARGIN_X_CM, MARGIN_Y_CM = 1.0, 0.6
BODY_PT = 7.0
"""The smallest text on the page: body, tables, legend."""
TITLE_PT = 12.0
SUBTITLE_PT = 8.0
LINE_PT = 8.1
"""Height of a line of 7-pt Arial in Word and LibreOffice (single spacing)."""
CELL_PAD_Y_CM = 0.015
CELL_PAD_X_CM = 0.07
MAX_MEMBERS = 25
"""Beyond this, the matrix's columns would be narrower than a letter at 7 pt."""

_CM_PER_PT = 2.54 / 72
_ARIAL_OVER_DEJAVU = 1 / 1.11


@dataclass(frozen=True)
class Columns:
    """Widths in cm of the members table's columns, left to right."""

    numero: float
    membre: float
    missions: float
    lettre: float
    moment: float
    besoin: float
    lien: float
    autres: float
    n_moments: int
    n_besoins: int
    n_membres: int
    """Columns of the interaction matrix (0: interactions written as text instead)."""
    liens_texte: float = 0.0
    """Width of the interactions written as text, when there is no matrix."""

    def all(self) -> list[float]:
        """Every column's width, in the order of the table."""
        return [self.numero, self.membre, self.missions, self.lettre,
                *[self.moment] * self.n_moments, *[self.besoin] * self.n_besoins,
                *[self.lien] * self.n_membres,
                *([self.liens_texte] if self.liens_texte else []), self.autres]


SIZES_PT = (10.0, 9.0, 8.5, 8.0, 7.5)
MEMBER_WIDTHS_CM = (4.8, 5.6)
"""Widths of the members' column tried at 7 pt: a wider one when long names wrap."""
"""Larger sizes the table takes when the members' texts fit whole (a small consortium)."""


def columns(n_members: int, n_moments: int = 3, n_needs: int = 6,
            size_pt: float = BODY_PT, membre_cm: float = 4.8) -> Columns:
    """Column widths for a table of ``n_members`` rows (and as many matrix columns).

    Narrow columns (marks, letters, numbers) grow with the text size; the
    members' names take ``membre_cm`` (at 7 pt), the missions what is left.
    Beyond :data:`MAX_MEMBERS` the matrix would not fit across the page: the
    interactions are then written as text in one column.
    """
    if n_members > MAX_MEMBERS:
        return Columns(numero=0.55, membre=membre_cm, missions=8.0, lettre=0.8, moment=0.42,
                       besoin=0.6, lien=0.0, autres=0.8, n_moments=n_moments,
                       n_besoins=n_needs, n_membres=0,
                       liens_texte=round(PAGE_W_CM - 2 * MARGIN_X_CM - 0.05 - 0.55 - membre_cm
                                         - 8.0 - 0.8 - 0.42 * n_moments - 0.6 * n_needs - 0.8,
                                         2))
    return _matrix_columns(n_members, n_moments, n_needs, size_pt, membre_cm)


def _matrix_columns(n_members: int, n_moments: int, n_needs: int, size_pt: float,
                    membre_cm: float) -> Columns:
    usable = PAGE_W_CM - 2 * MARGIN_X_CM - 0.05  # LibreOffice rounds borders outwards
    f = size_pt / BODY_PT
    g = 1 + (f - 1) * 0.6  # marks and letters need less room than words
    lien = (0.38 if n_members <= 20 else 0.36) if f == 1 else round(0.4 * g, 2)
    fixed = dict(numero=round(0.45 * g, 2), membre=round(membre_cm * min(f, 1.15), 2),
                 lettre=round(0.8 * g, 2), moment=round(0.42 * g, 2), besoin=round(0.6 * g, 2),
                 autres=round(0.8 * g, 2))
    used = (fixed["numero"] + fixed["membre"] + fixed["lettre"] + n_moments * fixed["moment"]
            + n_needs * fixed["besoin"] + n_members * lien + fixed["autres"])
    missions = max(4.0, usable - used)
    return Columns(missions=round(missions, 2), lien=lien, n_moments=n_moments,
                   n_besoins=n_needs, n_membres=n_members, **fixed)


@cache
def _font(bold: bool, italic: bool):  # -> PIL.ImageFont.FreeTypeFont
    import matplotlib
    from PIL import ImageFont

    name = "DejaVuSans" + ("-Bold" if bold else "") + (
        ("Oblique" if bold else "-Oblique") if italic else "") + ".ttf"
    return ImageFont.truetype(os.path.join(matplotlib.get_data_path(), "fonts", "ttf", name),
                              100)


def _width_cm(text: str, size_pt: float, bold: bool = False, italic: bool = False) -> float:
    return (_font(bold, italic).getlength(text) / 100 * size_pt * _CM_PER_PT
            * _ARIAL_OVER_DEJAVU)


def text_lines(runs: Sequence[tuple[str, bool, bool]], width_cm: float,
               size_pt: float = BODY_PT) -> int:
    """Lines a paragraph of runs ``(text, bold, italic)`` takes in a column, wrapped by word."""
    width = width_cm - 2 * CELL_PAD_X_CM
    space = _width_cm(" ", size_pt)
    lines, current = 1, 0.0
    for text, bold, italic in runs:
        for word in text.split():
            w = _width_cm(word, size_pt, bold, italic)
            if current and current + space + w > width:
                lines += 1
                current = w
            else:
                current += (space if current else 0.0) + w
            while current > width:  # a word longer than the column breaks
                lines += 1
                current -= width
    return lines


def row_height_cm(lines: int, size_pt: float = BODY_PT) -> float:
    """Height of a table row of ``lines`` lines."""
    return lines * LINE_PT * size_pt / BODY_PT * _CM_PER_PT + 2 * CELL_PAD_Y_CM + 0.02


def body_height_cm(size_pt: float = BODY_PT, title_lines: int = 1, subtitle_lines: int = 2,
                   legend_lines: int = 3) -> float:
    """Height left for the members' rows once the title, header rows and legend are set."""
    title = (TITLE_PT * 1.2 * title_lines + SUBTITLE_PT * 1.2 * subtitle_lines + 6) * _CM_PER_PT
    header = 2 * row_height_cm(1, size_pt)
    legend = (legend_lines * LINE_PT + 4) * _CM_PER_PT
    signature = (LINE_PT + 6) * _CM_PER_PT
    return PAGE_H_CM - 2 * MARGIN_Y_CM - title - header - legend - signature - 0.4


def usable_width_cm() -> float:
    """Width of the page between its margins."""
    return PAGE_W_CM - 2 * MARGIN_X_CM
