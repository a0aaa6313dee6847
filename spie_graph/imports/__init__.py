"""Imports from outside sources: data·inclusion exports, and the Excel template.

- :func:`import_data_inclusion` reads data·inclusion structures and services
  (JSON, CSV or the producer workbook; schema v0 or v1) and writes a project
  data set folder, with every reject and remark;
- :func:`write_template` writes the Excel workbook a data set can be typed in
  (``spie-graph validate`` reads it back).
"""

from .data_inclusion import ImportResult, Issue, convert, import_data_inclusion, read_export
from .excel import template_workbook, write_template

__all__ = [
           "ImportResult",
           "Issue",
           "convert",
           "import_data_inclusion",
           "read_export",
           "template_workbook",
           "write_template",
]
