"""Reads for the shadow-IT review, always organisation-scoped."""

from __future__ import annotations

from django.db.models import QuerySet

from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .models import DiscoveredApp

PAGE_LIMIT = 200


def apps_to_review(org: Organization) -> QuerySet[DiscoveredApp]:
    return scoped(DiscoveredApp, org).filter(service__isnull=True, dismissed_at__isnull=True)


def reviewed_apps(org: Organization) -> QuerySet[DiscoveredApp]:
    return (
        scoped(DiscoveredApp, org)
        .exclude(service__isnull=True, dismissed_at__isnull=True)
        .select_related("service")
        .order_by("-updated_at")
    )
