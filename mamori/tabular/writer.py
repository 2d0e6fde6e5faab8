"""Exports and templates: write_csv, write_xlsx, template_csv, template_xlsx.

Formula injection: any text that a spreadsheet could run as a formula (starting with
= + - @, tab, CR or their full-width forms) is written with a leading quote ' and, in xlsx, as
a string cell. A text that itself starts with a quote gets one more quote. The reader removes
exactly one such quote (values.unprotect), so export → import gives back the same values and a
re-imported export raises no formula warnings.

Values are written as the reader reads them back: dates as 2024-04-01 (real date cells in
xlsx), yes/no as はい/いいえ or yes/no, choices as their label in the chosen language, lists
joined with "; ".
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from mamori.tabular.dates import format_date, format_datetime
from mamori.tabular.examples import example_values
from mamori.tabular.schema import Column, Schema
from mamori.tabular.sources import column_letter
from mamori.tabular.texts import kind_text, word
from mamori.tabular.values import protect

LIST_JOINER = "; "
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 50
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
HEADER_FILL = "DDEBF7"
REQUIRED_FILL = "FCE4D6"


def _choice_label(column: Column, value: Any, lang: str) -> str:
    choice = column.choice_by_value.get(value) if isinstance(value, str) else None
    return choice.label(lang) if choice else str(value)


def format_value(column: Column, value: Any, lang: str) -> str:
    """A value as CSV text (already neutralised against formula injection)."""
    if value is None:
        return ""
    kind = column.kind
    if isinstance(value, datetime):
        return format_datetime(value) if kind == "datetime" else format_date(value.date())
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, bool):
        return word("answer_yes" if value else "answer_no", lang)
    if isinstance(value, int | float) and kind != "text":
        return str(value)
    if kind == "choice":
        return protect(_choice_label(column, value, lang))
    if kind == "list":
        items = value if isinstance(value, list | tuple) else [value]
        shown = [
            _choice_label(column, item, lang) if column.choices else str(item) for item in items
        ]
        return protect(LIST_JOINER.join(shown))
    return protect(str(value))


def cell_value(column: Column, value: Any, lang: str) -> Any:
    """A value as an xlsx cell value: dates and whole numbers stay typed, the rest is text."""
    if isinstance(value, datetime):
        if column.kind != "datetime":
            return value.date()
        # Excel has no time zones: an aware time is kept exact as text.
        return value if value.tzinfo is None else format_datetime(value)
    if isinstance(value, date):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and column.kind in ("int", "text"):
        return value if abs(value) < 10**15 else str(value)  # Excel keeps 15 digits
    text = format_value(column, value, lang)
    return _ILLEGAL_XML.sub("", text) if text else None


def _header(schema: Schema, lang: str, *, mark_required: bool = False) -> list[str]:
    """Column labels; templates mark required ones 「氏名（必須）」 / "Name (required)", which
    the reader matches like the bare label."""
    if not mark_required:
        return [column.label(lang) for column in schema.columns]
    note = word("required_note", lang)
    return [column.label(lang) + (note if column.required else "") for column in schema.columns]


def write_csv(
    schema: Schema,
    rows: Iterable[Mapping[str, Any]],
    *,
    lang: str = "ja",
    mark_required: bool = False,
) -> bytes:
    """UTF-8 with BOM (Excel in Japan then opens it correctly), CRLF, headers in `lang`."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_header(schema, lang, mark_required=mark_required))
    columns = schema.columns
    for row in rows:
        writer.writerow([format_value(column, row.get(column.key), lang) for column in columns])
    return buffer.getvalue().encode("utf-8")


def _display_width(text: str) -> int:
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in longest)


def _widths(schema: Schema, sample: list[Mapping[str, Any]], lang: str) -> list[float]:
    widths = []
    for column in schema.columns:
        longest = _display_width(column.label(lang)) + 2
        for row in sample:
            longest = max(longest, _display_width(format_value(column, row.get(column.key), lang)))
        if column.kind in ("date", "datetime"):
            longest = max(longest, 12 if column.kind == "date" else 17)
        widths.append(float(min(max(longest + 1, MIN_WIDTH), MAX_WIDTH)))
    return widths


def _sheet_title(title: str) -> str:
    cleaned = _SHEET_TITLE_BAD.sub(" ", title).strip().strip("'")
    return cleaned[:31] or "Sheet1"


