"""Reads of recurring checks, always within one organisation."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from mamori.findings.models import Finding, Status
from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .models import Chore
from .rules import KIND


def chores(org: Organization) -> QuerySet[Chore]:
    return scoped(Chore, org).select_related("owner", "owner_person", "last_done_by")


def chore(org: Organization, pk: int) -> Chore:
    return get_object_or_404(chores(org), pk=pk)


def open_findings_by_chore(org: Organization) -> dict[str, int]:
    """Chore id (as text) → the id of its open round's finding, for links from the list."""
    rows = (
        scoped(Finding, org).filter(kind=KIND, status=Status.OPEN).values_list("subject_id", "pk")
    )
    return dict(rows)


def stale_contacts(org: Organization, today: date) -> int:
    """Emergency contacts never checked or last checked over a year ago: what the yearly
    contact re-verification has to go through."""
    from mamori.incidents.contact_models import EmergencyContact

    year_ago = today - timedelta(days=365)
    return (
        scoped(EmergencyContact, org)
        .filter(archived_at__isnull=True)
        .filter(Q(checked_on__isnull=True) | Q(checked_on__lt=year_ago))
        .count()
    )
