"""``python -m spie_graph.cli``: the ``spie-graph`` command."""

from spie_graph.cli import run

run()