def write_xlsx(
    schema: Schema,
    rows: Iterable[Mapping[str, Any]],
    *,
    lang: str = "ja",
    sheet_title: str | None = None,
) -> bytes:
    """An .xlsx export written in openpyxl's write-only mode (flat memory for large registers):
    bold, frozen header row, widths from the header and the first rows, real date cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(sheet_title or schema.title(lang)))
    iterator: Iterator[Mapping[str, Any]] = iter(rows)
    sample = list(itertools.islice(iterator, WIDTH_SAMPLE_ROWS))
    for index, width in enumerate(_widths(schema, sample, lang), start=1):
        sheet.column_dimensions[column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    header_cells = []
    for label in _header(schema, lang):
        cell = WriteOnlyCell(sheet, value=label)
        cell.font, cell.fill = bold, fill
        header_cells.append(cell)
    sheet.append(header_cells)
    columns = schema.columns
    date_formats = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
    for row in itertools.chain(sample, iterator):
        out: list[Any] = []
        for column in columns:
            value = cell_value(column, row.get(column.key), lang)
            if isinstance(value, str) and value[:1] == "'":
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # a protected text is never a formula
                out.append(cell)
            elif isinstance(value, date) and column.kind in date_formats:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = date_formats[column.kind]
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_csv(schema: Schema, *, lang: str = "ja") -> bytes:
    """Header row (required columns marked) and one example row (the reader skips the example
    if left unchanged)."""
    return write_csv(schema, [example_values(schema, lang)], lang=lang, mark_required=True)


def accepted_values(column: Column, lang: str) -> str:
    """What a user may type in a column, for the 入力方法 / "How to fill in" sheet."""
    parts: list[str] = []
    if column.choices:
        labels = [choice.label(lang) for choice in column.choices]
        joined = "、".join(labels) if lang == "ja" else ", ".join(labels)
        parts.append(kind_text("choice", lang, "values").format(choices=joined))
    else:
        parts.append(kind_text(column.kind, lang, "values"))
    if column.max_length:
        size_word = "max_chars_each" if column.kind == "list" else "max_chars"
        parts.append(word(size_word, lang, limit=column.max_length))
    if column.kind == "list":
        parts.append(word("list_separator", lang))
    return ("。" if lang == "ja" else "; ").join(parts)


def template_xlsx(schema: Schema, *, lang: str = "ja") -> bytes:
    """A data sheet (header, one example row, drop-down lists for choices and yes/no) and a
    second sheet 入力方法 / "How to fill in" describing every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(schema.title(lang))
    example = example_values(schema, lang)
    sheet.append(_header(schema, lang, mark_required=True))
    sheet.append([cell_value(column, example[column.key], lang) for column in schema.columns])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    required_fill = PatternFill("solid", fgColor=REQUIRED_FILL)
    for cell, column in zip(sheet[1], schema.columns, strict=True):
        cell.font, cell.fill = bold, (required_fill if column.required else fill)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
    for index, (column, width) in enumerate(
        zip(schema.columns, _widths(schema, [example], lang), strict=True), start=1
    ):
        letter = column_letter(index)
        sheet.column_dimensions[letter].width = width
        if column.kind == "date":
            sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd"
        options = _dropdown(column, lang)
        if options:
            validation = DataValidation(type="list", formula1=options, allow_blank=True)
            validation.add(f"{letter}2:{letter}50001")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    guide = book.create_sheet(_sheet_title(word("guide_sheet", lang)))
    guide.append([word("guide_intro", lang)])
    guide.append([])
    guide.append(
        [
            word(f"guide_header_{name}", lang)
            for name in ("letter", "label", "required", "kind", "values", "help")
        ]
    )
    for cell in guide[3]:
        cell.font, cell.fill = bold, fill
    for index, column in enumerate(schema.columns, start=1):
        guide.append(
            [
                column_letter(index),
                column.label(lang),
                word("required" if column.required else "optional", lang),
                kind_text(column.kind, lang),
                accepted_values(column, lang),
                column.help_ja if lang == "ja" else column.help_en,
            ]
        )
    wrap = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (6, 24, 10, 16, 50, 50), strict=True):
        guide.column_dimensions[letter].width = width
        for cell in guide[letter][2:]:
            cell.alignment = wrap
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _dropdown(column: Column, lang: str) -> str | None:
    """An Excel list validation formula, when the labels fit Excel's 255-character limit."""
    if column.kind == "bool":
        labels = [word("answer_yes", lang), word("answer_no", lang)]
    elif column.kind == "choice" and column.choices:
        labels = [choice.label(lang) for choice in column.choices]
    else:
        return None
    if any("," in label or '"' in label for label in labels):
        return None
    formula = '"' + ",".join(labels) + '"'
    return formula if len(formula) <= 255 else None
