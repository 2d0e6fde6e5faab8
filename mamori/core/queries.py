"""Organisation-scoped reads for the dashboard and the jobs page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mamori.audit.models import AuditEvent
from mamori.orgs.models import Membership, Organization, Role


def dashboard(org: Organization, membership: Membership) -> dict[str, Any]:
    """Everything the dashboard shows: the tiles of every module, and recent activity."""
    from .dashboard import tiles
    from .getting_started import checklist
    from .overview import overview

    context: dict[str, Any] = {
        "tiles": tiles(org, membership),
        "recent_events": [],
        "getting_started": checklist(org),
        "overview": overview(org),
    }
    if membership.allows(Role.OWNER):
        context["recent_events"] = list(
            AuditEvent.objects.filter(organization_id=org.pk).order_by("-id")[:8]
        )
    return context


def recent_jobs(org: Organization) -> QuerySet[Any]:
    from .models import Job

    return Job.objects.filter(organization_id=org.pk).order_by("-id")
