"""Organisation-scoped reads of the drills and their results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .models import Drill, DrillRecipient


def drills(org: Organization) -> QuerySet[Drill]:
    return scoped(Drill, org).select_related("created_by", "approved_by")


def drill(org: Organization, pk: int) -> Drill:
    return get_object_or_404(drills(org), pk=pk)


def recipients(org: Organization, the_drill: Drill) -> QuerySet[DrillRecipient]:
    return scoped(DrillRecipient, org).filter(drill=the_drill).select_related("training")


@dataclass
class Tally:
    label: str
    people: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    attachment: int = 0
    machine: int = 0
    reported: int = 0
    rows: list[DrillRecipient] = field(default_factory=list)

    def add(self, row: DrillRecipient) -> None:
        self.people += 1
        self.delivered += row.delivered_at is not None
        self.opened += row.opened_at is not None
        self.clicked += row.clicked_at is not None
        self.attachment += row.attachment_opened_at is not None
        self.machine += row.machine_events > 0
        self.reported += row.reported_at is not None


@dataclass
class Results:
    total: Tally
    departments: list[Tally]
    rows: list[DrillRecipient]


def results(org: Organization, the_drill: Drill, no_department: str) -> Results:
    rows = list(recipients(org, the_drill))
    total = Tally(label="")
    by_department: dict[str, Tally] = {}
    for row in rows:
        total.add(row)
        label = row.department or no_department
        by_department.setdefault(label, Tally(label=label)).add(row)
    return Results(
        total=total,
        departments=sorted(by_department.values(), key=lambda tally: tally.label),
        rows=rows,
    )


def summary_counts(the_drill: Drill) -> dict[str, Any]:
    rows = the_drill.recipients.all()
    return {
        "people": rows.count(),
        "clicked": rows.filter(clicked_at__isnull=False).count(),
        "reported": rows.filter(reported_at__isnull=False).count(),
    }
