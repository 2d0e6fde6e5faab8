"""News feeds: RSS 0.9x, RSS 1.0 (RDF), RSS 2.0 and Atom (0.3 and 1.0), parsed with lxml.

Elements are found by local name so that the many namespace spellings seen in the wild (RSS 0.90
Netscape, RSS 1.0 purl, Atom 0.3/1.0, default or prefixed) all work; an element of an extension
namespace (`media:title`, `x:description`) is used only when the core one is absent. Text follows
the element's declared type the way feedparser's test suite defines it: Atom `type="text"` stays
text (escaped markup keeps its words), HTML loses its tags and never its script/style bodies
into a summary, base64 content is decoded, and relative links resolve against `xml:base`.

A feed with an XML error is not lost: HTML entities and stray `&` are repaired, then lxml
recovers what it can, and feedparser (whose loose parser reads some things lxml cannot) is
asked too; whichever saved more entries wins, and `warnings` says the feed was broken.
Bad input never raises: it becomes `FeedResult(error=...)`.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import datetime as dt
import html.entities
import re
from urllib.parse import urljoin

from lxml import etree

from mamori.intel.model import FeedItem, FeedResult
from mamori.intel.parsers.common import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ITEMS,
    MAX_TEXT_CHARS,
    InputError,
    clean_text,
    find_ids,
    local_name,
    namespace,
    parse_date,
    parse_xml,
    recover_xml,
)

MAX_SUMMARY_CHARS = 4_000
MAX_TITLE_CHARS = 1_000
MAX_LINK_CHARS = 2_000
# A date further ahead than this is a producer's clock or zone error: it is clamped to the
# fetch time (otherwise it would sit on top of the timeline for days).
FUTURE_TOLERANCE = dt.timedelta(days=1)

_PUBLISHED_NAMES = ("published", "issued", "pubdate", "date", "created", "updated", "modified")
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_DOCUMENT_URL: contextvars.ContextVar[str] = contextvars.ContextVar("feed_url", default="")
# Namespaces whose elements are the feed formats' own (the empty one included).
_CORE_NS = frozenset(
    {
        "",
        "http://www.w3.org/2005/Atom",
        "http://purl.org/atom/ns#",
        "http://purl.org/rss/1.0/",
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://backend.userland.com/rss2",
        "http://blogs.law.harvard.edu/tech/rss",
        "http://purl.org/dc/elements/1.1/",
        "http://purl.org/dc/terms/",
        "http://purl.org/rss/1.0/modules/content/",
        "http://www.w3.org/1999/xhtml",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    }
)
_HTML_TYPES = ("html", "text/html", "escaped")
_TEXT_TYPES = ("text", "text/plain")
_SKIP_ELEMENTS = frozenset({"script", "style", "noscript", "template"})
_ENTITY_RE = re.compile(rb"&(#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)?")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})


def parse_feed(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_items: int = DEFAULT_MAX_ITEMS,
    now: dt.datetime | None = None,
    url: str = "",
) -> FeedResult:
    """Parse a news feed. Never raises on bad input; `error` says what was wrong.

    `url` is where the feed came from: relative links resolve against it (after xml:base).
    """
    token = _DOCUMENT_URL.set(url)
    try:
        return _parse(data, max_bytes, max_items, now)
    finally:
        _DOCUMENT_URL.reset(token)


def _parse(data: bytes, max_bytes: int, max_items: int, now: dt.datetime | None) -> FeedResult:
    try:
        try:
            root = parse_xml(data, max_bytes=max_bytes)
        except InputError as exc:
            if not str(exc).startswith("malformed XML"):
                raise
            return _parse_broken(data, str(exc), max_bytes, max_items, now)
        return _finish(_parse_root(root, max_items=max_items), now)
    except InputError as exc:
        return FeedResult(error=str(exc))
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:  # last resort
        return FeedResult(error=f"unreadable feed: {type(exc).__name__}")


def _parse_broken(
    data: bytes, message: str, max_bytes: int, max_items: int, now: dt.datetime | None
) -> FeedResult:
    repaired = repair_entities(data)
    if repaired != data:
        try:
            result = _parse_root(parse_xml(repaired, max_bytes=max_bytes), max_items=max_items)
        except InputError:
            pass
        else:
            if result.error is None:
                result.warnings.append("repaired: undefined entities or a bare '&' in the XML")
                return _finish(result, now)
    candidates: list[FeedResult] = []
    root = recover_xml(repaired)
    if root is not None:
        recovered = _parse_root(root, max_items=max_items)
        if recovered.error is None:
            candidates.append(recovered)
    loose = _parse_with_feedparser(data, max_items)
    if loose is not None:
        candidates.append(loose)
    if not candidates or not any(c.items or c.title for c in candidates):
        return FeedResult(error=message)
    best = max(candidates, key=lambda c: (len(c.items), bool(c.title)))  # first wins ties
    best.warnings.insert(0, f"recovered from {message}")
    return _finish(best, now)


def repair_entities(data: bytes) -> bytes:
    """HTML named entities become character references; a bare `&` becomes `&amp;`."""

    def fix(match: re.Match[bytes]) -> bytes:
        ref = match.group(1)
        if ref is None:
            return b"&amp;"
        if ref.startswith(b"#X"):
            return b"&#x" + ref[2:]
        if ref.startswith(b"#"):
            return match.group(0)
        name = ref[:-1]
        if name in _XML_ENTITIES:
            return match.group(0)
        codepoint = html.entities.name2codepoint.get(name.decode("ascii"))
        if codepoint is None:
            return b"&amp;" + ref
        return b"&#%d;" % codepoint

    if b"&" not in data:
        return data
    return _ENTITY_RE.sub(fix, data)


def _parse_with_feedparser(data: bytes, max_items: int) -> FeedResult | None:
    """feedparser's loose reading of a document lxml could not read (entities never expanded)."""
    import feedparser

    try:
        parsed = feedparser.parse(data, resolve_relative_uris=False, sanitize_html=True)
    except Exception:  # noqa: BLE001 - a third-party parser on hostile input: any failure = no result
        return None
    feed = parsed.get("feed") or {}
    result = FeedResult(kind="feedparser")
    result.title = _html_text(feed.get("title", ""), MAX_TITLE_CHARS)
    result.link = str(feed.get("link", ""))[:MAX_LINK_CHARS]
    for entry in (parsed.get("entries") or [])[:max_items]:
        title = _html_text(entry.get("title", ""), MAX_TITLE_CHARS)
        link = str(entry.get("link", ""))[:MAX_LINK_CHARS]
        guid = str(entry.get("id", ""))[:MAX_LINK_CHARS] or link or title
        summary = entry.get("summary", "")
        if not summary and entry.get("content"):
            summary = entry["content"][0].get("value", "")
        stamp = None
        for key in ("published", "updated", "created"):
            stamp = parse_date(entry.get(key))
            if stamp is not None:
                break
        result.items.append(_item(guid, title, link, _html_text(summary, MAX_TEXT_CHARS), stamp))
    return result


