"""The exception tree of spie-graph.

Every error a user can cause derives from :class:`SpieGraphError`; the CLI
catches that root only and prints its message in French, exit status 1::

    SpieGraphError                  root
    ├── DatasetError                a data set is invalid (carries every Problem)
    ├── ArgumentError               a command argument is invalid (unknown code...)
    ├── StoreError                  a graph store failed
    │   ├── StoreUnavailable        the Neo4j server cannot be reached or refused login
    │   └── QueryError              a Cypher statement failed
    ├── ServerError                 the local Neo4j server cannot be set up or started
    ├── SourceError                 an external source (data·inclusion, workbook) is unreadable
    └── ExportError                 an output file cannot be written

Messages say what is wrong, where (file, line, field) and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "SpieGraphError",
    "DatasetError",
    "Problem",
    "ArgumentError",
    "StoreError",
    "StoreUnavailable",
    "QueryError",
    "ServerError",
    "SourceError",
    "ExportError",
]


class SpieGraphError(Exception):
    """Root of every error spie-graph reports to its users."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a data set, located precisely."""

    file: str
    line: int | None
    field: str | None
    value: str | None
    message: str
    fix: str | None = None
    # How many problems this one stands for: more than 1 for the line that closes
    # a capped list (« … et 4 812 autres erreurs du même type »).
    count: int = 1

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", ligne {self.line}"
        if self.field:
            where += f", champ « {self.field} »"
        text = f"{where} : {self.message}"
        if self.value not in (None, ""):
            text += f" (valeur : « {self.value} »)"
        if self.fix:
            text += f". {self.fix}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "fichier": self.file,
            "ligne": self.line,
            "champ": self.field,
            "valeur": self.value,
            "message": self.message,
            "correction": self.fix,
        }


class DatasetError(SpieGraphError):
    """A data set is invalid; ``problems`` lists every problem found."""

    def __init__(self, dataset: str, problems: list[Problem]):
        self.dataset = dataset
        self.problems = list(problems)
        count = sum(p.count for p in self.problems)
        plural = "s" if count > 1 else ""
        lines = [f"le jeu de données « {dataset} » contient {count} erreur{plural} :"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ArgumentError(SpieGraphError):
    """A command argument is invalid (unknown code, bad value)."""


class StoreError(SpieGraphError):
    """A graph store failed."""


class StoreUnavailable(StoreError):
    """The Neo4j server cannot be reached or refused the credentials."""


class QueryError(StoreError):
    """A Cypher statement failed."""


class ServerError(SpieGraphError):
    """The local Neo4j server cannot be assembled, started or stopped."""


class SourceError(SpieGraphError):
    """An external source (data·inclusion export, Excel workbook) cannot be read."""


class ExportError(SpieGraphError):
    """An output file cannot be written."""
