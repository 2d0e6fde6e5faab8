"""Fetching one feed (in the worker): conditional GET through the guarded HTTP client, items
stored with cross-feed de-duplication, errors kept on the feed with a backoff.

A feed that fails (network error, HTTP error, HTML instead of a feed, redirect loop, broken
XML) only gets `last_error` and a later `next_fetch_at`; its stored items and every other feed
are untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mamori.core.http import fetch
from mamori.intel.model import FeedItem as ParsedItem
from mamori.intel.parsers import parse_feed
from mamori.intel.surge import normalise_link, normalise_title

from .models import Feed, FeedItem

MAX_FEED_BYTES = 5_000_000
FETCH_TIMEOUT_SECONDS = 20.0
MAX_REDIRECTS = 5
MAX_BACKOFF = dt.timedelta(hours=24)


@dataclass
class FetchOutcome:
    ok: bool
    new_items: list[int]
    error: str = ""
    not_modified: bool = False


def _backoff(feed: Feed) -> dt.timedelta:
    base = dt.timedelta(minutes=max(feed.interval_minutes, 1))
    return min(base * (2 ** min(feed.error_count, 10)), MAX_BACKOFF)


def _fail(feed: Feed, message: str, now: dt.datetime) -> FetchOutcome:
    feed.error_count += 1
    feed.last_error = message[:2000]
    feed.last_fetched_at = now
    feed.next_fetch_at = now + _backoff(feed)
    feed.save(update_fields=["error_count", "last_error", "last_fetched_at", "next_fetch_at"])
    return FetchOutcome(ok=False, new_items=[], error=feed.last_error)


def _http_error(result: Any) -> str | None:
    if result.error:
        kind = f"[{result.error_kind}] " if result.error_kind else ""
        return f"{kind}{result.error}"
    if result.status == 304:
        return None
    if 300 <= result.status < 400:
        return f"HTTP {result.status}: too many redirects or a redirect without a target"
    if not 200 <= result.status < 300:
        return f"HTTP {result.status}: the server answered with an error"
    return None


def fetch_feed(
    feed_id: int, *, allow_networks: Iterable[str] | None = None, force: bool = False
) -> FetchOutcome:
    """Fetch one feed now (unless it is in backoff, or disabled, and not forced)."""
    feed = Feed.objects.select_related("organization").filter(pk=feed_id).first()
    now = timezone.now()
    if feed is None or (not feed.enabled and not force):
        return FetchOutcome(ok=False, new_items=[], error="feed missing or disabled")
    if not force and feed.next_fetch_at and feed.next_fetch_at > now:
        return FetchOutcome(ok=True, new_items=[], not_modified=True)
    result = fetch(
        feed.url,
        etag=feed.etag or None,
        last_modified=feed.last_modified or None,
        max_bytes=MAX_FEED_BYTES,
        timeout=FETCH_TIMEOUT_SECONDS,
        max_redirects=MAX_REDIRECTS,
        allow_networks=allow_networks,
        headers={"accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9"},
    )
    error = _http_error(result)
    if error:
        return _fail(feed, error, now)
    if result.status == 304:
        _succeed(feed, now, result, warnings=[])
        return FetchOutcome(ok=True, new_items=[], not_modified=True)
    parsed = parse_feed(result.content, url=result.final_url or feed.url, now=now)
    if parsed.error:
        return _fail(feed, parsed.error, now)
    new_ids = store_items(feed, parsed.items, now)
    _succeed(feed, now, result, warnings=parsed.warnings)
    if new_ids:
        from .monitoring import after_new_items

        transaction.on_commit(lambda: after_new_items(feed.organization, new_ids))
    return FetchOutcome(ok=True, new_items=new_ids)


def _succeed(feed: Feed, now: dt.datetime, result: Any, warnings: list[str]) -> None:
    feed.error_count = 0
    feed.last_error = ""
    feed.last_warning = "; ".join(warnings)[:2000]
    feed.last_fetched_at = now
    feed.last_success_at = now
    feed.next_fetch_at = now + dt.timedelta(minutes=max(feed.interval_minutes, 1))
    if result.status != 304:
        feed.etag = (result.etag or "")[:300]
        feed.last_modified = (result.last_modified or "")[:100]
    feed.item_count = FeedItem.objects.filter(feed=feed).count()
    feed.save()


def _guid(item: ParsedItem) -> str:
    value = (item.guid or item.link or "").strip()
    if value and len(value) <= 500:
        return value
    raw = f"{value}\x1f{item.title}".encode()
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _aware(value: dt.datetime | None, fallback: dt.datetime) -> dt.datetime:
    if value is None:
        return fallback
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _safe_link(link: str) -> str:
    link = (link or "").strip()
    return link[:1000] if link.lower().startswith(("http://", "https://")) else ""


def store_items(feed: Feed, items: Iterable[ParsedItem], now: dt.datetime) -> list[int]:
    """Insert the feed's items not stored yet; an article already seen in another of the
    organisation's feeds (same normalised link or title) is stored as its duplicate."""
    fresh: dict[str, ParsedItem] = {}
    for item in items:
        fresh.setdefault(_guid(item), item)
    if not fresh:
        return []
    with transaction.atomic():
        known = set(
            FeedItem.objects.filter(feed=feed, guid__in=list(fresh)).values_list("guid", flat=True)
        )
        rows: list[FeedItem] = []
        for guid, item in fresh.items():
            if guid in known:
                continue
            link = _safe_link(item.link)
            title_key = normalise_title(item.title)
            rows.append(
                FeedItem(
                    organization_id=feed.organization_id,
                    feed=feed,
                    guid=guid,
                    title=(item.title or link or guid)[:500],
                    link=link,
                    summary=(item.summary or "")[:20000],
                    published=_aware(item.published, now),
                    ids=" ".join(item.ids)[:500],
                    link_key=normalise_link(link)[:300] if link else "",
                    title_key=title_key[:300] if len(title_key) >= 8 else "",
                    fetched_at=now,
                )
            )
        if not rows:
            return []
        _mark_duplicates(feed, rows)
        FeedItem.objects.bulk_create(rows, batch_size=500)
        if any(row.pk is None for row in rows):
            by_guid = dict(
                FeedItem.objects.filter(feed=feed, guid__in=[r.guid for r in rows]).values_list(
                    "guid", "pk"
                )
            )
            return [by_guid[r.guid] for r in rows]
        return [row.pk for row in rows]


def _mark_duplicates(feed: Feed, rows: list[FeedItem]) -> None:
    link_keys = {r.link_key for r in rows if r.link_key}
    title_keys = {r.title_key for r in rows if r.title_key}
    earlier: dict[str, FeedItem] = {}
    if link_keys or title_keys:
        condition = Q(link_key__in=link_keys) | Q(title_key__in=title_keys)
        for other in FeedItem.objects.filter(
            condition, organization_id=feed.organization_id, primary=True
        ).exclude(feed=feed):
            for key in (f"l:{other.link_key}", f"t:{other.title_key}"):
                if len(key) > 2:
                    earlier.setdefault(key, other)
    for row in rows:
        keys = [k for k in (f"l:{row.link_key}", f"t:{row.title_key}") if len(k) > 2]
        first = next((earlier[k] for k in keys if k in earlier), None)
        if first is not None:
            row.primary = False
            row.duplicate_of = first


def surge_settings() -> tuple[int, dt.timedelta]:
    sources = int(getattr(settings, "INTEL_SURGE_MIN_SOURCES", 3))
    hours = int(getattr(settings, "INTEL_SURGE_WINDOW_HOURS", 48))
    return max(2, sources), dt.timedelta(hours=max(1, hours))
