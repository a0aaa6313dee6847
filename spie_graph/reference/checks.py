"""Check a code a user typed against the referentials: a French error with the closest codes.

Every entry point (commands, library API, report) checks its territory and
code arguments here, once, before any work: an unknown code never reaches an
analysis as a ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Collection

from spie_graph.errors import ArgumentError
from spie_graph.reference.referentials import Referentials, closest, referentials

__all__ = ["check_code", "check_territoire", "unknown"]

def unknown(what: str) -> str:
    """``thématique`` → « code de thématique inconnu »: one wording for every code list.

    « code de … inconnu » agrees with « code » whatever the gender of the list's
    name, never « inconnu(e) ».
    """
    return f"code de {what} inconnu"


def check_code(value: str | None, codes: Collection[str], what: str, option: str,
               listing: str) -> None:
    """Raise :class:`ArgumentError` when ``value`` is not one of ``codes`` (None passes)."""
    if value is not None and value not in codes:
        near = ", ".join(closest(value, list(codes)))
        raise ArgumentError(f"{unknown(what)} : « {value} » ({option}). Codes proches : {near}. "
                            f"Liste complète : spie-graph referentiel {listing}")


def check_territoire(code: str, refs: Referentials | None = None,
                     option: str = "--territoire") -> str:
    """The COG code of a territory (``2a004`` → ``2A004``); unknown: the closest codes."""
    terr = (refs or referentials()).territoires
    normal = terr.normalize(str(code))
    if normal not in terr:
        near = ", ".join(terr.suggest(normal))
        raise ArgumentError(f"territoire inconnu : « {code} » ({option}). Codes proches : {near}. "
                            f"{terr.shape_hint()}")
    return normal
