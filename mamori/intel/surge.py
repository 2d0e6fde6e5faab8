"""Surge detection and cross-feed de-duplication, as pure functions over feed items.

Handbook §5.1–5.2: when many different sources suddenly talk about the same thing, it is
serious. A surge is at least `min_sources` distinct sources mentioning the same CVE/JVNDB id (or
a watched product name) within `window`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mamori.intel.matching.reasons import reason
from mamori.intel.model import FeedItem

_TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_[a-z]+|ref|source|rss|from)$", re.I)
_TITLE_DROP = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SourcedItem:
    """A feed item together with the feed (source) it came from."""

    source: str
    item: FeedItem


@dataclass(slots=True)
class Surge:
    subject: str  # "CVE-2021-44228", "JVNDB-2023-000001" or a watched product name
    kind: str  # "id" or "product"
    sources: list[str]
    items: list[SourcedItem] = field(default_factory=list)
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    title: dict[str, str] = field(default_factory=dict)


def normalise_link(url: str) -> str:
    """A link with scheme/host case, "www.", tracking parameters, fragment and "/" trimmed."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return url.strip().lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = [
        (k, v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING_PARAMS.match(k)
    ]
    path = parts.path.rstrip("/") or ""
    for suffix in ("/index.html", "/index.htm", "/index.php"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return urllib.parse.urlunsplit(("", host, path, urllib.parse.urlencode(sorted(query)), ""))


def normalise_title(title: str) -> str:
    """Title reduced to lower-case letters and digits (NFKC), for spotting the same article."""
    text = unicodedata.normalize("NFKC", title or "").lower()
    return _TITLE_DROP.sub("", text)


def dedupe(items: Iterable[SourcedItem]) -> list[list[SourcedItem]]:
    """Groups of the same article seen in several feeds (same normalised link or title).

    Groups keep the order in which their first item was seen; each item is in exactly one group.
    Titles shorter than 8 characters are not trusted to identify an article alone.
    """
    groups: list[list[SourcedItem]] = []
    by_key: dict[str, int] = {}
    for sourced in items:
        keys = []
        link = normalise_link(sourced.item.link) if sourced.item.link else ""
        if link:
            keys.append("l:" + link)
        title = normalise_title(sourced.item.title)
        if len(title) >= 8:
            keys.append("t:" + title)
        position = next((by_key[k] for k in keys if k in by_key), None)
        if position is None:
            position = len(groups)
            groups.append([])
        groups[position].append(sourced)
        for key in keys:
            by_key.setdefault(key, position)
    return groups


def _subjects(item: FeedItem, products: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    subjects = [(found, "id") for found in item.ids]
    if products:
        haystack = unicodedata.normalize("NFKC", f"{item.title} {item.summary}").lower()
        for name, needle in products:
            if needle and needle in haystack:
                subjects.append((name, "product"))
    return subjects


def detect_surges(
    items: Iterable[SourcedItem],
    *,
    min_sources: int = 3,
    window: dt.timedelta = dt.timedelta(hours=48),
    products: Iterable[str] = (),
) -> list[Surge]:
    """Subjects mentioned by at least `min_sources` distinct sources within one `window`.

    Items without a date are ignored (they cannot be placed in a window). For each subject the
    window holding the most distinct sources is reported, with its items.
    """
    watched = [
        (name, unicodedata.normalize("NFKC", name).lower().strip()) for name in products if name
    ]
    watched = [(name, needle) for name, needle in watched if len(needle) >= 3]
    by_subject: dict[tuple[str, str], list[SourcedItem]] = {}
    for sourced in items:
        if sourced.item.published is None:
            continue
        for subject in _subjects(sourced.item, watched):
            by_subject.setdefault(subject, []).append(sourced)
    surges: list[Surge] = []
    for (subject, kind), mentions in by_subject.items():
        best = _best_window(mentions, window)
        sources = sorted({m.source for m in best})
        if len(sources) >= max(1, min_sources):
            stamps = [m.item.published for m in best if m.item.published]
            surges.append(
                Surge(
                    subject=subject,
                    kind=kind,
                    sources=sources,
                    items=best,
                    first_seen=min(stamps),
                    last_seen=max(stamps),
                    title=reason("surge", subject=subject, count=str(len(sources))),
                )
            )
    surges.sort(key=lambda s: (-len(s.sources), s.subject))
    return surges


def _best_window(mentions: list[SourcedItem], window: dt.timedelta) -> list[SourcedItem]:
    ordered = sorted(mentions, key=lambda m: m.item.published)  # type: ignore[arg-type, return-value]
    best: list[SourcedItem] = []
    best_count = 0
    counts: dict[str, int] = {}
    start = 0
    for end, mention in enumerate(ordered):
        counts[mention.source] = counts.get(mention.source, 0) + 1
        while ordered[end].item.published - ordered[start].item.published > window:  # type: ignore[operator]
            leaving = ordered[start].source
            counts[leaving] -= 1
            if not counts[leaving]:
                del counts[leaving]
            start += 1
        if len(counts) > best_count:
            best_count = len(counts)
            best = ordered[start : end + 1]
    return best


def watch_hits(
    items: Iterable[SourcedItem], keywords: Iterable[str]
) -> list[tuple[str, SourcedItem]]:
    """(keyword, item) for every item whose title or summary mentions a watched keyword.

    Matching is on NFKC-normalised, case-folded text, so full-width and half-width forms meet;
    keywords shorter than 3 characters are ignored (too many false hits).
    """
    needles = [
        (word, unicodedata.normalize("NFKC", word).casefold().strip()) for word in keywords if word
    ]
    needles = [(word, needle) for word, needle in needles if len(needle) >= 3]
    hits: list[tuple[str, SourcedItem]] = []
    for sourced in items:
        text = unicodedata.normalize(
            "NFKC", f"{sourced.item.title} {sourced.item.summary}"
        ).casefold()
        for word, needle in needles:
            if needle in text:
                hits.append((word, sourced))
    return hits


def timeline(items: Iterable[SourcedItem]) -> list[list[SourcedItem]]:
    """All feeds on one timeline (串刺し): duplicates grouped, newest group first.

    A group is dated by its earliest dated item; undated groups go last, in arrival order.
    """
    groups = dedupe(items)
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)

    def first_date(group: list[SourcedItem]) -> dt.datetime:
        stamps = [s.item.published for s in group if s.item.published is not None]
        return min(stamps) if stamps else floor

    return sorted(groups, key=first_date, reverse=True)
