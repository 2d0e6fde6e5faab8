"""Reads of monitoring data, always within one organisation."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mamori.orgs.access import scoped

from .models import PageChange, Snapshot, WatchedPage


def pages(org: Any) -> QuerySet[WatchedPage]:
    return scoped(WatchedPage, org).select_related("website", "pending_change")


# What a list row shows (monitoring.rows.rows): values, not instances.
ROW_COLUMNS = ("pk", "url", "enabled", "state", "website__url", "last_checked_at", "certificate")


def page_rows(org: Any) -> QuerySet[Any]:
    """The watched pages of the list, by address, as values of ROW_COLUMNS."""
    return scoped(WatchedPage, org).order_by("url", "pk").values(*ROW_COLUMNS)


def page(org: Any, pk: int) -> WatchedPage:
    return pages(org).get(pk=pk)


def recent_snapshots(org: Any, page: WatchedPage, limit: int = 20) -> list[Snapshot]:
    return list(scoped(Snapshot, org).filter(page=page).defer("fingerprint")[:limit])


def changes(org: Any, page: WatchedPage, limit: int = 20) -> list[PageChange]:
    return list(
        scoped(PageChange, org)
        .filter(page=page)
        .select_related("approved_by")
        .defer("baseline")[:limit]
    )


def change(org: Any, pk: int) -> PageChange:
    return scoped(PageChange, org).select_related("page", "snapshot", "approved_by").get(pk=pk)
