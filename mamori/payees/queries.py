"""Organisation-scoped reads of payees and their change requests."""

from __future__ import annotations

from django.db.models import QuerySet

from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .models import ChangeStatus, Payee, PayeeChange


def changes_of(org: Organization, payee: Payee) -> QuerySet[PayeeChange]:
    return scoped(PayeeChange, org).filter(payee=payee).select_related("mail", "requested_by")


def change(org: Organization, pk: int) -> PayeeChange | None:
    return (
        scoped(PayeeChange, org)
        .select_related("payee", "mail", "requested_by", "decided_by")
        .prefetch_related("callbacks__called_by", "approvals__approver")
        .filter(pk=pk)
        .first()
    )


def pending_changes(org: Organization) -> QuerySet[PayeeChange]:
    return (
        scoped(PayeeChange, org)
        .filter(status=ChangeStatus.PENDING)
        .select_related("payee", "mail", "requested_by")
        .prefetch_related("callbacks", "approvals")
    )


def recent_decisions(org: Organization, limit: int = 20) -> QuerySet[PayeeChange]:
    return (
        scoped(PayeeChange, org)
        .exclude(status=ChangeStatus.PENDING)
        .select_related("payee", "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def payable(org: Organization) -> list[Payee]:
    """Payees whose account is the one set up or approved (what the accounting software may
    pay into): archived payees and accounts changed outside the check are left out."""
    rows = scoped(Payee, org).filter(archived_at__isnull=True).order_by("name", "pk")
    return [p for p in rows if p.account_verified]
