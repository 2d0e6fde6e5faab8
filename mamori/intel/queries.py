"""Reads of intel data, always scoped to the organisation (advisories are public and global)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from mamori.findings.models import Finding, Status

from .models import Advisory, Feed, FeedItem, ItemRead, ReadMark, Watch
from .vulnmatch import KIND

TIMELINE_PAGE = 50
# What a timeline row shows (dict keys of TimelinePage.rows, with also, read and when).
ROW_COLUMNS = ("pk", "published", "title", "link", "ids", "feed_id", "source")
ADVISORY_PAGE = 50


def feeds(org: Any) -> QuerySet[Feed]:
    return Feed.objects.filter(organization=org).order_by("name")


def feed(org: Any, pk: int) -> Feed:
    return Feed.objects.get(organization=org, pk=pk)


def watches(org: Any) -> QuerySet[Watch]:
    return Watch.objects.filter(organization=org)


def item(org: Any, pk: int) -> FeedItem:
    return FeedItem.objects.get(organization=org, pk=pk)


@dataclass
class TimelinePage:
    # pk, published, title, link, ids, feed_id, source (the feed's name), also (other feeds'
    # names), read, when (published in the current zone, as text)
    rows: list[dict[str, Any]]
    older: str  # cursor for the next (older) page, "" at the end


def parse_cursor(text: str) -> tuple[dt.datetime, int] | None:
    stamp, _, pk = (text or "").rpartition("_")
    try:
        return dt.datetime.fromisoformat(stamp), int(pk)
    except ValueError:
        return None


def timeline(
    org: Any,
    user: Any,
    *,
    feed_id: int | None = None,
    keyword: str = "",
    unread_only: bool = False,
    before: str = "",
    size: int = TIMELINE_PAGE,
) -> TimelinePage:
    """One page of the merged timeline, newest first (keyset pagination: a fixed number of
    queries and an index walk whatever the number of items)."""
    items = FeedItem.objects.filter(organization=org, feed__enabled=True)
    if feed_id:
        items = items.filter(feed_id=feed_id)  # a source's own items, duplicates included
    else:
        items = items.filter(primary=True)  # the same article from several feeds: once
    if keyword:
        items = items.filter(
            Q(title__icontains=keyword) | Q(summary__icontains=keyword) | Q(ids__icontains=keyword)
        )
    mark = ReadMark.objects.filter(user=user, organization=org).values_list("read_until", flat=True)
    read_until = mark.first()
    if unread_only:
        items = items.exclude(reads__user=user)
        if read_until is not None:
            items = items.filter(published__gt=read_until)
    cursor = parse_cursor(before)
    if cursor is not None:
        stamp, pk = cursor
        # The plain bound first lets the database seek in the timeline index; the OR alone
        # would make SQLite walk the index from the newest item.
        items = items.filter(published__lte=stamp).filter(
            Q(published__lt=stamp) | Q(published=stamp, pk__lt=pk)
        )
    # The shown columns only (no summary, no Feed row): a row is a dict, not a model.
    page = list(
        items.order_by("-published", "-id")
        .annotate(source=F("feed__name"))
        .values(*ROW_COLUMNS)[: size + 1]
    )
    more = len(page) > size
    page = page[:size]
    ids = [row["pk"] for row in page]
    read_ids = set(
        ItemRead.objects.filter(user=user, item__in=ids).values_list("item_id", flat=True)
    )
    # The same article from other feeds, in one query (no ORDER BY: with one, SQLite walks the
    # timeline index instead of the FK index).
    feed_of = {row["pk"]: row["feed_id"] for row in page}
    also: dict[int, set[str]] = {}
    for original, source_feed, name in (
        FeedItem.objects.filter(duplicate_of_id__in=ids)
        .order_by()
        .values_list("duplicate_of_id", "feed_id", "feed__name")
    ):
        if source_feed != feed_of.get(original):
            also.setdefault(original, set()).add(name)
    zone = timezone.get_current_timezone()
    rows = []
    for row in page:
        published = row["published"]
        row["also"] = sorted(also.get(row["pk"], ()))
        row["read"] = row["pk"] in read_ids or (read_until is not None and published <= read_until)
        row["when"] = published.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        rows.append(row)
    older = ""
    if more and page:
        last = page[-1]
        older = f"{last['published'].isoformat()}_{last['pk']}"
    return TimelinePage(rows=rows, older=older)


def advisories(
    *, keyword: str = "", kev_only: bool = False, min_score: float | None = None
) -> QuerySet[Advisory]:
    rows = Advisory.objects.defer("data", "parts")
    if keyword:
        text = keyword.strip()
        rows = rows.filter(
            Q(advisory_id__iexact=text)
            | Q(cve_ids__icontains=text)
            | Q(title_ja__icontains=text)
            | Q(title_en__icontains=text)
            | Q(keys__key__icontains=text.lower())
        ).distinct()
    if kev_only:
        rows = rows.filter(kev=True)
    if min_score is not None:
        rows = rows.filter(cvss_score__gte=min_score)
    return rows.order_by("-published", "-id")


def advisory(pk: int) -> Advisory:
    return Advisory.objects.get(pk=pk)


def relevant(org: Any) -> QuerySet[Finding]:
    """「自社に関係する脆弱性」: open vulnerable-software findings, soonest deadline first."""
    return (
        Finding.objects.filter(organization=org, kind=KIND, status=Status.OPEN)
        .select_related("action")
        # The finding's own copy of the action's due date: no sort across the join.
        .order_by("due_date", "-severity_rank", "id")
    )


def findings_for_advisory(org: Any, advisory_pk: int) -> QuerySet[Finding]:
    return Finding.objects.filter(
        organization=org, kind=KIND, key__endswith=f":{advisory_pk}"
    ).select_related("action")
