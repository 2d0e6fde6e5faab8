"""read_table: an uploaded CSV or Excel file → a preview of typed rows and every problem, each
naming the row as the spreadsheet numbers it (header = row 1, or wherever the header really is)
and the column as the file labels it, in Japanese and English. Nothing is saved here; the
caller imports all rows or none, and only when Preview.ok.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from mamori.tabular.examples import example_values
from mamori.tabular.schema import DEFAULT_LIMITS, Column, Limits, Schema
from mamori.tabular.sources import (
    RawCell,
    Source,
    SourceError,
    column_letter,
    open_csv,
    open_xlsx,
    sniff_format,
)
from mamori.tabular.texts import Param, message, quoted_list
from mamori.tabular.values import as_text, is_blank, parse_cell

MAX_SHOWN_VALUE = 200


@dataclass(frozen=True)
class CellError:
    """One problem. row is None for the file as a whole; column_key is None when no column is
    concerned. Labels are the column's header text in the file (or the schema's labels when the
    column is missing from the file). The messages say what is wrong and what is expected."""

    row: int | None
    column_key: str | None
    column_label_ja: str
    column_label_en: str
    value: str
    message_ja: str
    message_en: str
    code: str = ""
    column_letter: str = ""

    def message(self, lang: str) -> str:
        return self.message_ja if lang == "ja" else self.message_en

    def describe(self, lang: str) -> str:
        """The problem with its place, e.g. 「5 行目・「入社日」列（D 列）: 日付として読めません…」."""
        label = self.column_label_ja if lang == "ja" else self.column_label_en
        place: list[str] = []
        if lang == "ja":
            if self.row is not None:
                place.append(f"{self.row} 行目")
            if self.column_key is not None:
                letter = f"（{self.column_letter} 列）" if self.column_letter else ""
                place.append(f"「{label}」列{letter}")
            prefix = "・".join(place)
            return f"{prefix}: {self.message_ja}" if prefix else self.message_ja
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.column_key is not None:
            letter = f" ({self.column_letter})" if self.column_letter else ""
            place.append(f'column "{label}"{letter}')
        prefix = ", ".join(place)
        return f"{prefix[:1].upper()}{prefix[1:]}: {self.message_en}" if prefix else self.message_en


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ColumnMatch:
    key: str
    header: str  # as written in the file
    index: int  # 0-based position in the file
    letter: str  # as the spreadsheet shows it: A, B, … AA


@dataclass
class Preview:
    rows: list[Row] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    warnings: list[CellError] = field(default_factory=list)
    encoding: str | None = None
    format: str | None = None
    total_rows: int = 0
    columns: list[ColumnMatch] = field(default_factory=list)
    sheet: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    error_count: int = 0  # all errors, also those past the listing cap

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and not self.errors

    @property
    def present_keys(self) -> set[str]:
        """Columns present in the file; a key absent here must not overwrite stored data."""
        return {match.key for match in self.columns}


class _Report:
    """Collects problems, capping the listed errors (every row keeps its own)."""

    def __init__(self, preview: Preview, limits: Limits) -> None:
        self.preview = preview
        self.limits = limits

    def problem(
        self,
        key: str,
        *,
        row: int | None = None,
        match: ColumnMatch | None = None,
        column: Column | None = None,
        value: Any = "",
        warning: bool = False,
        params: dict[str, Param] | None = None,
        texts: tuple[str, str] | None = None,
    ) -> CellError:
        ja, en = texts if texts is not None else message(key, **(params or {}))
        if match is not None:
            label_ja = label_en = match.header
        elif column is not None:
            label_ja, label_en = column.label_ja, column.label_en
        else:
            label_ja = label_en = ""
        shown = (
            ""
            if value is None
            else as_text(value)
            if not isinstance(value, RawCell)
            else value.text
        )
        error = CellError(
            row=row,
            column_key=match.key if match else column.key if column else None,
            column_label_ja=label_ja,
            column_label_en=label_en,
            value=shown[:MAX_SHOWN_VALUE],
            message_ja=ja,
            message_en=en,
            code=key,
            column_letter=match.letter if match else "",
        )
        if warning:
            if len(self.preview.warnings) < self.limits.max_errors:
                self.preview.warnings.append(error)
        else:
            self.preview.error_count += 1
            if len(self.preview.errors) < self.limits.max_errors:
                self.preview.errors.append(error)
        return error

    def finish(self) -> None:
        if self.preview.error_count > len(self.preview.errors):
            ja, en = message(
                "too_many_errors", shown=len(self.preview.errors), count=self.preview.error_count
            )
            self.preview.errors.append(
                CellError(None, None, "", "", "", ja, en, code="too_many_errors")
            )


def read_table(
    data: bytes, filename: str, schema: Schema, *, limits: Limits | None = None
) -> Preview:
    """Read an uploaded CSV or .xlsx file against a schema. Never raises on bad input."""
    limits = limits or DEFAULT_LIMITS
    preview = Preview()
    report = _Report(preview, limits)
    try:
        _read(data, filename, schema, limits, preview, report)
    except SourceError as error:
        report.problem(error.key, params=error.params)
    except Exception:  # a parser failed in a way we did not foresee: still a clear message
        report.problem("unreadable")
    report.finish()
    return preview


def _read(
    data: bytes, filename: str, schema: Schema, limits: Limits, preview: Preview, report: _Report
) -> None:
    started = time.monotonic()
    if not data or not data.strip():
        raise SourceError("file_empty")
    if len(data) > limits.max_file_bytes:
        raise SourceError(
            "file_too_large",
            size_mb=f"{len(data) / 1048576:.1f}",
            limit_mb=f"{limits.max_file_bytes / 1048576:.1f}",
        )
    preview.format = sniff_format(data, filename or "")
    if preview.format == "xlsx":
        source = open_xlsx(data, limits, lambda row: _match_count(schema, row))
    else:
        source = open_csv(data, limits)
    preview.encoding, preview.delimiter, preview.sheet = (
        source.encoding,
        source.delimiter,
        source.sheet,
    )
    if source.sheet_first is False and source.sheet:
        report.problem("sheet_used", warning=True, params={"sheet": source.sheet})
    header_row = _find_header(schema, source, limits)
    preview.header_row = header_row
    header = source.head(header_row)[header_row - 1]
    width = max((i + 1 for i, cell in enumerate(header) if not is_blank(cell)), default=0)
    if width > limits.max_columns:
        raise SourceError("too_many_columns", count=width, limit=limits.max_columns)
    _match_columns(schema, header[:width], header_row, preview, report)
    _read_rows(schema, source, header_row, width, limits, preview, report, started)


def _match_count(schema: Schema, row: list[Any]) -> int:
    return sum(
        1
        for cell in row
        if isinstance(cell, str) and cell.strip() and schema.match_header(cell) is not None
    )


def _find_header(schema: Schema, source: Source, limits: Limits) -> int:
    """The header is the first of the first rows naming a known column (a title row above the
    table is common in Japanese spreadsheets)."""
    head = source.head(limits.header_search_rows)
    if not any(not is_blank(cell) for row in head for cell in row):
        raise SourceError("file_empty")
    for number, row in enumerate(head, start=1):
        if _match_count(schema, row):
            return number
    names = [column.label_ja for column in schema.columns[:3]]
    names_en = [column.label_en for column in schema.columns[:3]]
    raise SourceError("no_header", columns=(quoted_list(names)[0], quoted_list(names_en)[1]))


def _match_columns(
    schema: Schema, header: list[Any], header_row: int, preview: Preview, report: _Report
) -> None:
    seen: dict[str, ColumnMatch] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        if is_blank(cell):
            continue
        text = as_text(cell.text if isinstance(cell, RawCell) else cell).strip()
        column = schema.match_header(text)
        if column is None:
            unknown.append(text)
            continue
        match = ColumnMatch(column.key, text, index, column_letter(index + 1))
        if column.key in seen:
            report.problem(
                "duplicate_header",
                row=header_row,
                match=match,
                value=text,
                params={"column": text, "first": seen[column.key].letter, "second": match.letter},
            )
            continue
        seen[column.key] = match
        preview.columns.append(match)
    known = (
        quoted_list([column.label_ja for column in schema.columns])[0],
        quoted_list([column.label_en for column in schema.columns])[1],
    )
    for text in unknown:
        report.problem(
            "unknown_header",
            row=header_row,
            value=text,
            warning=True,
            params={"header": text[:100], "columns": known},
        )
    for column in schema.columns:
        if column.required and column.key not in seen:
            report.problem(
                "missing_column",
                row=header_row,
                column=column,
                params={"column": (column.label_ja, column.label_en)},
            )
    for group in schema.required_one_of:
        if not any(key in seen for key in group):
            columns = [schema.by_key[key] for key in group]
            report.problem(
                "missing_one_of_columns",
                row=header_row,
                column=columns[0],
                params={"columns": _labels(columns)},
            )


def _labels(columns: list[Column]) -> tuple[str, str]:
    return (
        quoted_list([column.label_ja for column in columns])[0],
        quoted_list([column.label_en for column in columns])[1],
    )


class _MergeFill:
    """Vertically merged cells in the data area: the value of the top cell is read into every
    row of the range (a Japanese spreadsheet habit, e.g. one 部署 cell spanning its staff)."""

    def __init__(self, ranges: list[tuple[int, int, int, int]], header_row: int, width: int):
        self.starts: dict[int, list[tuple[int, int]]] = {}
        self.shown: list[str] = []
        for first_row, first_col, last_row, _last_col in ranges:
            if first_row > header_row and last_row > first_row and first_col <= width:
                self.starts.setdefault(first_row, []).append((first_col, last_row))
        self.active: list[tuple[int, int, Any]] = []

    def apply(self, number: int, cells: list[Any]) -> None:
        if self.active:
            self.active = [entry for entry in self.active if entry[1] >= number]
            for col, _last, value in self.active:
                if col - 1 < len(cells) and is_blank(cells[col - 1]):
                    cells[col - 1] = value
        for col, last in self.starts.get(number, ()):
            if col - 1 < len(cells) and not is_blank(cells[col - 1]):
                self.active.append((col, last, cells[col - 1]))
                if len(self.shown) < 5:
                    self.shown.append(f"{column_letter(col)}{number}:{column_letter(col)}{last}")


def _read_rows(
    schema: Schema,
    source: Source,
    header_row: int,
    width: int,
    limits: Limits,
    preview: Preview,
    report: _Report,
    started: float,
) -> None:
    merge = _MergeFill(source.merged, header_row, width)
    try:
        _scan_rows(schema, source, header_row, width, limits, preview, report, started, merge)
    finally:
        # Also when a cap stops the scan, the rows read so far are counted and merges noted.
        preview.total_rows = len(preview.rows)
        if merge.shown:
            report.problem("merged_cells", warning=True, params={"ranges": ", ".join(merge.shown)})
    if not preview.rows:
        report.problem("only_header")


def _scan_rows(
    schema: Schema,
    source: Source,
    header_row: int,
    width: int,
    limits: Limits,
    preview: Preview,
    report: _Report,
    started: float,
    merge: _MergeFill,
) -> None:
    matches = preview.columns
    columns = [schema.by_key[match.key] for match in matches]
    seen_keys: dict[tuple[str, ...], dict[tuple[Any, ...], int]] = {
        group: {} for group in schema.unique_together
    }
    examples = [example_values(schema, "ja"), example_values(schema, "en")]
    blank_run = 0
    first_data = True
    for number, cells in source.rows(width):
        if number <= header_row:
            continue
        if merge.starts or merge.active:
            merge.apply(number, cells)
        if len(cells) > limits.max_columns and any(not is_blank(c) for c in cells[width:]):
            raise SourceError("too_many_columns", count=len(cells), limit=limits.max_columns)
        if all(is_blank(cell) for cell in cells[:width]):
            blank_run += 1
            if blank_run >= limits.max_blank_rows:
                report.problem(
                    "blank_rows_stop",
                    warning=True,
                    params={"row": number - blank_run + 1, "count": blank_run},
                )
                return
            continue
        blank_run = 0
        if len(preview.rows) >= limits.max_rows:
            raise SourceError("too_many_rows", limit=limits.max_rows, row=number)
        if len(preview.rows) % 256 == 0 and time.monotonic() - started > limits.max_seconds:
            raise SourceError("time_limit", seconds=f"{limits.max_seconds:g}", row=number)
        row = _parse_row(number, cells, matches, columns, limits, report)
        if first_data:
            first_data = False
            # Only a full template row equal to the example is skipped, so that a real first
            # record that happens to share the example name is never dropped.
            if (
                not row.errors
                and len(matches) == len(schema.columns)
                and any(
                    all(row.values.get(m.key) == example[m.key] for m in matches)
                    for example in examples
                )
            ):
                report.problem("example_row_skipped", row=number, warning=True)
                continue
        _run_row_checks(schema, row, matches, report)
        _check_one_of(schema, row, matches, report)
        _check_duplicates(schema, row, matches, seen_keys, report)
        preview.rows.append(row)


def _parse_row(
    number: int,
    cells: list[Any],
    matches: list[ColumnMatch],
    columns: list[Column],
    limits: Limits,
    report: _Report,
) -> Row:
    row = Row(number, {})
    for match, column in zip(matches, columns, strict=True):
        raw = cells[match.index] if match.index < len(cells) else None
        if isinstance(raw, RawCell):
            key = "formula_cell" if raw.kind == "formula" else "error_cell"
            row.errors.append(
                report.problem(
                    key, row=number, match=match, value=raw, params={"value": raw.text[:50]}
                )
            )
            row.values[column.key] = None
            continue
        if isinstance(raw, str) and len(raw) > limits.max_cell_chars:
            row.errors.append(
                report.problem(
                    "cell_too_long",
                    row=number,
                    match=match,
                    value=raw[:MAX_SHOWN_VALUE],
                    params={"length": len(raw), "limit": limits.max_cell_chars},
                )
            )
            row.values[column.key] = None
            continue
        if is_blank(raw):
            row.values[column.key] = [] if column.kind == "list" else None
            if column.required:
                row.errors.append(report.problem("required", row=number, match=match))
            continue
        parsed = parse_cell(column, raw)
        if parsed.problem is not None:
            key, params = parsed.problem
            row.errors.append(
                report.problem(key, row=number, match=match, value=raw, params=params)
            )
            row.values[column.key] = None
            continue
        if column.required and parsed.value in (None, "", []):
            row.errors.append(report.problem("required", row=number, match=match, value=raw))
        if parsed.formula_prefix:
            shown = (
                repr(parsed.formula_prefix)[1:-1]
                if parsed.formula_prefix in "\t\r\n"
                else parsed.formula_prefix
            )
            report.problem(
                "formula_like",
                row=number,
                match=match,
                value=raw,
                warning=True,
                params={"prefix": shown},
            )
        row.values[column.key] = parsed.value
    return row


def _run_row_checks(schema: Schema, row: Row, matches: list[ColumnMatch], report: _Report) -> None:
    if not schema.row_checks:
        return
    by_key = {match.key: match for match in matches}
    failed = {error.column_key for error in row.errors}
    for check in schema.row_checks:
        reads = getattr(check, "keys", ())
        if any(key in failed for key in reads):
            continue  # the cell already has its own error
        for problem in check(row.values):
            match = by_key.get(problem.column_key)
            if match is None:
                continue
            row.errors.append(
                report.problem(
                    "row_check",
                    row=row.number,
                    match=match,
                    value=row.values.get(problem.column_key),
                    texts=(problem.message_ja, problem.message_en),
                )
            )


def _check_one_of(schema: Schema, row: Row, matches: list[ColumnMatch], report: _Report) -> None:
    by_key = {match.key: match for match in matches}
    for group in schema.required_one_of:
        present = [by_key[key] for key in group if key in by_key]
        if present and all(row.values.get(match.key) in (None, "", []) for match in present):
            if any(error.column_key in group for error in row.errors):
                continue  # the cell already has its own error
            columns = [schema.by_key[key] for key in group]
            row.errors.append(
                report.problem(
                    "required_one_of",
                    row=row.number,
                    match=present[0],
                    params={"columns": _labels(columns)},
                )
            )


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.casefold().split())
    if isinstance(value, list):
        return tuple(_comparable(item) for item in value)
    return value


def _check_duplicates(
    schema: Schema,
    row: Row,
    matches: list[ColumnMatch],
    seen_keys: dict[tuple[str, ...], dict[tuple[Any, ...], int]],
    report: _Report,
) -> None:
    by_key = {match.key: match for match in matches}
    for group, seen in seen_keys.items():
        if not all(key in by_key for key in group):
            continue
        values = [row.values.get(key) for key in group]
        if any(value in (None, "", []) for value in values):
            continue
        if any(error.column_key in group for error in row.errors):
            continue
        key = tuple(_comparable(value) for value in values)
        first = seen.get(key)
        if first is None:
            seen[key] = row.number
            continue
        labels = [by_key[name].header for name in group]
        row.errors.append(
            report.problem(
                "duplicate_row",
                row=row.number,
                match=by_key[group[0]],
                value=" / ".join(
                    as_text(value) if not isinstance(value, list) else "; ".join(value)
                    for value in values
                ),
                params={"first": first, "columns": quoted_list(labels)},
            )
        )
