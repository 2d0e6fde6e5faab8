"""Organisation-scoped reads of findings and actions. The list pages issue a fixed number of
queries whatever the number of rows (asserted in tests)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .models import SEVERITY_RANK, Action, ActionStatus, Finding, Status


def findings(org: Organization, filters: dict[str, Any]) -> QuerySet[Finding]:
    rows = scoped(Finding, org).select_related("action", "action__owner")
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("severity"):
        rows = rows.filter(severity_rank=SEVERITY_RANK.get(filters["severity"], 0))
    if filters.get("q"):
        rows = rows.filter(Q(subject__icontains=filters["q"]) | Q(kind__icontains=filters["q"]))
    # The order of the index finding_list_order: the first page is read from the index, not
    # sorted out of every open row (Finding.due_date is the action's due date, kept in step).
    return rows.order_by("-severity_rank", "due_date", "pk")


def todo(org: Organization, owner: Any = None) -> QuerySet[Action]:
    rows = (
        scoped(Action, org)
        # Said of the finding too, so the database walks the finding index in list order and
        # fetches each action by its finding (a nested loop stopped after one page).
        .filter(finding__organization=org, finding__status=Status.OPEN)
        .exclude(status=ActionStatus.DONE)
        .select_related("finding", "owner")
    )
    if owner is not None:
        rows = rows.filter(owner=owner)
    return rows.order_by("-finding__severity_rank", "finding__due_date", "finding_id")


def open_counts(org: Organization) -> dict[str, int]:
    """Open findings by severity, counted from the index (by severity_rank, not severity)."""
    rows = (
        scoped(Finding, org)
        .filter(status=Status.OPEN)
        .values("severity_rank")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {"critical": 0, "high": 0, "medium": 0, "low": 0}
    by_rank = {rank: severity for severity, rank in SEVERITY_RANK.items()}
    for row in rows:
        severity = by_rank.get(row["severity_rank"])
        if severity is not None:
            counts[severity] = row["n"]
    return counts


def known_count(filters: dict[str, Any], counts: dict[str, int]) -> int | None:
    """The number of rows `findings(org, filters)` returns when the open counts already say it
    (open findings, perhaps of one severity, no text search); None when it must be counted."""
    if filters.get("status") != Status.OPEN or filters.get("q"):
        return None
    if filters.get("severity"):
        return counts.get(filters["severity"])
    return sum(counts.values())
