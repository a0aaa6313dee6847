"""Where data sets come from: readers, validation, imports and the Excel template.

- :mod:`.readers`: CSV, YAML and .xlsx tables read as raw rows, located by file,
  line (or sheet, row, column) and field;
- :mod:`.validation`: every problem of a data set at once, then the
  :mod:`.model` (pydantic) of a valid one;
- :mod:`.consortium`: another draft of ``consortium.yaml``, checked the same way;
- :mod:`.data_inclusion`: data·inclusion exports turned into a data set folder;
- :mod:`.template`: the Excel workbook a data set can be typed in.

Sources read only :mod:`spie_graph.reference` (and the foundation modules).
"""
