"""Cypher statements, kept as files in ``cypher/`` and loaded by name.

Statements are constant text with ``$parameters``: no value is ever pasted in.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

from spie_graph.errors import ArgumentError

__all__ = ["statement", "statements", "named_query", "query_names"]


def _folder(sub: str = ""):
    """The Cypher folder: installed as ``spie_graph.cypher``, or the source tree's ``cypher/``."""
    try:
        root = resources.files("spie_graph.cypher")
    except ModuleNotFoundError:  # running from a source checkout, not an installed package
        root = Path(__file__).resolve().parents[2] / "cypher"  # spie_graph/store/ → top
    return root / sub if sub else root


@cache
def statement(name: str) -> str:
    """The statement of ``cypher/<name>.cypher`` (``load/nodes``, ``queries/who_covers``)."""
    folder, _, stem = name.rpartition("/")
    return (_folder(folder) / f"{stem}.cypher").read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """The statements of a file holding several, separated by ``;`` at line ends."""
    text = "\n".join(line for line in statement(name).splitlines()
                     if not line.strip().startswith("//"))
    return [part.strip() for part in re.split(r";\s*\n", text + "\n") if part.strip()]


def query_names() -> list[str]:
    """Names of the queries of ``cypher/queries/``."""
    folder = _folder("queries")
    return sorted(p.name[: -len(".cypher")] for p in folder.iterdir()
                  if p.name.endswith(".cypher"))


def named_query(name_or_file: str) -> str:
    """A named query of ``cypher/queries/``, or the text of a ``.cypher`` file."""
    if name_or_file in query_names():
        return statement(f"queries/{name_or_file}")
    path = Path(name_or_file)
    if path.suffix == ".cypher" and path.is_file():
        return path.read_text(encoding="utf-8")
    raise ArgumentError(f"requête inconnue : « {name_or_file} ». Requêtes disponibles : "
                        f"{', '.join(query_names())}, ou le chemin d'un fichier .cypher")
