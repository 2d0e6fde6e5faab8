"""One cell → one typed value, by the column's kind. Nothing raises: a bad cell gives a problem
(message key and parameters) that the reader turns into a bilingual error naming row and column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from mamori.tabular.dates import Problem, parse_date, parse_datetime
from mamori.tabular.schema import Column
from mamori.tabular.texts import quoted_list

# A text starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets
# (tab and CR too, as some importers strip them and then see "="). Full-width forms are
# included because Japanese input methods produce them and some spreadsheets fold them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
# The writer puts this in front of formula-like text; the reader removes it again.
PROTECT_QUOTE = "'"

TRUE_WORDS = frozenset(
    {
        "はい",
        "有",
        "有り",
        "あり",
        "○",
        "〇",
        "◯",
        "✓",
        "✔",
        "☑",
        "yes",
        "y",
        "true",
        "t",
        "1",
        "on",
    }
)
FALSE_WORDS = frozenset(
    {"いいえ", "無", "無し", "なし", "×", "✗", "✕", "☐", "no", "n", "false", "f", "0", "off"}
)
_BLANK_WORDS = frozenset({"空欄", "-", "ー", "―", "不明", "n/a"})

_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]{2,}")
_HOSTLIKE = re.compile(r"[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#].*)?", re.UNICODE)
_INT = re.compile(r"[+-]?\d{1,18}")
_STRIP = " \t\r\n\u3000\u00a0\ufeff"
MAX_EMAIL_CHARS = 254
MAX_URL_CHARS = 2048


@dataclass(frozen=True)
class Parsed:
    value: Any = None
    problem: Problem | None = None
    formula_prefix: str = ""  # set when a text cell looks like a formula (a warning, not an error)


def formula_prefix(text: str) -> str:
    return text[0] if text.startswith(FORMULA_PREFIXES) else ""


def unprotect(text: str) -> tuple[str, bool]:
    """Remove the quote the writer adds in front of formula-like text (or in front of a text that
    itself starts with a quote), so that export → import gives back the same value."""
    if text.startswith(PROTECT_QUOTE) and text[1:].startswith((*FORMULA_PREFIXES, PROTECT_QUOTE)):
        return text[1:], True
    return text, False


def protect(text: str) -> str:
    """Make a text inert in spreadsheets: a leading quote before formula-like text (and before a
    leading quote, so unprotect() is its exact inverse)."""
    if text.startswith((*FORMULA_PREFIXES, PROTECT_QUOTE)):
        return PROTECT_QUOTE + text
    return text


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip(_STRIP))


def as_text(raw: object) -> str:
    """A non-text cell (a number or date typed into a text column) as the text Excel shows."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == time() else raw.isoformat(sep=" ")
    if isinstance(raw, date | time):
        return raw.isoformat()
    if isinstance(raw, timedelta):
        return str(raw)
    return str(raw)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip(_STRIP).casefold()


def parse_bool(raw: object) -> Parsed:
    if isinstance(raw, bool):
        return Parsed(raw)
    if isinstance(raw, int | float) and raw in (0, 1):
        return Parsed(bool(raw))
    word = _fold(as_text(raw))
    if word in TRUE_WORDS:
        return Parsed(True)
    if word in FALSE_WORDS:
        return Parsed(False)
    if word in _BLANK_WORDS:
        return Parsed(None)
    return Parsed(problem=("bad_bool", {}))


def parse_int(raw: object) -> Parsed:
    if isinstance(raw, bool):
        return Parsed(problem=("bad_int", {}))
    if isinstance(raw, int):
        return Parsed(raw)
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 1e18:
            return Parsed(int(raw))
        return Parsed(problem=("bad_int", {}))
    text = _fold(as_text(raw)).replace(",", "")
    if _INT.fullmatch(text):
        return Parsed(int(text))
    # "12.0" from a spreadsheet that stored a whole number as a decimal
    if re.fullmatch(r"[+-]?\d{1,18}\.0+", text):
        return Parsed(int(text.split(".")[0]))
    return Parsed(problem=("bad_int", {}))


