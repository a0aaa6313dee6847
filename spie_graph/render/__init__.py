"""What people and other tools read: tables, the map, the annex, exports, pictures.

- :mod:`.tables`: terminal tables, CSV and JSON of the commands' answers;
- :mod:`.map`: the interactive map, one self-contained HTML page;
- :mod:`.annex`: the *cartographie des acteurs* page to attach (DOCX, HTML, PDF,
  Markdown), the detailed member sheets and the consortium's diagnostic;
- :mod:`.exports`: GraphML, GEXF, node-link JSON and the Kumu workbook;
- :mod:`.pictures`: colours, layout and the network picture (PNG);
- :mod:`.notebook`: a pyvis network for notebook users (optional extra).

Renderers take the graph and the analyses' own models; they compute nothing
an analysis already computes.
"""
