"""Bytes → rows of raw cells: format sniffing, CSV encodings and delimiters, xlsx with zip-bomb
checks done before openpyxl sees the file.

Problems are raised as SourceError (a message key and parameters) and turned into a bilingual
error by the reader; any other exception from a parser is caught there too.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mamori.tabular.schema import Limits
from mamori.tabular.texts import Param

Cells = list[Any]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# Binary formats people pick by mistake, named in the error.
OTHER_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "7z"),
    (b"Rar!", "RAR"),
    (b"{\\rtf", "RTF"),
)
XLSX_NAMES = (".xlsx", ".xlsm", ".xltx", ".xltm")
DELIMITERS = (",", "\t", ";")
_SEP_HINT = re.compile(r'"?sep=([,;\t|])"?\r?\n', re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MERGE_REF = re.compile(
    rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})\""
)


class SourceError(Exception):
    def __init__(self, key: str, **params: Param) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class RawCell:
    """A cell that is not a plain value: a formula or an Excel error such as #N/A."""

    kind: str  # "formula" | "error"
    text: str


@dataclass
class Source:
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheet_first: bool | None = None  # xlsx: whether the sheet read is the workbook's first
    # (first row, first column, last row, last column), 1-based, from the sheet's mergeCells
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    _head: list[Cells] = field(default_factory=list)
    _rows: Callable[[int], Iterator[tuple[int, Cells]]] | None = None

    def head(self, count: int) -> list[Cells]:
        """The first rows, to find the header in (row n is head[n - 1])."""
        return self._head[:count]

    def rows(self, width: int) -> Iterator[tuple[int, Cells]]:
        """Every row, numbered as the spreadsheet shows it, at most `width` cells wide."""
        if self._rows is None:
            return iter(())
        return self._rows(width)


def sniff_format(data: bytes, filename: str) -> str:
    """'xlsx' or 'csv', or SourceError for anything else."""
    lower = filename.lower()
    if data.startswith(ZIP_MAGICS):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        raise SourceError(_ole_kind(data))
    for magic, name in OTHER_MAGICS:
        if data.startswith(magic):
            raise SourceError("not_table", what=name)
    if lower.endswith(XLSX_NAMES):
        raise SourceError("xlsx_broken")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table")):
        raise SourceError("not_table", what="HTML/XML")
    return "csv"


def _ole_kind(data: bytes) -> str:
    """An OLE2 file is an old .xls, a password-protected .xlsx, or another Office 97 file."""
    try:
        import olefile

        with olefile.OleFileIO(data) as ole:
            if ole.exists("EncryptedPackage"):
                return "xlsx_encrypted"
            if ole.exists("Workbook") or ole.exists("Book"):
                return "xls_binary"
    except Exception:  # noqa: S110 - a damaged OLE file is still an old Office file
        pass
    return "xls_binary"


# --- CSV ---------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Decode strictly, trying a sensible order; return (text, encoding name)."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _strict(data, "utf-32")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16")
    guessed = _utf16_without_bom(data)
    if guessed:
        return _strict(data, guessed)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x1b$" in text:  # ISO-2022-JP escape sequences (old mail-era CSV)
            try:
                return data.decode("iso2022_jp"), "iso2022_jp"
            except UnicodeDecodeError:
                pass
        return text, "utf-8"
    decoded: list[tuple[str, str]] = []
    for encoding in ("cp932", "euc_jp"):
        try:
            decoded.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    if not decoded:
        raise SourceError("encoding_unknown")
    # EUC-JP bytes often also decode as cp932 (as half-width katakana); prefer the reading
    # that looks more like Japanese text.
    return max(decoded, key=lambda pair: _japanese_score(pair[0]))


def _strict(data: bytes, encoding: str) -> tuple[str, str]:
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        raise SourceError("encoding_unknown") from error


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:400]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.4 and even_nuls < half * 0.1:
        return "utf-16-le"
    if even_nuls > half * 0.4 and odd_nuls < half * 0.1:
        return "utf-16-be"
    return None


