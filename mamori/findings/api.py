"""Findings over the API (read-only): what is wrong, with its action's owner and due date."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from . import queries
from .presentation import present

router = Router(tags=["findings"])


@router.get("/orgs/{slug}/findings")
def list_findings(
    request: HttpRequest, slug: str, status: str = "open", limit: int = 200
) -> list[dict[str, Any]]:
    from mamori.api import member

    membership = member(request, slug)
    limit = max(1, min(limit, 1000))
    rows = queries.findings(membership.organization, {"status": status})[:limit]
    result = []
    for finding in rows:
        text = present(finding)
        result.append(
            {
                "id": finding.pk,
                "kind": finding.kind,
                "severity": finding.severity,
                "status": finding.status,
                "subject": finding.subject,
                "title": text["title"],
                "summary": text["summary"],
                "first_seen": finding.first_seen.isoformat(),
                "last_seen": finding.last_seen.isoformat(),
                "due_date": finding.action.due_date.isoformat(),
                "owner": finding.action.owner.email if finding.action.owner else None,
                "evidence": finding.evidence,
            }
        )
    return result
