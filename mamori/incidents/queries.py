"""Reads of incident data, always within one organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from . import breach_clock
from .models import (
    OPEN_STATUSES,
    EntryKind,
    EvidenceFile,
    Incident,
    IncidentStatus,
    IncidentTask,
    TimelineEntry,
)


def incidents(org: Organization, status: str = "") -> QuerySet[Incident]:
    queryset = scoped(Incident, org).select_related("reported_by")
    if status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status in IncidentStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.annotate(
        open_tasks=Count("tasks", filter=Q(tasks__done_at__isnull=True), distinct=True),
        entry_count=Count("timeline", distinct=True),
    ).order_by("-reported_at", "-pk")


def incident(org: Organization, pk: int) -> Incident:
    return get_object_or_404(scoped(Incident, org).select_related("reported_by"), pk=pk)


def timeline(incident: Incident) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(incident=incident).order_by("created_at", "pk"))


def entry(incident: Incident, pk: int) -> TimelineEntry | None:
    return TimelineEntry.objects.filter(incident=incident, pk=pk).first()


def evidence(incident: Incident) -> list[EvidenceFile]:
    return list(
        EvidenceFile.objects.filter(incident=incident).select_related("uploaded_by").order_by("pk")
    )


def evidence_file(org: Organization, incident_pk: int, pk: int) -> EvidenceFile:
    return get_object_or_404(
        EvidenceFile.objects.filter(organization=org, incident_id=incident_pk), pk=pk
    )


def tasks(incident: Incident) -> list[IncidentTask]:
    return list(
        IncidentTask.objects.filter(incident=incident)
        .select_related("owner", "done_by")
        .order_by("done_at", "due_date", "pk")
    )


def task(org: Organization, incident_pk: int, pk: int) -> IncidentTask:
    return get_object_or_404(
        IncidentTask.objects.filter(organization=org, incident_id=incident_pk).select_related(
            "incident"
        ),
        pk=pk,
    )


def step_entries(incident: Incident) -> list[TimelineEntry]:
    return list(
        TimelineEntry.objects.filter(incident=incident, kind=EntryKind.STEP).order_by(
            "created_at", "pk"
        )
    )


@dataclass(frozen=True)
class ClockDeadline:
    incident_id: int
    title: str
    kind: str  # "preliminary" (速報) or "final" (確報)
    due: datetime


def pending_deadlines(incident: Incident) -> list[ClockDeadline]:
    """The report deadlines of an incident not yet met (sent), nearest first."""
    if incident.breach_aware_at is None or incident.breach_status in ("", "not_required"):
        return []
    try:
        clock = breach_clock.deadlines(incident.breach_aware_at, incident.breach_malicious)
    except ValueError:
        return []
    found = []
    if incident.preliminary_sent_on is None:
        found.append(
            ClockDeadline(incident.pk, incident.title, "preliminary", clock.preliminary_due)
        )
    if incident.final_sent_on is None:
        found.append(ClockDeadline(incident.pk, incident.title, "final", clock.final_due))
    return sorted(found, key=lambda d: d.due)


def open_summary(org: Organization) -> dict[str, Any]:
    """Open incidents and the nearest pending breach-clock deadline (two queries)."""
    open_count = scoped(Incident, org).filter(status__in=OPEN_STATUSES).count()
    with_clock = (
        scoped(Incident, org)
        .filter(status__in=OPEN_STATUSES, breach_aware_at__isnull=False)
        .exclude(breach_status__in=["", "not_required"])
    )
    deadlines = [
        d
        for inc in with_clock.only(
            "pk",
            "title",
            "breach_aware_at",
            "breach_malicious",
            "breach_status",
            "preliminary_sent_on",
            "final_sent_on",
        )
        for d in pending_deadlines(inc)
    ]
    nearest = min(deadlines, key=lambda d: d.due) if deadlines else None
    return {"open": open_count, "nearest": nearest}