def _finish(result: FeedResult, now: dt.datetime | None) -> FeedResult:
    limit = (now or dt.datetime.now(dt.UTC)) + FUTURE_TOLERANCE
    clamped = 0
    for item in result.items:
        if item.published is not None and item.published > limit:
            item.published = limit - FUTURE_TOLERANCE
            clamped += 1
    if clamped:
        result.warnings.append(
            f"future dates: {clamped} item(s) dated more than a day ahead were set to the fetch time"
        )
    return result


def _parse_root(root: etree._Element, *, max_items: int) -> FeedResult:
    name = local_name(root).lower()
    if name == "rss":
        channel = _child(root, "channel")
        if channel is None:  # items straight under <rss>, as some producers write
            channel = root
        items = _children(channel, "item") or _children(root, "item")
        return _collect(channel, items, "rss", max_items, atom=False)
    if name == "rdf":
        channel = _child(root, "channel")
        items = _children(root, "item")
        if channel is not None and not items:
            items = _children(channel, "item")  # some producers nest items in the channel
        return _collect(channel, items, "rdf", max_items, atom=False)
    if name == "feed":
        return _collect(root, _children(root, "entry"), "atom", max_items, atom=True)
    if name == "channel":  # CDF and headless RSS
        return _collect(root, _children(root, "item"), "rss", max_items, atom=False)
    if name == "html":
        return FeedResult(error="this is an HTML page, not a feed")
    return FeedResult(error=f"not a feed: root element <{local_name(root)[:50]}>")