def _japanese_score(text: str) -> int:
    score = 0
    for char in text[:20_000]:
        code = ord(char)
        if 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF:
            score += 2
        elif 0xFF61 <= code <= 0xFF9F or 0xE000 <= code <= 0xF8FF:
            score -= 2  # half-width katakana, private use: typical of a wrong guess
        elif code < 0x80:
            score += 0
        else:
            score -= 1
    return score


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first non-empty line, counting only outside quotes."""
    line = next((part for part in text[:65_536].splitlines() if part.strip()), "")
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def open_csv(data: bytes, limits: Limits) -> Source:
    text, encoding = decode(data)
    text = text.lstrip("\ufeff").rstrip("\x1a")  # a stray BOM; DOS end-of-file mark
    if not text.strip():
        raise SourceError("file_empty")
    controls = len(_CONTROL.findall(text[:200_000]))
    if "\x00" in text or controls > max(10, len(text[:200_000]) // 100):
        raise SourceError("binary_text")
    hint = _SEP_HINT.match(text)
    if hint:
        # Excel's "sep=;" first line names the delimiter; Excel hides the line, so the rows
        # keep the numbers the user sees.
        delimiter, text = hint.group(1), text[hint.end() :]
    else:
        delimiter = sniff_delimiter(text)
    source = Source(format="csv", encoding=encoding, delimiter=delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    head: list[Cells] = []
    number = 0
    try:
        for record in reader:
            number += 1
            head.append(record)
            if number >= limits.header_search_rows:
                break
    except csv.Error as error:
        raise SourceError("csv_broken", row=number + 1, detail=str(error)[:100]) from error
    source._head = head

    def rows(width: int) -> Iterator[tuple[int, Cells]]:
        yield from enumerate(head, start=1)
        current = len(head)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise SourceError("csv_broken", row=current + 1, detail=str(error)[:100]) from error
            current += 1
            yield current, record

    source._rows = rows
    return source


# --- xlsx --------------------------------------------------------------------------------------


def check_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open the archive and refuse it before any decompression if it is a bomb or not xlsx."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise SourceError("xlsx_broken") from error
    if len(infos) > limits.max_zip_entries:
        raise SourceError("zip_too_many_entries", count=len(infos), limit=limits.max_zip_entries)
    total = sum(info.file_size for info in infos)
    if total > limits.max_xlsx_uncompressed:
        raise SourceError(
            "zip_too_large",
            size_mb=_mb(total),
            limit_mb=_mb(limits.max_xlsx_uncompressed),
        )
    packed = sum(info.compress_size for info in infos)
    if total > 16 * 1024 * 1024 and total > packed * limits.max_zip_ratio:
        raise SourceError("zip_ratio", ratio=total // max(packed, 1))
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        if "mimetype" in names and b"spreadsheet" in _read_small(archive, "mimetype"):
            raise SourceError("ods_file")
        what = (
            "Word"
            if "word/document.xml" in names
            else "PowerPoint"
            if "ppt/presentation.xml" in names
            else "zip"
        )
        raise SourceError("not_table", what=what)
    return archive


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        with archive.open(name) as handle:
            return handle.read(200)
    except Exception:
        return b""


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (ord(char) - 64)
    return number


def column_letter(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def merged_ranges(
    archive: zipfile.ZipFile, part: str, cap: int = 10_000
) -> list[tuple[int, int, int, int]]:
    """mergeCells of one sheet part, read with a pattern (read-only openpyxl skips them)."""
    found: list[tuple[int, int, int, int]] = []
    try:
        with archive.open(part) as handle:
            tail = b""
            while len(found) < cap:
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                window = tail + chunk
                last_end = 0
                for match in _MERGE_REF.finditer(window):
                    c1, r1, c2, r2 = match.groups()
                    found.append(
                        (int(r1), column_number(c1.decode()), int(r2), column_number(c2.decode()))
                    )
                    last_end = match.end()
                tail = window[max(last_end, len(window) - 300) :]
    except Exception:
        return found
    return found


def open_xlsx(data: bytes, limits: Limits, match_count: Any) -> Source:
    """Open with openpyxl (read-only, formulas kept) after the zip checks, pick the sheet whose
    first rows best match the schema (match_count(row) → number of known headers)."""
    archive = check_zip(data, limits)
    import openpyxl

    try:
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception as error:
        raise SourceError("xlsx_broken") from error
    sheets = list(book.worksheets)
    if not sheets:
        raise SourceError("no_sheet")
    chosen = None
    chosen_head: list[Cells] = []
    for sheet in sheets[: limits.max_sheets_scanned]:
        sheet.reset_dimensions()  # a lying <dimension> must not pad or cut the rows
        head = _xlsx_head(sheet, limits)
        if chosen is None:
            chosen, chosen_head = sheet, head
        if any(match_count(row) for row in head):
            chosen, chosen_head = sheet, head
            break
    assert chosen is not None
    source = Source(format="xlsx", sheet=chosen.title, sheet_first=chosen is sheets[0])
    source._head = chosen_head
    part = getattr(chosen, "_worksheet_path", None)
    if isinstance(part, str):
        source.merged = merged_ranges(archive, part)

    def rows(width: int) -> Iterator[tuple[int, Cells]]:
        number = 0
        try:
            for number, row in enumerate(chosen.iter_rows(min_row=1, max_col=max(width, 1)), 1):
                yield number, [_cell_value(cell) for cell in row]
        except SourceError:
            raise
        except Exception as error:
            raise SourceError("xlsx_broken_at", row=number + 1) from error

    source._rows = rows
    return source


def _xlsx_head(sheet: Any, limits: Limits) -> list[Cells]:
    head: list[Cells] = []
    try:
        for row in sheet.iter_rows(
            min_row=1, max_row=limits.header_search_rows, max_col=limits.max_columns + 1
        ):
            head.append([_cell_value(cell) for cell in row])
    except Exception as error:
        raise SourceError("xlsx_broken_at", row=len(head) + 1) from error
    return head


def _cell_value(cell: Any) -> Any:
    value = cell.value
    if value is None:
        return None
    data_type = getattr(cell, "data_type", "n")
    if data_type == "f":
        return RawCell("formula", str(value))
    if data_type == "e":
        return RawCell("error", str(value))
    return value
