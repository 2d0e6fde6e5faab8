"""Organisation-scoped reads for the orgs app."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from mamori.audit.models import AuditEvent

from .models import Invitation, Membership, Organization


def members(org: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=org)
        .select_related("user", "user__profile")
        .order_by("user__email")
    )


def open_invitations(org: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organization=org,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def audit_events(org: Organization, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    # The organisation's own events, plus account events (sign-in, MFA) of its members.
    events = AuditEvent.objects.filter(
        Q(organization_id=org.pk) | Q(organization_id__isnull=True, actor_id__in=member_ids(org))
    )
    if filters.get("action"):
        events = events.filter(action__icontains=filters["action"])
    if filters.get("actor"):
        events = events.filter(actor_label__icontains=filters["actor"])
    zone = timezone.get_current_timezone()
    if filters.get("since"):
        events = events.filter(
            created_at__gte=datetime.combine(filters["since"], time.min, tzinfo=zone)
        )
    if filters.get("until"):
        events = events.filter(
            created_at__lte=datetime.combine(filters["until"], time.max, tzinfo=zone)
        )
    return events.order_by("-id")


def member_ids(org: Organization) -> list[int]:
    return list(Membership.objects.filter(organization=org).values_list("user_id", flat=True))
