"""Date strings as feeds really write them (no Django).

W3C-DTF / ISO 8601 (full, date-only, year-month, year, ordinal, two-digit years, MSSQL's space
form), RFC 822 and its relatives (no seconds, no time, swapped month and day, long month names,
stray commas, `GMT-01:01`, `Etc/GMT`, asctime, Perforce's `2006/09/15`), and the Greek,
Hungarian and Korean forms feedparser's tests carry. Zone abbreviations include JST/KST and the
US zones; the bare US abbreviations without S/D (ET, CT, MT, PT, AT) follow daylight-saving
rules for the date. A time without a zone is UTC (NVD publishes naive UTC timestamps), except
the Korean forms, which are Korean time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_HOURS = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "etc/gmt": 0, "wet": 0,
    "bst": 1, "cet": 1, "met": 1, "west": 1, "cest": 2, "mest": 2, "eet": 2, "eest": 3,
    "msk": 3, "ist": 5.5, "sgt": 8, "hkt": 8, "awst": 8, "cst8": 8, "jst": 9, "kst": 9,
    "aest": 10, "aedt": 11, "nzst": 12, "nzdt": 13,
    "ast": -4, "adt": -3, "est": -5, "edt": -4, "cst": -6, "cdt": -5,
    "mst": -7, "mdt": -6, "pst": -8, "pdt": -7, "akst": -9, "akdt": -8, "hst": -10,
    "a": -1, "n": 1, "m": -12, "y": 12,
}  # fmt: skip
# Abbreviations that name a region, not a season: the offset depends on the date.
_REGIONS = {
    "et": "America/New_York",
    "ct": "America/Chicago",
    "mt": "America/Denver",
    "pt": "America/Los_Angeles",
    "at": "America/Halifax",
}
_KOREA = dt.timezone(dt.timedelta(hours=9))

_GREEK_MONTHS = {
    "ιαν": "Jan", "φεβ": "Feb", "μάώ": "Mar", "μαώ": "Mar", "μαρ": "Mar", "απρ": "Apr",
    "μάι": "May", "μαϊ": "May", "μαι": "May", "ιούν": "Jun", "ιον": "Jun", "ιούλ": "Jul",
    "ιολ": "Jul", "αύγ": "Aug", "αυγ": "Aug", "σεπ": "Sep", "οκτ": "Oct", "νοέ": "Nov",
    "νοε": "Nov", "δεκ": "Dec",
}  # fmt: skip
_GREEK_DAYS = ("κυρ", "δευ", "τρι", "τετ", "πεμ", "παρ", "σαβ")
_HUNGARIAN_MONTHS = {
    name: f"{number:02d}"
    for number, name in enumerate(
        (
            "január", "február", "március", "április", "május", "június",
            "július", "augusztus", "szeptember", "október", "november", "december",
        ),
        start=1,
    )
}  # fmt: skip

_ZONE = r"(Z|[+-]\d{2}(?::?\d{2})?)"
_W3DTF_RE = re.compile(
    r"^(\d{4})(?:-(\d{2,3})(?:-(\d{2}))?)?"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*" + _ZONE + r"?)?$",
    re.IGNORECASE,
)
_ISO_SHORT_RES = (
    re.compile(r"^(?P<yy>\d{2})-?(?P<month>\d{2})-?(?P<day>\d{2})$"),  # 031231, 03-12-31
    re.compile(r"^-(?P<yy>\d{2})-?(?P<month>\d{2})$"),  # -0312, -03-12
    re.compile(r"^(?P<yy>\d{2})(?P<ordinal>\d{3})$"),  # 03335
    re.compile(r"^(?P<yyyy>\d{4})-?(?P<ordinal>\d{3})$"),  # 2003-335
)
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$")
_NUMERIC_ZONE_RE = re.compile(r"^(?:gmt|utc|ut)?([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_NATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\s+(오전|오후)\s+(\d{1,2}):(\d{2}):(\d{2})$")
_ONBLOG_RE = re.compile(r"^(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일\s+(\d{1,2}):(\d{2}):(\d{2})$")


def parse_date(value: str | None) -> dt.datetime | None:
    """An aware UTC datetime, or None when the text is not a date we can read."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 100:
        return None
    try:
        stamp = _parse(text)
        return stamp.astimezone(dt.UTC) if stamp is not None else None
    except (ValueError, OverflowError, KeyError):
        return None


def _parse(text: str) -> dt.datetime | None:
    if text[0].isdigit() or text[0] == "-":
        parsers = (_w3dtf, _iso_short, _hungarian, _korean, _perforce, _rfc822)
    else:
        parsers = (_rfc822, _perforce, _greek)
    for parser in parsers:
        try:
            stamp = parser(text)
        except (ValueError, OverflowError, KeyError):
            continue
        if stamp is not None:
            return stamp
    return None


