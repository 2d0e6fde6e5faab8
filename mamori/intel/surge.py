"""Surge detection and cross-feed de-duplication, as pure functions over feed items.

Handbook §5.1–5.2: when many different sources suddenly talk about the same thing, it is
serious. A surge is at least `min_sources` distinct sources mentioning the same CVE/JVNDB id (or
a watched product name) within `window`. A topic surge (`detect_topic_surges`) is the same for a
rare term — a malware, product or campaign name such as "Emotet" or 「エモテット」 — that several
sources start using at once: the term must have been (nearly) absent from the sources'
earlier items (the baseline), so everyday words never qualify.
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


# Terms: a capitalised or mixed-case Latin word of 4+ characters ("Emotet", "MOVEit",
# "LockBit", "Log4Shell"), or a katakana run of 3+ characters (「エモテット」).
_LATIN_TERM_RE = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)(?![\w-])")
_KATAKANA_TERM_RE = re.compile(r"[\u30a1-\u30fa\u30fc]{3,}")
_TERM_STOPWORDS = frozenset(
    """
    about after also attack attacks alert alerts april august available advisory advisories
    because before being code could critical cyber data december details does during each
    exploit exploited february fixed from have information issue issues january july june
    latest march malware more multiple news newsletter november october other patch patches
    please press product products ransomware release released report reports researchers
    security september service services some software still support system systems than that
    their there these they this threat threats through today under update updates used users
    using version versions vulnerability vulnerabilities week weekly what when which while
    will with within would year
    """.split()
) | frozenset(
    (
        "セキュリティ", "アップデート", "ソフトウェア", "サービス", "ユーザー", "ユーザ",
        "システム", "パスワード", "メール", "サイト", "アクセス", "ウイルス", "インターネット",
        "ネットワーク", "サーバー", "サーバ", "ファイル", "データ", "バージョン", "プログラム",
        "アプリ", "アプリケーション", "ページ", "ウェブ", "ウェブサイト", "ホームページ",
        "ベンダー", "ベンダ", "リリース", "レポート", "ニュース", "セミナー", "イベント",
        "サイバー", "インシデント", "リスク", "ガイドライン", "マルウェア", "ランサムウェア",
        "フィッシング", "クラウド", "デバイス", "コンピュータ", "コンピューター", "テクノロジー",
    )
)  # fmt: skip
MIN_BASELINE_ITEMS = 50  # without enough history, nothing can be called rare


def topic_terms(text: str) -> dict[str, str]:
    """{folded term: display form} of the candidate topic terms in a text."""
    normalised = unicodedata.normalize("NFKC", text or "")
    found: dict[str, str] = {}
    for match in _LATIN_TERM_RE.finditer(normalised):
        word = match.group(1)
        if len(word) < 4 or (word.isupper() and len(word) < 5):
            continue  # short acronyms (CISA, NISC) are sources more than topics
        if not (word[0].isupper() or any(c.isupper() for c in word[1:])):
            continue
        folded = word.casefold()
        if folded in _TERM_STOPWORDS or folded.startswith(("cve-", "jvndb-", "jvn")):
            continue
        found.setdefault(folded, word)
    for match in _KATAKANA_TERM_RE.finditer(normalised):
        word = match.group(0)
        if word not in _TERM_STOPWORDS:
            found.setdefault(word, word)
    return found


def detect_topic_surges(
    items: Iterable[SourcedItem],
    baseline: Iterable[SourcedItem],
    *,
    min_sources: int = 3,
    window: dt.timedelta = dt.timedelta(hours=48),
    exclude: Iterable[str] = (),
) -> list[Surge]:
    """Rare terms that at least `min_sources` distinct sources started using within a window.

    `baseline` holds the sources' earlier items; a term any of its items used from two or more
    sources, or in more than 1% of them, is not rare. With fewer than MIN_BASELINE_ITEMS
    earlier items nothing is reported (a new installation has no history to compare with).
    `exclude` lists subjects already reported (ids, watched products).
    """
    history = list(baseline)
    if len(history) < MIN_BASELINE_ITEMS:
        return []
    seen_sources: dict[str, set[str]] = {}
    seen_items: dict[str, int] = {}
    for sourced in history:
        for term in topic_terms(f"{sourced.item.title} {sourced.item.summary}"):
            seen_sources.setdefault(term, set()).add(sourced.source)
            seen_items[term] = seen_items.get(term, 0) + 1
    common_limit = max(1, len(history) // 100)
    skip = {unicodedata.normalize("NFKC", e).casefold() for e in exclude}
    by_term: dict[str, list[SourcedItem]] = {}
    display: dict[str, str] = {}
    for sourced in items:
        if sourced.item.published is None:
            continue
        for term, shown in topic_terms(f"{sourced.item.title} {sourced.item.summary}").items():
            if term in skip:
                continue
            if len(seen_sources.get(term, ())) >= 2 or seen_items.get(term, 0) > common_limit:
                continue
            by_term.setdefault(term, []).append(sourced)
            display.setdefault(term, shown)
    surges: list[Surge] = []
    for term, mentions in by_term.items():
        best = _best_window(mentions, window)
        sources = sorted({m.source for m in best})
        if len(sources) < max(2, min_sources):
            continue
        stamps = [m.item.published for m in best if m.item.published]
        subject = display[term]
        surges.append(
            Surge(
                subject=subject,
                kind="topic",
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
