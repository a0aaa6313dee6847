"""The package's layers: data flows one way, no import cycle, the CLI loads anywhere.

Every ``import`` of ``spie_graph`` modules is read from the source (imports
inside functions and under ``TYPE_CHECKING`` included) and checked against the
layers drawn in ``spie_graph/__init__.py``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "spie_graph"

# Lowest first; a module may import its own layer or a lower one, never a higher one.
LAYERS = [
    ("spie_graph.errors", "spie_graph.files", "spie_graph.french"),
    ("spie_graph.reference",),
    ("spie_graph.sources",),
    ("spie_graph.graph",),
    ("spie_graph.store",),
    ("spie_graph.analyses",),
    ("spie_graph.render",),
    ("spie_graph.report",),
    ("spie_graph.api",),
    ("spie_graph.cli",),
    ("spie_graph",),  # the package itself exports the API
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"module hors des couches : {module}")


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The spie_graph modules a file imports, anywhere in it."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("spie_graph"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                root = package.split(".")
                root = root[: len(root) - node.level + 1]
                base = ".".join(root + ([base] if base else []))
            if not base.startswith("spie_graph"):
                continue
            for alias in node.names:  # "from spie_graph.store import server" is a module
                if (base, alias.name) == ("spie_graph", "__version__"):
                    continue  # a constant set before the package imports anything
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in modules else base)
    return found - {name}


def import_graph() -> nx.DiGraph:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(f) for f in files}
    graph = nx.DiGraph()
    for path in files:
        source = module_name(path)
        graph.add_node(source)
        for target in imports_of(path, modules):
            graph.add_edge(source, target)
    return graph


def test_every_module_belongs_to_a_layer():
    for module in import_graph():
        layer(module)


def test_no_layer_imports_a_higher_one():
    graph = import_graph()
    upward = [(a, b) for a, b in graph.edges
              if b != "spie_graph" and layer(b) > layer(a)]
    assert not upward, f"imports vers une couche supérieure : {upward}"
    assert not [a for a, b in graph.edges if b == "spie_graph" and a != "spie_graph"]


def test_no_import_cycle():
    graph = import_graph()
    graph.remove_node("spie_graph")  # the package's __init__ re-exports the API
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"cycles d'imports : {cycles}"


def test_the_layers_are_folders():
    tops = {p.name for p in PACKAGE.iterdir() if p.suffix == ".py"}
    assert tops == {"__init__.py", "api.py", "errors.py", "files.py", "french.py"}


def test_cli_loads_and_runs_without_fcntl():
    """Windows has no fcntl: the CLI and every command but ``neo4j start`` must still work."""
    demo = PACKAGE.parent / "datasets" / "morbihan"
    code = (
        "import sys; sys.modules['fcntl'] = None\n"
        "from click.testing import CliRunner\n"
        "from spie_graph.cli import main\n"
        f"result = CliRunner().invoke(main, ['validate', '--dataset', {str(demo)!r}])\n"
        "print(result.output); sys.exit(result.exit_code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "valide" in done.stdout


def test_server_and_driver_are_not_loaded_by_the_cli():
    code = ("import sys, spie_graph.cli\n"
            "print(sorted(m for m in ('neo4j', 'spie_graph.store.server', 'spie_graph.store.neo4j',"
            " 'pyvis') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_question_does_not_load_the_renderers(tmp_path):
    """who-covers (and validate) import neither the document writers nor the other
    commands' modules: a repeated question costs its answer, not python-docx."""
    demo = PACKAGE.parent / "datasets" / "morbihan"
    heavy = ("docx", "openpyxl", "jinja2", "PIL", "spie_graph.render.annex",
             "spie_graph.render.exports", "spie_graph.render.map", "spie_graph.report.run",
             "spie_graph.cli.outputs", "spie_graph.cli.imports", "spie_graph.cli.analyses")
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from spie_graph.cli import main\n"
        "for args in (['who-covers', 'mobilite', '--territoire', '56', '--dataset', "
        f"{str(demo)!r}], ['validate', '--dataset', {str(demo)!r}]):\n"
        "    result = CliRunner().invoke(main, args)\n"
        "    assert result.exit_code == 0, result.output\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "SPIE_GRAPH_CACHE": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_cached_question_does_not_load_networkx_or_the_analyses(tmp_path):
    """Once the cache holds the who-covers index, a who-covers call answers from it
    alone: neither NetworkX, the builder nor the analyses are imported (NetworkX alone
    costs 0.15 s of a call that should take under a second at national scale)."""
    demo = PACKAGE.parent / "datasets" / "morbihan"
    heavy = ("networkx", "spie_graph.graph.build", "spie_graph.graph.views",
             "spie_graph.analyses", "spie_graph.render.exports")
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from spie_graph.cli import main\n"
        "result = CliRunner().invoke(main, ['who-covers', 'mobilite', '--territoire', '56', "
        f"'--dataset', {str(demo)!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'services ;' in result.output, result.output\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "SPIE_GRAPH_CACHE": str(tmp_path)}
    first, second = (subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, timeout=120, env=env) for _ in range(2))
    assert first.returncode == 0, first.stderr
    assert "networkx" in first.stdout  # the first call builds the graph, and fills the cache
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "[]"


def test_every_command_module_registers_what_the_cli_expects():
    """The CLI imports a command's module on first use (cli.LAZY): the table must name
    every command each module registers, and nothing else."""
    import importlib

    import click

    from spie_graph.cli import LAZY, main

    for module in set(LAZY.values()):
        group = click.Group()
        importlib.import_module(f"spie_graph.cli.{module}").register(group)
        assert set(group.commands) == {c for c, m in LAZY.items() if m == module}, module
    assert set(main.list_commands(None)) >= set(LAZY)  # type: ignore[arg-type]
    for name in LAZY:
        assert main.get_command(None, name) is not None, name  # type: ignore[arg-type]


def test_cypher_files_are_found_from_a_checkout(monkeypatch):
    """Not installed, ``spie_graph.cypher`` does not exist: the top-level cypher/ is read."""
    from spie_graph.store import cypher

    def missing(name: str):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(cypher.resources, "files", missing)
    cypher.statement.cache_clear()
    try:
        assert "MERGE" in cypher.statement("load/nodes")
        assert cypher.statements("schema")
    finally:
        cypher.statement.cache_clear()
