"""Organisation-scoped reads of findings and actions. The list pages issue a fixed number of
queries whatever the number of rows (asserted in tests)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .models import Action, ActionStatus, Finding, Status


def findings(org: Organization, filters: dict[str, Any]) -> QuerySet[Finding]:
    rows = scoped(Finding, org).select_related("action", "action__owner")
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("severity"):
        rows = rows.filter(severity=filters["severity"])
    if filters.get("q"):
        rows = rows.filter(Q(subject__icontains=filters["q"]) | Q(kind__icontains=filters["q"]))
    return rows.order_by("-severity_rank", "action__due_date", "pk")


def todo(org: Organization, owner: Any = None) -> QuerySet[Action]:
    rows = (
        scoped(Action, org)
        .filter(finding__status=Status.OPEN)
        .exclude(status=ActionStatus.DONE)
        .select_related("finding", "owner")
    )
    if owner is not None:
        rows = rows.filter(owner=owner)
    return rows.order_by("-finding__severity_rank", "due_date", "pk")


def open_counts(org: Organization) -> dict[str, int]:
    rows = (
        scoped(Finding, org).filter(status=Status.OPEN).values("severity").annotate(n=Count("id"))
    )
    counts = {"critical": 0, "high": 0, "medium": 0, "low": 0}
    for row in rows:
        counts[row["severity"]] = row["n"]
    return counts
