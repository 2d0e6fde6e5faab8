"""Register import/export engine (pure Python, no Django): CSV and Excel in, a preview with
precise bilingual errors per row and column, CSV and Excel out, and templates.

    preview = read_table(data, "staff.xlsx", PEOPLE_SCHEMA)
    if preview.ok:
        save_all([row.values for row in preview.rows])   # all or nothing: the caller's job
    else:
        for error in preview.errors:
            print(error.describe("ja"))                   # 5 行目・「入社日」列（D 列）: …

Round trip: write_xlsx/write_csv → read_table gives back the same values. Formula-like text is
exported with a protective leading quote ' that the reader removes again (see writer.py).
Caps (Limits) bound size, rows, columns, cell length, zip entries and unpacked size (checked
before openpyxl opens the file) and time; hitting one is an error in the preview.

Modules: schema (Column, Choice, Schema, Limits, header-name folding), values and dates (one
cell → one typed value), sources (bytes → raw rows: format, encoding, delimiter, zip checks),
reader (read_table, Preview), checks (row checks such as date_order), writer (exports and
templates), sharing (cloud sharing reports → Shares), texts + messages.yaml (bilingual texts).
Datetimes without an offset are naive: the organisation's local time; the caller makes them
aware.
"""

from mamori.tabular.checks import RowCheck, RowProblem, date_order
from mamori.tabular.reader import CellError, ColumnMatch, Preview, Row, read_table
from mamori.tabular.schema import KINDS, Choice, Column, Limits, Schema
from mamori.tabular.sharing import (
    PERMISSIONS,
    SCOPES,
    SHARING_REPORT_COLUMNS,
    SHARING_REPORT_SCHEMA,
    SharedItem,
    group_shares,
)
from mamori.tabular.writer import template_csv, template_xlsx, write_csv, write_xlsx

__all__ = [
    "KINDS",
    "PERMISSIONS",
    "SCOPES",
    "SHARING_REPORT_COLUMNS",
    "SHARING_REPORT_SCHEMA",
    "CellError",
    "Choice",
    "Column",
    "ColumnMatch",
    "Limits",
    "Preview",
    "Row",
    "RowCheck",
    "RowProblem",
    "Schema",
    "SharedItem",
    "date_order",
    "group_shares",
    "read_table",
    "template_csv",
    "template_xlsx",
    "write_csv",
    "write_xlsx",
]
