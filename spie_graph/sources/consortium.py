"""Read a consortium file on its own: ``consortium check --consortium FILE``.

An application may be drafted in several versions; each is a
``consortium.yaml`` (any file name) checked against the actors of a data set.
Reading and validation reuse :mod:`spie_graph.sources.readers` and
:mod:`spie_graph.sources.validation`, so the file accepts exactly what a data set's
``consortium.yaml`` accepts and problems are located the same way.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import yaml

from spie_graph.errors import DatasetError, Problem
from spie_graph.reference.referentials import referentials
from spie_graph.sources.model import Consortium
from spie_graph.sources.readers import (
    RawDataset,
    RawRow,
    _construct,
    _mapping_row,
    _read_consortium,
    _yaml_nodes,
    normalize_header,
)
from spie_graph.sources.validation import _consortium, _Rows, check_members

__all__ = ["read_consortium"]


def _read_file(path: Path) -> tuple[RawRow | None, list[Problem]]:
    """The located row of a consortium file of any name (as ``readers._read_consortium``)."""
    root, problems = _yaml_nodes(path)
    if root is None:
        return None, problems or [Problem(path.name, None, None, None, "fichier vide",
                                          "écrivez nom, porteur et membres (voir le README)")]
    if not isinstance(root, yaml.MappingNode):
        return None, [Problem(path.name, root.start_mark.line + 1, None, None,
                              "une table « nom: ..., porteur: ..., membres: ... » est attendue",
                              "voir l'exemple du README")]
    row = _mapping_row(root)
    for key_node, value_node in root.value:
        if normalize_header(key_node.value) == "membres" and isinstance(value_node,
                                                                        yaml.SequenceNode):
            row.values["membres"] = [
                _mapping_row(item) if isinstance(item, yaml.MappingNode)
                else RawRow(item.start_mark.line + 1, {"acteur": _construct(item)})
                for item in value_node.value
            ]
    return row, problems


def _read(path: Path) -> tuple[RawRow | None, str, list[Problem]]:
    if path.is_dir():
        row, source, problems = _read_consortium(path)
        if row is None and not problems:
            problems = [Problem(str(path), None, None, None, "aucun fichier consortium.yaml",
                                "indiquez le fichier du consortium avec --consortium")]
        return row, source or path.name, problems
    if not path.exists():
        return None, path.name, [Problem(str(path), None, None, None, "fichier introuvable",
                                         "indiquez le chemin d'un fichier consortium.yaml")]
    row, problems = _read_file(path)
    return row, path.name, problems


def read_consortium(path: Path | str, acteurs: Collection[str]) -> Consortium:
    """Read and check a consortium file against the ids of a data set's actors.

    Parameters
    ----------
    path : Path or str
        A YAML file (any name), or a folder holding ``consortium.yaml``.
    acteurs : collection of str
        The ids of the data set's actors.

    Raises
    ------
    DatasetError
        Listing every problem (file, line, field, fix), as ``validate`` does.
    """
    path = Path(path)
    row, source, problems = _read(path)
    raw = RawDataset(path.stem, path, {}, row, source, problems)
    rows = _Rows(referentials(), problems)
    consortium, membre_rows = _consortium(raw, rows)
    if consortium is not None:
        check_members(consortium, membre_rows, raw, rows, acteurs)
    if problems or consortium is None:
        raise DatasetError(path.name, sorted(problems, key=lambda p: (p.file, p.line or 0)))
    return consortium
