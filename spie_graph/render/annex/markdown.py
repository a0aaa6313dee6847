"""Markdown escaping shared by the page, the detailed sheets and the diagnostic.

It is the project's one Markdown escaping (:func:`spie_graph.files.markdown_text`, also
used by ``rapport.md``), under the name the annex's renderers use.
"""

from __future__ import annotations

from spie_graph.files import markdown_text as md_escape

__all__ = ["md_escape"]
