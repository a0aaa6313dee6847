"""The main job: every analysis computed once, handed to every part, written whole.

- :mod:`.parts`: the report's context (graph, territory, findings) and its
  parts, each a function returning files and a section of ``rapport.md``;
- :mod:`.run`: :func:`run_report`, which writes ``exports/<data set>/``.
"""
