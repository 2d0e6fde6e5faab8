"""News feeds: RSS 0.9x, RSS 1.0 (RDF), RSS 2.0 and Atom (0.3 and 1.0), parsed with lxml.

Elements are found by local name so that the many namespace spellings seen in the wild (RSS 0.90
Netscape, RSS 1.0 purl, Atom 0.3/1.0, default or prefixed) all work. Bad input never raises: it
becomes `FeedResult(error=...)`.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from mamori.intel.model import FeedItem, FeedResult
from mamori.intel.parsers.common import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ITEMS,
    InputError,
    clean_text,
    element_text,
    find_ids,
    local_name,
    parse_date,
    parse_xml,
)

MAX_SUMMARY_CHARS = 4_000
MAX_TITLE_CHARS = 1_000
MAX_LINK_CHARS = 2_000

_DATE_NAMES = ("published", "issued", "pubDate", "date", "updated", "modified", "created")


def parse_feed(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> FeedResult:
    """Parse a news feed. Never raises on bad input; `error` says what was wrong."""
    try:
        root = parse_xml(data, max_bytes=max_bytes)
        return _parse_root(root, max_items=max_items)
    except InputError as exc:
        return FeedResult(error=str(exc))
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:  # last resort
        return FeedResult(error=f"unreadable feed: {type(exc).__name__}")


def _parse_root(root: etree._Element, *, max_items: int) -> FeedResult:
    name = local_name(root).lower()
    if name == "rss":
        channel = _child(root, "channel")
        if channel is None:
            return FeedResult(error="RSS document without a <channel>")
        return _collect(channel, _children(channel, "item"), "rss", max_items, atom=False)
    if name == "rdf":
        channel = _child(root, "channel")
        items = _children(root, "item")
        if channel is not None and not items:
            items = _children(channel, "item")  # some producers nest items in the channel
        return _collect(channel, items, "rdf", max_items, atom=False)
    if name == "feed":
        return _collect(root, _children(root, "entry"), "atom", max_items, atom=True)
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
        result.title = clean_text(element_text(_child(channel, "title")), limit=MAX_TITLE_CHARS)
        result.link = _atom_link(channel) if atom else _rss_link(channel)
    for element in items[:max_items]:
        result.items.append(_atom_entry(element) if atom else _rss_item(element))
    if len(items) > max_items:
        result.warnings.append(f"too many items: kept the first {max_items} of {len(items)}")
    return result


def _rss_item(item: etree._Element) -> FeedItem:
    title = clean_text(element_text(_child(item, "title")), limit=MAX_TITLE_CHARS)
    link = _rss_link(item)
    guid_element = _child(item, "guid")
    guid = element_text(guid_element)[:MAX_LINK_CHARS]
    if not link and guid_element is not None and guid.startswith(("http://", "https://")):
        if guid_element.get("isPermaLink", "true").lower() != "false":
            link = guid
    if not guid:
        guid = _rdf_about(item) or link or title
    summary = _first_text(item, ("description", "summary", "encoded", "content"))
    return _item(guid, title, link, summary, _first_date(item))


def _atom_entry(entry: etree._Element) -> FeedItem:
    title = clean_text(element_text(_child(entry, "title")), limit=MAX_TITLE_CHARS)
    link = _atom_link(entry)
    guid = element_text(_child(entry, "id"))[:MAX_LINK_CHARS] or link or title
    summary = _first_text(entry, ("summary", "content"))
    return _item(guid, title, link, summary, _first_date(entry))


def _item(
    guid: str, title: str, link: str, summary: str, published: dt.datetime | None
) -> FeedItem:
    summary = clean_text(summary, limit=MAX_SUMMARY_CHARS)
    return FeedItem(
        guid=guid,
        title=title,
        link=link,
        summary=summary,
        published=published,
        ids=find_ids(title, summary, link, guid),
    )


def _first_text(element: etree._Element, names: tuple[str, ...]) -> str:
    for name in names:
        found = _child(element, name)
        if found is not None:
            text = element_text(found)
            if text:
                return text
    return ""


def _first_date(element: etree._Element) -> dt.datetime | None:
    for name in _DATE_NAMES:
        found = _child(element, name)
        if found is not None:
            stamp = parse_date(element_text(found))
            if stamp is not None:
                return stamp
    return None


def _rss_link(element: etree._Element) -> str:
    for child in element:
        if local_name(child) == "link":
            text = element_text(child)
            if text:
                return text[:MAX_LINK_CHARS]
            href = child.get("href")  # an atom:link inside RSS
            if href and child.get("rel", "alternate") == "alternate":
                return href.strip()[:MAX_LINK_CHARS]
    return _rdf_about(element)


def _atom_link(element: etree._Element) -> str:
    fallback = ""
    for child in element:
        if local_name(child) != "link":
            continue
        href = (child.get("href") or element_text(child)).strip()
        if not href:
            continue
        if child.get("rel", "alternate") == "alternate":
            return href[:MAX_LINK_CHARS]
        fallback = fallback or href
    return fallback[:MAX_LINK_CHARS]


def _rdf_about(element: etree._Element) -> str:
    for key, value in element.attrib.items():
        if key.endswith("}about") or key == "about":
            return str(value).strip()[:MAX_LINK_CHARS]
    return ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if local_name(child) == name:
            return child
    return None


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if local_name(child) == name]
