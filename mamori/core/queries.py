"""Organisation-scoped reads for the dashboard and the jobs page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from mamori.audit.models import AuditEvent
from mamori.orgs.models import Membership, Organization, Role


def dashboard(org: Organization, membership: Membership) -> dict[str, Any]:
    """Everything the dashboard shows, in a fixed number of queries."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    member_stats = Membership.objects.filter(organization=org).aggregate(
        total=Count("id"),
        owners=Count("id", filter=Q(role=Role.OWNER)),
    )
    with_mfa = (
        TOTPDevice.objects.filter(confirmed=True, user__memberships__organization=org)
        .values("user_id")
        .distinct()
        .count()
    )
    context: dict[str, Any] = {
        "member_total": member_stats["total"],
        "owner_total": member_stats["owners"],
        "members_without_mfa": member_stats["total"] - with_mfa,
        "recent_events": [],
        "failed_jobs": 0,
    }
    if membership.allows(Role.OWNER):
        context["recent_events"] = list(
            AuditEvent.objects.filter(organization_id=org.pk).order_by("-id")[:8]
        )
        context["failed_jobs"] = recent_jobs(org).filter(status="failed").count()
    return context


def recent_jobs(org: Organization) -> QuerySet[Any]:
    from .models import Job

    return Job.objects.filter(organization_id=org.pk).order_by("-id")
