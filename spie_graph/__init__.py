"""spie-graph: map the actors of the service public de l'insertion et de l'emploi (SPIE).

The package's folders follow the data, one way; a layer imports only the
layers before it (``tests/test_architecture.py`` checks it, imports inside
functions included)::

    errors, files         foundation: the exception tree, writing files whole
      ↓
    reference/            referentials and the COG 2026, shipped in the package
      ↓
    sources/              readers, validation, model, data·inclusion import, template
      ↓
    graph/                the canonical graph (build), views, who-covers
      ↓
    store/                the GraphStore interface: embedded | Neo4j, Cypher files,
      ↓                   connection, the local Neo4j server
    analyses/             stats, gaps, duplicates, consortium, network, findings
      ↓
    render/               tables, map, annex, exports, pictures, notebook (pyvis)
      ↓
    report/               every analysis computed once, handed to every part
      ↓
    api                   one function per command (exported here)
      ↓
    cli/                  click commands, thin wrappers over the API

Use the library through :mod:`spie_graph.api`, e.g.
``spie_graph.report("datasets/morbihan")`` or ``spie_graph.api.gaps(...)``.
"""

__version__ = "0.1.0"

from spie_graph import api  # noqa: E402 - the version first, for the CLI
from spie_graph.api import (  # noqa: E402
    annex,
    check_consortium,
    diagnostic,
    duplicates,
    export,
    gaps,
    load,
    load_graph,
    network,
    referential,
    report,
    stats,
    to_pyvis,
    validate,
    who_covers,
    without_actor,
)

__all__ = [
    "__version__", "api",
    "annex", "check_consortium", "diagnostic", "duplicates", "export", "gaps", "load", "load_graph",
    "network", "referential", "report", "stats", "to_pyvis", "validate", "who_covers",
    "without_actor",
]
