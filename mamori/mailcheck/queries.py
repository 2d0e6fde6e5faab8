"""Reads of the mail check, always scoped to one organisation."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import yaml
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mamori.inventory.models import Person, Service, Supplier
from mamori.orgs.access import scoped
from mamori.orgs.models import Membership, Organization, Role

from .engine import Context
from .engine.catalog import CONTENT_DIR
from .models import CheckedMail, MailCheckSettings
from .ppap import DEFAULT_WINDOW, Pair, pair


@functools.cache
def free_mail_domains() -> frozenset[str]:
    """Webmail domains: a person's address there says nothing about who else writes from it."""
    with (CONTENT_DIR / "brands.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return frozenset(str(d).lower() for d in data.get("free_mail", []))


def settings_for(org: Organization) -> MailCheckSettings:
    found = MailCheckSettings.objects.filter(organization=org).first()
    return found if found is not None else MailCheckSettings(organization=org)


def _host_of(url: str) -> str:
    try:
        return (urlsplit(url if "://" in url else "https://" + url).hostname or "").lower()
    except ValueError:
        return ""


def context_for(org: Organization) -> Context:
    """Trusted domains and known contacts from the organisation's settings and inventory.

    Four queries whatever the inventory size: settings, suppliers, services, people.
    """
    trusted: set[str] = set(settings_for(org).own_domain_list)
    for domains in (
        scoped(Supplier, org).filter(archived_at__isnull=True).values_list("domains", flat=True)
    ):
        trusted.update(Supplier(domains=domains).domain_list)
    for url in (
        scoped(Service, org)
        .filter(archived_at__isnull=True)
        .exclude(url="")
        .values_list("url", flat=True)
    ):
        host = _host_of(url)
        if host:
            trusted.add(host)
    contacts: dict[str, list[str]] = {}
    free = free_mail_domains()
    people = (
        scoped(Person, org)
        .filter(archived_at__isnull=True)
        .exclude(email="")
        .values_list("name", "email")
    )
    for name, address in people:
        address = address.strip().lower()
        domain = address.rpartition("@")[2]
        if domain and domain not in free:
            trusted.add(domain)
        contacts.setdefault(name, []).append(address)
    return Context(
        trusted_domains=sorted(d for d in trusted if d and "." in d),
        known_contacts=contacts,
    )


def visible_mails(org: Organization, membership: Membership) -> QuerySet[CheckedMail]:
    """Editors and owners see every checked mail; a viewer sees the mails they checked."""
    rows = scoped(CheckedMail, org)
    if not membership.allows(Role.EDITOR):
        rows = rows.filter(reporter_id=membership.user_id)
    return rows


# What a history row shows (mailcheck.rows.rows): values, not instances.
HISTORY_COLUMNS = (
    "pk",
    "verdict",
    "score",
    "subject",
    "file_name",
    "from_address",
    "checked_at",
    "source",
    "reporter__first_name",
    "reporter__email",
    "reported_at",
)


def history(org: Organization, membership: Membership, verdict: str = "") -> QuerySet[Any]:
    """The checked mails this member may see, newest first, as values of HISTORY_COLUMNS."""
    rows = visible_mails(org, membership)
    if verdict:
        rows = rows.filter(verdict=verdict)
    return rows.values(*HISTORY_COLUMNS)


def verdict_counts(org: Organization) -> dict[str, int]:
    return scoped(CheckedMail, org).aggregate(
        total=Count("id"),
        danger=Count("id", filter=Q(verdict="danger")),
        caution=Count("id", filter=Q(verdict="caution")),
        safe=Count("id", filter=Q(verdict="safe")),
    )


def month_counts(org: Organization, now: datetime | None = None) -> dict[str, int]:
    """Mails checked since the first of this month (organisation time) and how many were
    dangerous."""
    local = timezone.localtime(now or timezone.now())
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return scoped(CheckedMail, org).aggregate(
        checked=Count("id", filter=Q(checked_at__gte=start)),
        danger=Count("id", filter=Q(checked_at__gte=start, verdict="danger")),
        reported=Count("id", filter=Q(checked_at__gte=start, reported_at__isnull=False)),
    )


@dataclass
class _Dated:
    """A stored mail as ppap.pair() expects a report: sender, date, facts."""

    mail: CheckedMail
    from_address: str
    date: datetime | None
    facts: dict[str, Any]
    message_id: str


def ppap_pairs(org: Organization, mail: CheckedMail, window: timedelta = DEFAULT_WINDOW) -> list:
    """PPAP pairs (encrypted zip, then its password from the same sender) this mail is part of.

    Looks only at the same sender's mails sent within the window on either side (one query).
    """
    if not mail.from_address or mail.mail_date is None:
        return []
    if not (mail.facts.get("encrypted_archives") or mail.facts.get("password_notice")):
        return []
    nearby = scoped(CheckedMail, org).filter(
        from_address=mail.from_address,
        mail_date__gte=mail.mail_date - window,
        mail_date__lte=mail.mail_date + window,
    )
    items = [
        _Dated(m, m.from_address, m.mail_date, m.facts or {}, m.message_id)
        for m in nearby.only("id", "from_address", "mail_date", "facts", "message_id", "subject")
    ]
    # The same mail checked twice (upload, then forward) counts once.
    unique: dict[tuple[str, str], _Dated] = {}
    for item in sorted(items, key=lambda i: i.mail.pk):
        key = (item.message_id or f"#{item.mail.pk}", str(item.date))
        if key not in unique or item.mail.pk == mail.pk:
            unique[key] = item
    pairs: list[Pair] = pair(list(unique.values()), window)
    return [p for p in pairs if mail.pk in (p.archive.mail.pk, p.password.mail.pk)]