@functools.lru_cache(maxsize=256)
def _zone(text: str | None) -> dt.tzinfo | None:
    if not text or text.upper() == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("zone out of range")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _w3dtf(text: str) -> dt.datetime | None:
    # The full form most feeds use ("2024-04-01T10:00:00+09:00") is read by the standard
    # library in C; anything it refuses goes through the pattern below as before.
    if len(text) >= 16 and text[4] == "-" and text[10] in "Tt" and text[:4].isdigit():
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            stamp = None
        if stamp is not None:
            return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)
    match = _W3DTF_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction + "000000")[:6]) if fraction else 0
    return dt.datetime(
        int(year),
        int(month or 1),
        int(day or 1),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        micro,
        tzinfo=_zone(zone),
    )


def _iso_short(text: str) -> dt.datetime | None:
    for pattern in _ISO_SHORT_RES:
        match = pattern.match(text)
        if not match:
            continue
        parts = match.groupdict()
        year = int(parts["yyyy"]) if parts.get("yyyy") else _two_digit_year(int(parts["yy"]))
        if parts.get("ordinal"):
            return dt.datetime(year, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
                days=int(parts["ordinal"]) - 1
            )
        return dt.datetime(year, int(parts["month"]), int(parts.get("day") or 1), tzinfo=dt.UTC)
    return None


def _two_digit_year(year: int) -> int:
    return 2000 + year if year < 90 else 1900 + year


def _rfc822(text: str) -> dt.datetime | None:
    tokens = text.replace(",", " ").split()
    if tokens and tokens[0].rstrip(".").lower()[:3] in (
        "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    ):  # fmt: skip
        tokens = tokens[1:]
    if len(tokens) < 3:
        return None
    # asctime: "Jan 4 16:29:06 2004" / "Jul 15 01:16:00 +0000 2012"
    if tokens[0].lower() in _MONTHS and len(tokens) >= 4 and ":" in tokens[2]:
        tokens = [tokens[1], tokens[0], tokens[-1], tokens[2], *tokens[3:-1]]
    elif tokens[0].lower() in _MONTHS:  # swapped month and day: "Aug 30 2012 17:26:16 +0200"
        tokens = [tokens[1], tokens[0], *tokens[2:]]
    day_text, month_text, year_text, *rest = tokens
    month = _MONTHS.get(month_text.rstrip(".").lower())
    if month is None or not day_text.isdigit() or not year_text.isdigit():
        return None
    year = int(year_text)
    if len(year_text) <= 2:
        year = _two_digit_year(year)
    hour = minute = second = 0
    if rest and ":" in rest[0]:
        time_match = _TIME_RE.match(rest[0])
        if not time_match:
            return None
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
        second = int(time_match.group(3) or 0)
        rest = rest[1:]
    naive = dt.datetime(year, month, int(day_text), hour, minute, second)
    zone_text = "".join(rest).strip()
    return _apply_zone(naive, zone_text)


def _apply_zone(naive: dt.datetime, zone_text: str) -> dt.datetime | None:
    if not zone_text:
        return naive.replace(tzinfo=dt.UTC)
    lowered = zone_text.lower()
    if lowered in _REGIONS:
        return naive.replace(tzinfo=ZoneInfo(_REGIONS[lowered]))
    if lowered in _HOURS:
        return naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=_HOURS[lowered])))
    match = _NUMERIC_ZONE_RE.match(zone_text)
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 23 or minutes > 59:
        return None
    return naive.replace(tzinfo=dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes)))


def _perforce(text: str) -> dt.datetime | None:
    match = re.match(
        r"^(?:\w{3},?\s+)?(\d{4})/(\d{2})/(\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})\s*(\S+)?$", text
    )
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    naive = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    return _apply_zone(naive, zone or "")


def _korean(text: str) -> dt.datetime | None:
    match = _NATE_RE.match(text)
    if match:
        year, month, day, half, hour, minute, second = match.groups()
        hour_value = int(hour) % 12 + (12 if half == "오후" else 0)
        return dt.datetime(
            int(year), int(month), int(day), hour_value, int(minute), int(second), tzinfo=_KOREA
        )
    match = _ONBLOG_RE.match(text)
    if match:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=_KOREA)
    return None


def _greek(text: str) -> dt.datetime | None:
    words = text.replace(",", " , ").split()
    changed = False
    out = []
    for word in words:
        lowered = word.lower()
        if lowered in _GREEK_MONTHS:
            out.append(_GREEK_MONTHS[lowered])
            changed = True
        elif lowered in _GREEK_DAYS:
            changed = True
        else:
            out.append(word)
    return _rfc822(" ".join(w for w in out if w != ",")) if changed else None


def _hungarian(text: str) -> dt.datetime | None:
    match = re.match(r"^(\d{4})-([^\W\d_]+)-(\d{1,2})(.*)$", text)
    if not match or match.group(2).lower() not in _HUNGARIAN_MONTHS:
        return None
    month = _HUNGARIAN_MONTHS[match.group(2).lower()]
    return _w3dtf(f"{match.group(1)}-{month}-{int(match.group(3)):02d}{match.group(4)}")
