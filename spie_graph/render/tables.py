"""Render answers as a terminal table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from spie_graph.files import neutralize

__all__ = ["FORMATS", "render", "to_table", "to_csv", "to_json"]

FORMATS = ("table", "json", "csv")
def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list | tuple):
        return " | ".join(_cell(v) for v in value)
    return str(value)


def _columns(rows: Sequence[dict], columns: Sequence[str] | None) -> list[str]:
    if columns:
        return list(columns)
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def to_table(rows: Sequence[dict], columns: Sequence[str] | None = None,
             max_width: int = 60) -> str:
    """An aligned text table; long cells are cut with « … »."""
    cols = _columns(rows, columns)
    if not rows:
        return "(aucun résultat)"

    def clip(text: str) -> str:
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[clip(_cell(row.get(c))) for c in cols] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join([line.rstrip(), rule, *body])


def to_csv(rows: Sequence[dict], columns: Sequence[str] | None = None) -> str:
    """CSV (comma, header row), list cells joined with ``|``, formulas neutralised."""
    cols = _columns(rows, columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        writer.writerow([neutralize(_csv_cell(row.get(c))) for c in cols])
    return out.getvalue()


def _csv_cell(value: object) -> str:
    if isinstance(value, list | tuple):
        return "|".join(_cell(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return _cell(value)


def to_json(data: object) -> str:
    """Indented UTF-8 JSON."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def render(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None,
           data: object = None) -> str:
    """Render rows in ``fmt``; JSON renders ``data`` instead when given."""
    if fmt == "json":
        return to_json(rows if data is None else data)
    if fmt == "csv":
        return to_csv(rows, columns).rstrip("\n")
    return to_table(rows, columns)
