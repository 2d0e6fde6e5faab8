"""One problem, one finding: news signals about a known vulnerability belong to its finding.

A keyword-watch hit or a surge whose items name the CVE/JVNDB id of an advisory that already has
a vulnerability finding in the organisation (or, for an inventory product name, whose keyword
is that finding's product) opens no finding of its own: the vulnerability finding lists it as a
related signal, and the dashboard counts one problem. The relation is derived from the stored
news items each time the finding page is shown, so the finding's own evidence (rewritten by
every re-match) never has to carry it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from mamori.findings.models import Finding, Status

from .models import Advisory, FeedItem
from .vulnmatch import KIND as VULNERABILITY_KIND

RELATED_WINDOW = dt.timedelta(days=30)
RELATED_ITEMS_LISTED = 10
_ID_RE = re.compile(r"^(CVE-\d{4}-\d{4,}|JVNDB-\d{4}-\d+)$", re.I)


def _name(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower().strip()


@dataclass
class Relations:
    """Which vulnerability finding a signal is about, by advisory id or product name."""

    by_id: dict[str, int] = field(default_factory=dict)  # "CVE-2023-50164" -> finding pk
    by_product: dict[str, int] = field(default_factory=dict)  # "struts" -> finding pk

    def finding_for(self, ids: Iterable[str], names: Iterable[str] = ()) -> int | None:
        for ident in ids:
            found = self.by_id.get(ident.strip().upper())
            if found is not None:
                return found
        for name in names:
            found = self.by_product.get(_name(name))
            if found is not None:
                return found
        return None

    def __bool__(self) -> bool:
        return bool(self.by_id or self.by_product)


def advisory_ids(advisory: tuple[str, str, str]) -> list[str]:
    """Every id an advisory row is known by (its JVNDB id and its CVE ids), upper case."""
    advisory_id, cve_ids, jvndb_id = advisory
    ids = [advisory_id, jvndb_id, *(cve_ids or "").split()]
    return [ident.upper() for ident in dict.fromkeys(ids) if ident]


def relations(org: Any) -> Relations:
    """The organisation's vulnerability findings that are not resolved, by the ids of their
    advisories and the product names of their software (a few queries, whatever the news)."""
    from mamori.inventory.models import Software

    rows = list(
        Finding.objects.filter(organization=org, kind=VULNERABILITY_KIND)
        .exclude(status=Status.RESOLVED)
        .order_by("-severity_rank", "pk")
        .values_list("pk", "params", "subject_type", "subject_id")
    )
    found = Relations()
    if not rows:
        return found
    advisory_of: dict[int, int] = {}
    software_of: dict[int, int] = {}
    for pk, params, subject_type, subject_id in rows:
        advisory_pk = (params or {}).get("advisory_pk")
        if isinstance(advisory_pk, int):
            advisory_of.setdefault(advisory_pk, pk)
        if subject_type == "inventory.software" and str(subject_id).isdigit():
            software_of.setdefault(int(subject_id), pk)
    for advisory_pk, advisory_id, cve_ids, jvndb_id in Advisory.objects.filter(
        pk__in=advisory_of
    ).values_list("pk", "advisory_id", "cve_ids", "jvndb_id"):
        for ident in advisory_ids((advisory_id, cve_ids, jvndb_id)):
            found.by_id.setdefault(ident, advisory_of[advisory_pk])
    for software_pk, product in Software.objects.filter(
        organization=org, pk__in=software_of
    ).values_list("pk", "product"):
        if len(_name(product)) >= 3:
            found.by_product.setdefault(_name(product), software_of[software_pk])
    return found


def related_items(finding: Finding, advisory: Any, product: str = "") -> list[FeedItem]:
    """The organisation's recent news items naming the finding's advisory (by id) or its
    product: the signals shown on the finding instead of findings of their own."""
    ids = [ident for ident in [advisory.jvndb_id, *advisory.cve_ids] if ident]
    query = Q()
    for ident in ids[:10]:
        query |= Q(ids__icontains=ident)
    if len(_name(product)) >= 3:
        query |= Q(title__icontains=product.strip())
    if not query:
        return []
    since = timezone.now() - RELATED_WINDOW
    return list(
        FeedItem.objects.filter(
            query, organization_id=finding.organization_id, primary=True, published__gte=since
        )
        .select_related("feed")
        .only("title", "link", "published", "feed__name")
        .order_by("-published", "-id")[:RELATED_ITEMS_LISTED]
    )


def is_advisory_id(text: str) -> bool:
    return bool(_ID_RE.match((text or "").strip()))


def fold_open_signals(org: Any, about: Relations | None = None) -> int:
    """Resolve open watch-hit and surge findings that are about a vulnerability finding (news
    that came before the advisory was imported); how many were folded into it."""
    from mamori.findings.services import sync

    from .monitoring import SURGE_KIND, WATCH_KIND

    about = relations(org) if about is None else about
    if not about:
        return 0
    signals = list(
        Finding.objects.filter(
            organization=org, kind__in=[WATCH_KIND, SURGE_KIND], status=Status.OPEN
        ).values_list("kind", "subject_id", "params")
    )
    item_pks = [int(s) for kind, s, _ in signals if kind == WATCH_KIND and str(s).isdigit()]
    item_ids = dict(
        FeedItem.objects.filter(organization=org, pk__in=item_pks).values_list("pk", "ids")
    )
    watch: list[str] = []
    surge: list[str] = []
    for kind, subject_id, params in signals:
        params = params or {}
        if kind == WATCH_KIND and str(subject_id).isdigit():
            ids = (item_ids.get(int(subject_id)) or "").split()
            words = str(params.get("keyword", "")).split(", ")
            if about.finding_for(ids, words) is not None:
                watch.append(str(subject_id))
        elif kind == SURGE_KIND:
            subject = str(params.get("subject") or subject_id)
            if about.finding_for([subject], [subject]) is not None:
                surge.append(str(subject_id))
    if watch:
        sync(org, WATCH_KIND, [], default_severity="medium", subjects=watch)
    if surge:
        sync(org, SURGE_KIND, [], default_severity="high", subjects=surge)
    return len(watch) + len(surge)
