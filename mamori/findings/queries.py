"""Organisation-scoped reads of findings and actions. The list pages issue a fixed number of
queries whatever the number of rows (asserted in tests)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .models import SEVERITY_RANK, ActionStatus, Finding, Status

# What a list row shows of a finding (findings.rows.row): never the evidence JSON, and no join
# with Action (the finding carries the action's due date, status and owner).
ROW_COLUMNS = (
    "id",
    "organization_id",
    "kind",
    "severity",
    "severity_rank",
    "status",
    "subject",
    "params",
    "guidance_key",
    "due_date",
    "action_status",
    "action_owner__first_name",
    "action_owner__email",
)
LIST_ORDER = ("-severity_rank", "due_date", "pk")


def findings(org: Organization, filters: dict[str, Any]) -> QuerySet[Finding]:
    rows = scoped(Finding, org).select_related("action_owner").only(*ROW_COLUMNS)
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("severity"):
        rows = rows.filter(severity_rank=SEVERITY_RANK.get(filters["severity"], 0))
    if filters.get("q"):
        rows = rows.filter(Q(subject__icontains=filters["q"]) | Q(kind__icontains=filters["q"]))
    # The order of the index finding_list_order: the first page is read from the index, not
    # sorted out of every open row (Finding.due_date is the action's due date, kept in step).
    return rows.order_by(*LIST_ORDER)


def todo(org: Organization, owner: Any = None) -> QuerySet[Finding]:
    """Open findings whose action is not done, in list order: the finding index is walked and
    no Action row is read (the finding carries the action's status, due date and owner)."""
    rows = (
        scoped(Finding, org)
        .filter(status=Status.OPEN)
        .exclude(action_status=ActionStatus.DONE)
        .select_related("action_owner")
        .only(*ROW_COLUMNS)
    )
    if owner is not None:
        rows = rows.filter(action_owner=owner)
    return rows.order_by(*LIST_ORDER)


def overdue_count(org: Organization) -> int:
    """Open findings whose action is not done and past its due date (index finding_todo)."""
    return (
        scoped(Finding, org)
        .filter(
            status=Status.OPEN,
            action_status__in=[ActionStatus.TODO, ActionStatus.IN_PROGRESS],
            due_date__lt=timezone.localdate(),
        )
        .count()
    )


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
