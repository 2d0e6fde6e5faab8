"""One overview of every organisation a user belongs to (支援者: an IT vendor, 商工会 advisor or
MSP looking after several clients from one account).

The scope is the user's memberships: every read below filters on those organisation ids, so
nothing from an organisation the user does not belong to can appear. The number of queries is
fixed whatever the number of organisations: each figure is one query grouped by organisation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from mamori.assessments.models import Assessment, AssessmentStatus
from mamori.assessments.queries import TREND_COMPLETIONS, Posture, posture_from_rows
from mamori.findings.models import Action, ActionStatus, Finding, Severity, Status
from mamori.incidents.models import OPEN_STATUSES, Incident
from mamori.incidents.queries import ClockDeadline, pending_deadlines
from mamori.intel.models import Feed
from mamori.monitoring.models import PageState, WatchedPage

from .models import Membership, Organization, Role

FAILING_PAGE_STATES = [PageState.CHANGED, PageState.DANGER, PageState.UNREACHABLE]

# ?sort= keys: each sorts worst first (lowest score, most problems, nearest deadline); ties and
# "name" sort by organisation name.
SORT_KEYS = ("name", "score", "critical", "overdue", "incidents", "deadline", "monitors", "feeds")
DEFAULT_SORT = "name"


@dataclass
class OrgOverview:
    organization: Organization
    role: str
    role_label: str
    posture: Posture | None = None
    open_critical: int = 0
    overdue_actions: int = 0
    open_incidents: int = 0
    nearest_deadline: ClockDeadline | None = None
    failed_monitors: int = 0
    failing_feeds: int = 0
    # The row's links by name (LINKS), built from one reverse per name for the whole page.
    links: dict[str, str] | None = None

    @property
    def score(self) -> float | None:
        return self.posture.score if self.posture else None

    @property
    def score_change(self) -> float | None:
        if self.posture is None or self.posture.score is None or self.posture.previous is None:
            return None
        return round(self.posture.score - self.posture.previous, 1)

    @property
    def needs_attention(self) -> bool:
        return bool(
            self.open_critical
            or self.overdue_actions
            or self.open_incidents
            or self.failed_monitors
            or self.failing_feeds
        )


# The pages a row links to. A `{% url %}` tag per cell resolved the pattern again for every
# organisation; the paths differ only in the slug, so each is reversed once (issue 20).
LINKS = {
    "dashboard": "core:dashboard",
    "findings": "findings:list",
    "incidents": "incidents:list",
    "monitoring": "monitoring:list",
    "feeds": "intel:feeds",
}
_SLUG_MARK = "slug-mark-0f3a"


def _link_makers() -> dict[str, tuple[str, str]]:
    made = {}
    for key, name in LINKS.items():
        head, _, tail = reverse(name, args=[_SLUG_MARK]).partition(_SLUG_MARK)
        made[key] = (head, tail)
    return made


def _counts(queryset: Any) -> dict[int, int]:
    return {
        row["organization_id"]: row["n"]
        for row in queryset.values("organization_id").annotate(n=Count("pk")).order_by()
    }


def _postures(org_ids: list[int]) -> dict[int, Posture]:
    """The newest TREND_COMPLETIONS completions of each organisation, in one query."""
    rows = (
        Assessment.objects.filter(
            organization_id__in=org_ids,
            status=AssessmentStatus.COMPLETED,
            percent__isnull=False,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("organization_id")],
                order_by=[F("completed_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=TREND_COMPLETIONS)
        .values_list("organization_id", "questionnaire_id", "completed_at", "percent")
    )
    by_org: dict[int, list[tuple[str, dt.datetime, float]]] = {}
    for org_id, questionnaire_id, completed_at, percent in rows:
        by_org.setdefault(org_id, []).append((questionnaire_id, completed_at, percent))
    return {org_id: posture_from_rows(org_rows) for org_id, org_rows in by_org.items()}


def _nearest_deadlines(org_ids: list[int]) -> dict[int, ClockDeadline]:
    incidents = (
        Incident.objects.filter(
            organization_id__in=org_ids,
            status__in=OPEN_STATUSES,
            breach_aware_at__isnull=False,
        )
        .exclude(breach_status__in=["", "not_required"])
        .only(
            "pk",
            "organization_id",
            "title",
            "breach_aware_at",
            "breach_malicious",
            "breach_status",
            "preliminary_sent_on",
            "final_sent_on",
        )
    )
    nearest: dict[int, ClockDeadline] = {}
    for incident in incidents:
        for deadline in pending_deadlines(incident):
            current = nearest.get(incident.organization_id)
            if current is None or deadline.due < current.due:
                nearest[incident.organization_id] = deadline
    return nearest


def _sort_key(sort: str) -> Any:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)

    def key(row: OrgOverview) -> tuple[Any, ...]:
        name = row.organization.name.casefold()
        if sort == "score":
            # Lowest score first; organisations never assessed after the scored ones.
            return (row.score is None, row.score if row.score is not None else 0.0, name)
        if sort == "deadline":
            due = row.nearest_deadline.due if row.nearest_deadline else far
            return (row.nearest_deadline is None, due, name)
        if sort in SORT_KEYS and sort != "name":
            value = {
                "critical": row.open_critical,
                "overdue": row.overdue_actions,
                "incidents": row.open_incidents,
                "monitors": row.failed_monitors,
                "feeds": row.failing_feeds,
            }[sort]
            return (-value, name)
        return (name,)

    return key


def normalise_sort(sort: str | None) -> str:
    return sort if sort in SORT_KEYS else DEFAULT_SORT


def owned_organizations(user: Any) -> list[Organization]:
    """The organisations `user` owns (the targets of the overview's bulk actions)."""
    return list(
        Organization.objects.filter(memberships__user=user, memberships__role=Role.OWNER).order_by(
            "name"
        )
    )


def overview(user: Any, sort: str | None = None) -> list[OrgOverview]:
    """One row per organisation `user` belongs to, sorted by `sort` (see SORT_KEYS).

    Eight queries whatever the number of organisations."""
    memberships = list(
        Membership.objects.filter(user=user).select_related("organization").order_by("pk")
    )
    if not memberships:
        return []
    org_ids = [m.organization_id for m in memberships]
    today = timezone.localdate()

    postures = _postures(org_ids)
    critical = _counts(
        Finding.objects.filter(
            organization_id__in=org_ids, status=Status.OPEN, severity=Severity.CRITICAL
        )
    )
    overdue = _counts(
        Action.objects.filter(organization_id__in=org_ids, due_date__lt=today).exclude(
            status=ActionStatus.DONE
        )
    )
    incidents = _counts(
        Incident.objects.filter(organization_id__in=org_ids, status__in=OPEN_STATUSES)
    )
    deadlines = _nearest_deadlines(org_ids)
    monitors = _counts(
        WatchedPage.objects.filter(
            organization_id__in=org_ids, enabled=True, state__in=FAILING_PAGE_STATES
        )
    )
    feeds = _counts(
        Feed.objects.filter(organization_id__in=org_ids, enabled=True).filter(
            Q(error_count__gt=0) | ~Q(last_error="")
        )
    )

    makers = _link_makers()
    rows = [
        OrgOverview(
            organization=m.organization,
            role=m.role,
            role_label=m.get_role_display(),
            posture=postures.get(m.organization_id),
            open_critical=critical.get(m.organization_id, 0),
            overdue_actions=overdue.get(m.organization_id, 0),
            open_incidents=incidents.get(m.organization_id, 0),
            nearest_deadline=deadlines.get(m.organization_id),
            failed_monitors=monitors.get(m.organization_id, 0),
            failing_feeds=feeds.get(m.organization_id, 0),
            links={
                key: f"{head}{quote(m.organization.slug, safe='')}{tail}"
                for key, (head, tail) in makers.items()
            },
        )
        for m in memberships
    ]
    rows.sort(key=_sort_key(normalise_sort(sort)))
    return rows