def _collect(
    channel: etree._Element | None,
    items: list[etree._Element],
    kind: str,
    max_items: int,
    *,
    atom: bool,
) -> FeedResult:
    result = FeedResult(kind=kind)
    if channel is not None:
        result.title = _text_of(_child(channel, "title"), atom=atom, limit=MAX_TITLE_CHARS)
        result.link = _atom_link(channel) if atom else _rss_link(channel)
    for element in items[:max_items]:
        result.items.append(_atom_entry(element) if atom else _rss_item(element))
    if len(items) > max_items:
        result.warnings.append(f"too many items: kept the first {max_items} of {len(items)}")
    return result


def _rss_item(item: etree._Element) -> FeedItem:
    title = _text_of(_child(item, "title"), atom=False, limit=MAX_TITLE_CHARS)
    link = _rss_link(item)
    guid_element = _child(item, "guid")
    guid = _plain(guid_element)[:MAX_LINK_CHARS]
    if not link and guid_element is not None and guid.startswith(("http://", "https://")):
        if guid_element.get("isPermaLink", "true").lower() != "false":
            link = guid
    if not guid:
        guid = _rdf_about(item) or link or title
    summary = _first_text(
        item, ("description", "summary", "abstract", "encoded", "body", "fullitem", "content")
    )
    return _item(guid, title, link, summary, _first_date(item))


def _atom_entry(entry: etree._Element) -> FeedItem:
    title = _text_of(_child(entry, "title"), atom=True, limit=MAX_TITLE_CHARS)
    link = _atom_link(entry)
    guid = _plain(_child(entry, "id"))[:MAX_LINK_CHARS] or link or title
    summary = _first_text(entry, ("summary", "content"), atom=True)
    return _item(guid, title, link, summary, _first_date(entry))


def _item(
    guid: str, title: str, link: str, summary: str, published: dt.datetime | None
) -> FeedItem:
    summary = summary[:MAX_SUMMARY_CHARS]
    return FeedItem(
        guid=guid,
        title=title,
        link=link,
        summary=summary,
        published=published,
        ids=find_ids(title, summary, link, guid),
    )


# -- text -------------------------------------------------------------------------------------


def _html_text(value: object, limit: int) -> str:
    return clean_text(value if isinstance(value, str) else "", limit=limit)


