"""Dates and times as people type them in Japan: 2024-04-01, 2024/4/1, 2024年4月1日, 令和6年4月1日,
R6.4.1, Excel serial numbers and real date cells.

Results are (value, problem) where problem is None or (message key, params); nothing raises.
A datetime without an offset is naive: it is in the organisation's own time zone, and the caller
makes it aware.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone

from mamori.tabular.texts import Param

Problem = tuple[str, dict[str, Param]]

# Excel's day 0 in the 1900 date system (the 1900 leap-year bug makes it 1899-12-30, not -31).
EXCEL_EPOCH = date(1899, 12, 30)
MAX_EXCEL_SERIAL = 2_958_465  # 9999-12-31

# Era, first day, last day (inclusive).
ERAS: dict[str, tuple[str, date, date]] = {
    "令和": ("令和", date(2019, 5, 1), date(9999, 12, 31)),
    "平成": ("平成", date(1989, 1, 8), date(2019, 4, 30)),
    "昭和": ("昭和", date(1926, 12, 25), date(1989, 1, 7)),
    "R": ("令和", date(2019, 5, 1), date(9999, 12, 31)),
    "H": ("平成", date(1989, 1, 8), date(2019, 4, 30)),
    "S": ("昭和", date(1926, 12, 25), date(1989, 1, 7)),
}
ERA_EN = {"令和": "Reiwa", "平成": "Heisei", "昭和": "Showa"}

_SEP = r"\s*[-/.]\s*"
_WESTERN = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})")
_KANJI = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_WAREKI = re.compile(
    r"(令和|平成|昭和|R|H|S)\s*(元|\d{1,2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?"
)
_SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?")
# A trailing day of the week, as Japanese calendars print it: 2024/4/1(月)
_WEEKDAY = re.compile(r"\s*[(（]\s*[月火水木金土日]\s*(?:曜日?)?\s*[)）]\s*$")
_TIME = re.compile(
    r"(?:[ T]+|\s*)(?:(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?"
    r"|(\d{1,2})\s*時\s*(?:(\d{1,2})\s*分)?\s*(?:(\d{1,2})\s*秒)?)"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


# Longer than any way of writing a date and time; refusing early keeps every pattern linear.
MAX_DATE_CHARS = 64


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).strip().upper()
    return _WEEKDAY.sub("", folded)


def _make_date(year: int, month: int, day: int, shown: str) -> tuple[date | None, Problem | None]:
    try:
        return date(year, month, day), None
    except ValueError:
        return None, ("no_such_date", {"value": shown})


def _date_part(text: str) -> tuple[date | None, Problem | None, str]:
    """Parse a date at the start of text; return (date, problem, the rest of the text)."""
    for pattern in (_WESTERN, _KANJI):
        found = pattern.match(text)
        if found:
            year, month, day = (int(group) for group in found.groups())
            value, problem = _make_date(year, month, day, found.group(0))
            return value, problem, text[found.end() :]
    found = _WAREKI.match(text)
    if found:
        era_name, year_text, month_text, day_text = found.groups()
        era, first, last = ERAS[era_name]
        era_year = 1 if year_text == "元" else int(year_text)
        value, problem = _make_date(
            first.year + era_year - 1, int(month_text), int(day_text), found.group(0)
        )
        if value is not None and not (first <= value <= last) or era_year == 0:
            era_pair = (era, ERA_EN[era])
            return None, ("bad_wareki", {"era": era_pair, "year": year_text}), ""
        return value, problem, text[found.end() :]
    found = _COMPACT.match(text)
    if found and (len(text) == 8 or not text[8:9].isdigit()):
        year, month, day = (int(group) for group in found.groups())
        value, problem = _make_date(year, month, day, found.group(0))
        return value, problem, text[8:]
    return None, ("bad_date", {}), ""


def _serial(number: float) -> datetime | None:
    if not (1 <= number <= MAX_EXCEL_SERIAL):
        return None
    moment = datetime.combine(EXCEL_EPOCH, time()) + timedelta(days=number)
    # Excel stores times to the millisecond at best; round away float noise.
    return moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1_000_000))


def parse_date(raw: object) -> tuple[date | None, Problem | None]:
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        moment = _serial(float(raw))
        return (moment.date(), None) if moment else (None, ("bad_date", {}))
    if len(str(raw)) > MAX_DATE_CHARS:
        return None, ("bad_date", {})
    text = _fold(str(raw))
    if _SERIAL.fullmatch(text) and len(text) != 8:
        moment = _serial(float(text))
        return (moment.date(), None) if moment else (None, ("bad_date", {}))
    value, problem, rest = _date_part(text)
    if problem is not None:
        return None, problem
    # A date column may receive "2024-04-01 00:00:00" from a database export: the time is dropped.
    if rest.strip() and not _TIME.fullmatch(rest):
        return None, ("bad_date", {})
    return value, None


def parse_datetime(raw: object) -> tuple[datetime | None, Problem | None]:
    if isinstance(raw, datetime):
        return raw, None
    if isinstance(raw, date):
        return datetime.combine(raw, time()), None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        moment = _serial(float(raw))
        return (moment, None) if moment else (None, ("bad_datetime", {}))
    if len(str(raw)) > MAX_DATE_CHARS:
        return None, ("bad_datetime", {})
    text = _fold(str(raw))
    if _SERIAL.fullmatch(text) and len(text) != 8:
        moment = _serial(float(text))
        return (moment, None) if moment else (None, ("bad_datetime", {}))
    day, problem, rest = _date_part(text)
    if problem is not None:
        return None, (problem if problem[0] != "bad_date" else ("bad_datetime", {}))
    assert day is not None
    if not rest.strip():
        return datetime.combine(day, time()), None
    found = _TIME.fullmatch(rest)
    if not found:
        return None, ("bad_datetime", {})
    hour_c, minute_c, second_c, fraction, hour_k, minute_k, second_k, offset = found.groups()
    hour = int(hour_c or hour_k)
    minute = int(minute_c or minute_k or 0)
    second = int(second_c or second_k or 0)
    micro = int((fraction or "0").ljust(6, "0"))
    try:
        moment = datetime.combine(day, time(hour, minute, second, micro))
    except ValueError:
        return None, ("bad_datetime", {})
    if offset:
        zone = UTC if offset == "Z" else _offset(offset)
        if zone is None:
            return None, ("bad_datetime", {})
        moment = moment.replace(tzinfo=zone)
    return moment, None


def _offset(text: str) -> timezone | None:
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def format_date(value: date) -> str:
    return value.isoformat()


def format_datetime(value: datetime) -> str:
    shown = value.strftime("%Y-%m-%d %H:%M")
    if value.second or value.microsecond:
        shown = value.strftime("%Y-%m-%d %H:%M:%S")
        if value.microsecond:
            shown += f".{value.microsecond:06d}"
    offset = value.utcoffset()
    if offset is not None:
        total = int(offset.total_seconds() // 60)
        sign = "-" if total < 0 else "+"
        shown += f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"
    return shown
