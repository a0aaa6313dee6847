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

# The API, and the functions exported here, are imported on first use (PEP 562): a
# program that imports one module (``spie_graph.graph.coverage``) does not pay for
# the whole package (the renderers import python-docx, openpyxl, jinja2, Pillow…).
_EXPORTED = ("annex", "check_consortium", "diagnostic", "duplicates", "export", "gaps", "load",
             "load_graph", "network", "referential", "report", "stats", "to_pyvis", "validate",
             "who_covers", "without_actor")


def __getattr__(name: str) -> object:
    if name == "api" or name in _EXPORTED:
        import importlib

        api = importlib.import_module("spie_graph.api")
        # As the eager import did: the functions, not the subpackages of the same name
        # (``spie_graph.report`` is the function, ``spie_graph.report.run`` the module).
        globals().update({exported: getattr(api, exported) for exported in _EXPORTED})
        return api if name == "api" else getattr(api, name)
    raise AttributeError(f"module 'spie_graph' has no attribute {name!r}")


__all__ = [
    "__version__", "api",
    "annex", "check_consortium", "diagnostic", "duplicates", "export", "gaps", "load", "load_graph",
    "network", "referential", "report", "stats", "to_pyvis", "validate", "who_covers",
    "without_actor",
]