def parse_email(raw: object) -> Parsed:
    text = unicodedata.normalize("NFKC", as_text(raw)).strip(_STRIP)
    if text.casefold().startswith("mailto:"):
        text = text[7:]
    if len(text) > MAX_EMAIL_CHARS or not _EMAIL.fullmatch(text):
        return Parsed(problem=("bad_email", {}))
    local, _, domain = text.rpartition("@")
    return Parsed(f"{local}@{domain.lower()}")


def parse_url(raw: object) -> Parsed:
    text = as_text(raw).strip(_STRIP)
    if len(text) > MAX_URL_CHARS or any(ch.isspace() for ch in text):
        return Parsed(problem=("bad_url", {}))
    lowered = text.lower()
    if not lowered.startswith(("http://", "https://")):
        if "://" in text or not _HOSTLIKE.fullmatch(text):
            return Parsed(problem=("bad_url", {}))
        # "www.example.co.jp" without a scheme: the site is meant.
        text = "https://" + text
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return Parsed(problem=("bad_url", {}))
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return Parsed(problem=("bad_url", {}))
    return Parsed(text)


def parse_choice(column: Column, raw: object) -> Parsed:
    text = as_text(raw).strip(_STRIP)
    found = column.match_choice(text)
    if found is None:
        return Parsed(
            problem=("bad_choice", {"value": text[:100], "choices": _choice_list(column)})
        )
    return Parsed(found.value)


def _choice_list(column: Column) -> tuple[str, str]:
    choices = column.choices or ()
    return (
        quoted_list([choice.label_ja for choice in choices])[0],
        quoted_list([choice.label_en for choice in choices])[1],
    )


def split_list(column: Column, text: str) -> list[str]:
    parts = [text]
    for separator in column.separators:
        parts = [piece for part in parts for piece in part.split(separator)]
    return [item for item in (part.strip(_STRIP) for part in parts) if item]


def parse_list(column: Column, raw: object) -> Parsed:
    text, prefix = _text_with_prefix(as_text(raw))
    items = split_list(column, text)
    values: list[str] = []
    for item in items:
        if column.max_length is not None and len(item) > column.max_length:
            return Parsed(
                problem=(
                    "item_too_long",
                    {"item": item[:40], "length": len(item), "limit": column.max_length},
                )
            )
        if column.choices:
            found = column.match_choice(item)
            if found is None:
                return Parsed(
                    problem=("bad_choice", {"value": item[:100], "choices": _choice_list(column)})
                )
            values.append(found.value)
        else:
            values.append(item)
    return Parsed(values, formula_prefix="" if column.choices else prefix)


def _text_with_prefix(raw_text: str) -> tuple[str, str]:
    text, was_protected = unprotect(raw_text)
    return text, "" if was_protected else formula_prefix(raw_text)


def parse_text(column: Column, raw: object) -> Parsed:
    text, prefix = _text_with_prefix(as_text(raw))
    text = text.strip(_STRIP)
    if column.max_length is not None and len(text) > column.max_length:
        return Parsed(problem=("too_long", {"length": len(text), "limit": column.max_length}))
    return Parsed(text, formula_prefix=prefix)


def parse_cell(column: Column, raw: object) -> Parsed:
    """The typed value of one non-blank cell."""
    kind = column.kind
    if isinstance(raw, str) and kind not in ("text", "list") and raw.startswith(PROTECT_QUOTE):
        # A leading quote only marks "this is text" (Excel habit, or our export's protection);
        # it is never part of a date, number, address or choice.
        raw = raw[1:]
    if kind == "text":
        return parse_text(column, raw)
    if kind == "date":
        value, problem = parse_date(raw)
        return Parsed(value, problem)
    if kind == "datetime":
        moment, problem = parse_datetime(raw)
        return Parsed(moment, problem)
    if kind == "bool":
        return parse_bool(raw)
    if kind == "int":
        return parse_int(raw)
    if kind == "email":
        return parse_email(raw)
    if kind == "url":
        return parse_url(raw)
    if kind == "choice":
        return parse_choice(column, raw)
    return parse_list(column, raw)
