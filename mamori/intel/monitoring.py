"""Keyword watches and surge alerts over the organisation's timeline.

Watch keywords are the organisation's own keywords plus the product names in its inventory
(handbook §5.2: watch news about what you use). Surges: at least N distinct feeds mentioning the
same CVE/JVNDB id or product within a window (「複数の情報源が同時に報じています」), or a rare
term (a malware or campaign name) that several feeds start using at once, compared with the
feeds' items of the previous weeks (TOPIC_BASELINE).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from mamori.findings.rules import FindingSpec
from mamori.intel.model import FeedItem as ParsedItem
from mamori.intel.surge import (
    SourcedItem,
    Surge,
    detect_surges,
    detect_topic_surges,
    watch_hits,
)

from .fetching import surge_settings
from .models import Feed, FeedItem, Watch

WATCH_KIND = "intel.watch_hit"
SURGE_KIND = "intel.surge"
WATCH_RECENT = dt.timedelta(days=7)  # older items of a newly added feed raise nothing
SURGE_ITEM_CAP = 5000
SURGE_ITEMS_LISTED = 20
SURGE_CACHE_SECONDS = 600
TOPIC_BASELINE = dt.timedelta(days=30)  # what "rare" is measured against
TOPIC_BASELINE_CAP = 5000


def inventory_names(org: Any) -> list[str]:
    from mamori.inventory.models import Software

    names = Software.objects.filter(organization=org, archived_at__isnull=True).values_list(
        "product", flat=True
    )
    return sorted({name.strip() for name in names if name and len(name.strip()) >= 3})


def watch_keywords(org: Any) -> list[str]:
    own = list(Watch.objects.filter(organization=org).values_list("keyword", flat=True))
    return sorted({*own, *inventory_names(org)})


def _sourced(row: FeedItem) -> SourcedItem:
    return SourcedItem(
        source=row.feed.name,
        item=ParsedItem(
            guid=row.guid,
            title=row.title,
            link=row.link,
            summary=row.summary,
            published=row.published,
            ids=row.ids.split() if row.ids else [],
        ),
    )


def current_surges(org: Any, now: dt.datetime | None = None) -> list[tuple[Surge, list[int]]]:
    """Surges in the latest window of the organisation's enabled feeds, with the item ids.

    Cached per process until a new item arrives, a feed is switched, or 10 minutes pass (the
    window moves): the timeline shows surges without re-reading thousands of items each time.
    """
    # The newest row and when it was stored: ids alone can repeat after a rolled-back transaction.
    latest = (
        FeedItem.objects.filter(organization=org).order_by("-id").values_list("id", "fetched_at")
    ).first()
    enabled = ",".join(
        str(pk)
        for pk in Feed.objects.filter(organization=org, enabled=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    stamp = int((now or timezone.now()).timestamp() // SURGE_CACHE_SECONDS)
    newest = f"{latest[0]}@{latest[1].timestamp()}" if latest else "-"
    key = f"intel.surges:{org.pk}:{newest}:{enabled}:{stamp}"[:240]
    cached = cache.get(key)
    if cached is None:
        cached = _compute_surges(org, now)
        cache.set(key, cached, SURGE_CACHE_SECONDS)
    return cached


def _compute_surges(org: Any, now: dt.datetime | None) -> list[tuple[Surge, list[int]]]:
    min_sources, window = surge_settings()
    now = now or timezone.now()
    rows = list(
        FeedItem.objects.filter(organization=org, feed__enabled=True, published__gte=now - window)
        .select_related("feed")
        .only("guid", "title", "link", "summary", "published", "ids", "feed__name")
        .order_by("-published", "-id")[:SURGE_ITEM_CAP]
    )
    by_key: dict[int, int] = {}
    sourced: list[SourcedItem] = []
    for row in rows:
        item = _sourced(row)
        by_key[id(item.item)] = row.pk
        sourced.append(item)
    products = inventory_names(org)
    surges = detect_surges(sourced, min_sources=min_sources, window=window, products=products)
    baseline = [
        _sourced(row)
        for row in FeedItem.objects.filter(
            organization=org,
            feed__enabled=True,
            published__gte=now - window - TOPIC_BASELINE,
            published__lt=now - window,
        )
        .select_related("feed")
        .only("guid", "title", "link", "summary", "published", "ids", "feed__name")
        .order_by("-published", "-id")[:TOPIC_BASELINE_CAP]
    ]
    surges += detect_topic_surges(
        sourced,
        baseline,
        min_sources=min_sources,
        window=window,
        exclude=[*products, *(s.subject for s in surges)],
    )
    return [(surge, [by_key[id(s.item)] for s in surge.items]) for surge in surges]


def after_new_items(org: Any, item_ids: list[int]) -> None:
    """Raise watch-hit and surge findings for newly stored items (one-off events).

    A signal about an advisory that already has a vulnerability finding opens nothing: the
    finding lists it (intel.related), and a finding this signal opened before is resolved.
    """
    from mamori.findings.services import sync

    from .related import fold_open_signals, relations

    about = relations(org)
    recent = timezone.now() - WATCH_RECENT
    rows = list(
        FeedItem.objects.filter(pk__in=item_ids, primary=True, published__gte=recent)
        .select_related("feed")
        .order_by("published")
    )
    keywords = watch_keywords(org)
    if rows and keywords:
        by_item: dict[int, FeedItem] = {}
        sourced: list[SourcedItem] = []
        for row in rows:
            item = _sourced(row)
            by_item[id(item.item)] = row
            sourced.append(item)
        hits: dict[int, tuple[FeedItem, list[str]]] = {}
        for keyword, item in watch_hits(sourced, keywords):
            row = by_item[id(item.item)]
            hits.setdefault(row.pk, (row, []))[1].append(keyword)
        folded = [
            str(row.pk)
            for row, words in hits.values()
            if about.finding_for(row.ids.split(), words) is not None
        ]
        specs = [
            FindingSpec(
                key=f"{WATCH_KIND}:{row.pk}",
                subject=row.title,
                params={"keyword": ", ".join(words), "title": row.title, "source": row.feed.name},
                evidence=[
                    {"kind": "news", "text": f"{row.feed.name}: {row.title}", "id": row.link}
                ],
                subject_type="intel.feeditem",
                subject_id=str(row.pk),
            )
            for row, words in hits.values()
            if str(row.pk) not in folded
        ]
        if specs:
            sync(org, WATCH_KIND, specs, default_severity="medium", complete=False)
    surge_specs = [
        surge_spec(surge, ids)
        for surge, ids in current_surges(org)
        if set(ids) & set(item_ids)
        and about.finding_for(
            [surge.subject, *(i for s in surge.items for i in s.item.ids)], [surge.subject]
        )
        is None
    ]
    if surge_specs:
        sync(org, SURGE_KIND, surge_specs, default_severity="high", complete=False)
    fold_open_signals(org, about)  # signals opened before their advisory was known


def surge_spec(surge: Surge, item_ids: list[int]) -> FindingSpec:
    day = surge.first_seen.date().isoformat() if surge.first_seen else ""
    return FindingSpec(
        key=f"{SURGE_KIND}:{surge.subject}:{day}"[:300],
        subject=surge.subject,
        params={
            "subject": surge.subject,
            "count": len(surge.sources),
            "sources": ", ".join(surge.sources),
        },
        evidence=[
            {"kind": "news", "text": f"{s.source}: {s.item.title}", "id": s.item.link}
            for s in surge.items[:SURGE_ITEMS_LISTED]
        ],
        subject_type="intel.surge",
        subject_id=surge.subject[:100],
    )
