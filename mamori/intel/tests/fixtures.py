"""Advisories and feed documents for the Django-side tests (written for these tests)."""

from __future__ import annotations

from mamori.intel.model import Advisory
from mamori.intel.parsers import parse_any
from mamori.intel.tests.samples import jvn_rdf, nvd_page, nvd_record


def struts_files() -> list[tuple[str, bytes]]:
    return [("jvndb.rdf", jvn_rdf()), ("nvd.json", nvd_page([nvd_record()]))]


def struts_advisories() -> list[Advisory]:
    found: list[Advisory] = []
    for name, data in struts_files():
        found.extend(parse_any(data, name).advisories)
    return found


def rss(title: str, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 document: items are (title, link, RFC 822 date)."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{date}</pubDate></item>"
        for t, link, date in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.org/</link>{body}</channel></rss>"
    ).encode()