def _plain(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _text_of(element: etree._Element | None, *, atom: bool, limit: int = MAX_TEXT_CHARS) -> str:
    """What a reader sees of a text construct, following its declared type and mode."""
    if element is None:
        return ""
    kind = (element.get("type") or "").strip().lower()
    mode = (element.get("mode") or "").strip().lower()
    if len(element):  # inline markup (xhtml, or HTML written unescaped)
        return _inline_text(element)[:limit]
    text = element.text or ""
    is_atom10 = atom and namespace(element) == "http://www.w3.org/2005/Atom"
    if mode == "base64" or (
        is_atom10 and "/" in kind and not kind.startswith("text/") and not kind.endswith("xml")
    ):
        text = _base64(text)
        if not kind or kind in ("application/octet-stream",):
            kind = "text/html"
    if kind in _TEXT_TYPES or (atom and not kind and mode != "escaped"):
        return " ".join(text.split())[:limit]
    return clean_text(text, limit=limit)


def _inline_text(element: etree._Element) -> str:
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and local_name(child).lower() not in _SKIP_ELEMENTS:
                walk(child)
                parts.append(" ")
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return " ".join("".join(parts).split())


def _base64(text: str) -> str:
    try:
        raw = base64.b64decode("".join(text.split()), validate=False)
    except (binascii.Error, ValueError):
        return text
    return raw.decode("utf-8", "replace")


def _first_text(element: etree._Element, names: tuple[str, ...], *, atom: bool = False) -> str:
    for name in names:
        found = _child(element, name)
        if found is not None:
            text = _text_of(found, atom=atom)
            if text:
                return text
    return ""


def _first_date(element: etree._Element) -> dt.datetime | None:
    for name in _PUBLISHED_NAMES:
        found = _child(element, name)
        if found is not None:
            stamp = parse_date(_plain(found))
            if stamp is not None:
                return stamp
    return parse_date(element.get("LASTMOD") or element.get("lastmod"))  # CDF


# -- links ------------------------------------------------------------------------------------


def _base_of(element: etree._Element) -> str:
    """The xml:base in force at an element (nested bases resolved outward-in)."""
    bases: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        value = node.get(f"{_XML_NS}base")
        if value:
            bases.append(value.strip())
        node = node.getparent()
    base = _DOCUMENT_URL.get()
    for value in reversed(bases):
        base = urljoin(base, value) if base else value
    return base


def _resolve(element: etree._Element, href: str) -> str:
    href = href.strip()
    if not href or href.startswith(("http://", "https://")):
        return href[:MAX_LINK_CHARS]
    base = _base_of(element)
    if base:
        try:
            href = urljoin(base, href)
        except ValueError:
            pass
    return href[:MAX_LINK_CHARS]


def _rss_link(element: etree._Element) -> str:
    fallback = ""
    for child in _ordered(element, "link"):
        href = child.get("href")
        if href is not None:  # an atom:link inside RSS
            rel = child.get("rel", "alternate")
            if rel == "alternate" and href.strip():
                return _resolve(child, href)
            continue
        text = _plain(child)
        if text:
            return _resolve(child, text)
    href = element.get("href") or element.get("HREF")  # CDF
    if href:
        return _resolve(element, href)
    return fallback or _rdf_about(element)


def _atom_link(element: etree._Element) -> str:
    fallback = ""
    for child in _ordered(element, "link"):
        href = (child.get("href") or _plain(child)).strip()
        if not href:
            continue
        rel = child.get("rel", "alternate").strip()
        if rel == "alternate":
            return _resolve(child, href)
        fallback = fallback or _resolve(child, href)
    return fallback


def _rdf_about(element: etree._Element) -> str:
    for key, value in element.attrib.items():
        if key.endswith("}about") or key == "about":
            return str(value).strip()[:MAX_LINK_CHARS]
    return ""


# -- element lookup ---------------------------------------------------------------------------


def _lname(element: etree._Element) -> str:
    return local_name(element).lower()


_INDEX_CACHE: dict[int, tuple[etree._Element, dict[str, list[etree._Element]]]] = {}


def _index(element: etree._Element) -> dict[str, list[etree._Element]]:
    """Children by lower-cased local name, core namespaces first (built once per element)."""
    cached = _INDEX_CACHE.get(id(element))
    if cached is not None and cached[0] is element:
        return cached[1]
    core: dict[str, list[etree._Element]] = {}
    other: dict[str, list[etree._Element]] = {}
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag[0] == "{":
            space, _, name = tag[1:].partition("}")
        else:
            space, name = "", tag
        (core if space in _CORE_NS else other).setdefault(name.lower(), []).append(child)
    for name, extra in other.items():
        core.setdefault(name, []).extend(extra)
    if len(_INDEX_CACHE) > 64:
        _INDEX_CACHE.clear()
    _INDEX_CACHE[id(element)] = (element, core)
    return core


def _ordered(element: etree._Element, name: str) -> list[etree._Element]:
    """Children of that local name: core namespaces first, extensions after."""
    return _index(element).get(name, [])


def _child(element: etree._Element, name: str) -> etree._Element | None:
    found = _index(element).get(name)
    return found[0] if found else None


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _lname(child) == name]
