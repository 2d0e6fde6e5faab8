"""One monitoring pass over one page: fetch (guarded), fingerprint, compare, header checks.

No Django here: the worker task stores what this returns (fingerprint as JSON, the change's
reasons as findings) and decides on confirmation fetches and baselines.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mamori.core.http import FetchResult, fetch
from mamori.monitoring.checks import check_headers, fetch_problem
from mamori.monitoring.compare import Change, Learned, compare
from mamori.monitoring.fingerprint import Fingerprint, fingerprint
from mamori.monitoring.texts import Reason

_CHARSET_PARAM = "charset="


@dataclass(frozen=True)
class PageCheck:
    """Result of one pass. ``fingerprint``/``change`` are None when there was no page to read
    (an error, an HTTP error status, or 304 Not Modified)."""

    fetch: FetchResult
    fingerprint: Fingerprint | None = None
    change: Change | None = None
    problem: Reason | None = None
    header_issues: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def not_modified(self) -> bool:
        return self.fetch.not_modified

    @property
    def level(self) -> str:
        if self.change is not None and self.change.level != "none":
            return self.change.level
        return "caution" if self.problem is not None else "none"


def charset_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";"):
        part = part.strip()
        if part.lower().startswith(_CHARSET_PARAM):
            return part[len(_CHARSET_PARAM) :].strip().strip("\"'") or None
    return None


def check_page(
    url: str,
    *,
    baseline: Fingerprint | None = None,
    site_domain: str | None = None,
    ignore_selectors: Sequence[str] = (),
    expected_keywords: Sequence[str] = (),
    learned: Learned | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_networks: Iterable[str] | None = None,
    timeout: float = 20.0,
    max_bytes: int = 5_000_000,
    ssl_context: ssl.SSLContext | None = None,
) -> PageCheck:
    """Fetch ``url`` and judge it against ``baseline`` (None: first fetch, nothing to compare)."""
    result = fetch(
        url,
        etag=etag,
        last_modified=last_modified,
        allow_networks=allow_networks,
        timeout=timeout,
        max_bytes=max_bytes,
        ssl_context=ssl_context,
    )
    if result.not_modified:
        return PageCheck(fetch=result)
    problem = fetch_problem(result.status, result.error, result.error_kind)
    if problem is not None:
        return PageCheck(fetch=result, problem=problem)
    page = fingerprint(
        result.content,
        page_url=result.final_url,
        ignore_selectors=ignore_selectors,
        encoding=charset_of(result.headers.get("content-type")),
        max_bytes=max_bytes,
    )
    domain = site_domain or (urlsplit(url).hostname or "")
    change = (
        compare(
            baseline,
            page,
            site_domain=domain,
            expected_keywords=expected_keywords,
            learned=learned,
        )
        if baseline is not None
        else None
    )
    https = urlsplit(result.final_url).scheme == "https"
    return PageCheck(
        fetch=result,
        fingerprint=page,
        change=change,
        header_issues=tuple(check_headers(result.headers, https=https)),
    )
