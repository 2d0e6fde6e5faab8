"""Training rules (handbook §7.9): people never trained, not trained for a year, and new staff
without training in their first month. One finding per kind lists the people concerned, so a
small organisation sees one to-do per problem rather than one per person. Being about the whole
organisation, they have no `links` and always run in full (issue 20)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from mamori.findings.rules import FindingSpec, Rule, register
from mamori.inventory.models import EmploymentType, Person

from .models import TrainingRecord

YEAR_DAYS = 365
FIRST_MONTH_DAYS = 30
EVIDENCE_LIMIT = 50
TRIGGERS = frozenset({"inventory.person", "training.trainingrecord"})


def _staff(org: Any) -> list[tuple[int, str, date | None]]:
    """People still with the organisation (contractors are trained by their own employer)."""
    today = timezone.localdate()
    return list(
        Person.objects.filter(organization=org, archived_at__isnull=True)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .exclude(employment_type=EmploymentType.CONTRACTOR)
        .values_list("pk", "name", "joined_on")
        .order_by("name")
    )


def _last_completed(org: Any) -> dict[int, date | None]:
    """Person id → date of their latest completed training (None: completed, date unknown)."""
    rows = (
        TrainingRecord.objects.filter(organization=org, archived_at__isnull=True, completed=True)
        .values("person_id")
        .annotate(last=Max("taken_on"))
    )
    return {row["person_id"]: row["last"] for row in rows}


def _finding(kind: str, people: list[tuple[int, str]]) -> FindingSpec:
    names = [name for _pk, name in people]
    return FindingSpec(
        key=f"{kind}:organization",
        subject=", ".join(names[:5]) + (" …" if len(names) > 5 else ""),
        params={"count": len(people), "people": names[:20]},
        evidence=[{"kind": "person", "id": pk, "text": name} for pk, name in people][
            :EVIDENCE_LIMIT
        ],
    )


@register
class NeverTrained(Rule):
    kind = "training.never_trained"
    severity = "medium"
    triggers = TRIGGERS
    dated = True  # a year since the last training, a first month passed

    def evaluate(self, org: Any) -> Iterator[FindingSpec]:
        cutoff = timezone.localdate() - timedelta(days=YEAR_DAYS)
        trained = _last_completed(org)
        people = [
            (pk, name)
            for pk, name, joined in _staff(org)
            if pk not in trained and (joined is None or joined <= cutoff)
        ]
        if people:
            yield _finding(self.kind, people)


@register
class TrainingOverAYearAgo(Rule):
    kind = "training.training_overdue"
    severity = "low"
    triggers = TRIGGERS
    dated = True  # a year since the last training, a first month passed

    def evaluate(self, org: Any) -> Iterator[FindingSpec]:
        cutoff = timezone.localdate() - timedelta(days=YEAR_DAYS)
        trained = _last_completed(org)
        people = [
            (pk, name)
            for pk, name, _joined in _staff(org)
            if pk in trained and trained[pk] is not None and trained[pk] < cutoff
        ]
        if people:
            yield _finding(self.kind, people)


@register
class NewStaffUntrained(Rule):
    kind = "training.new_staff_untrained"
    severity = "medium"
    triggers = TRIGGERS
    dated = True  # a year since the last training, a first month passed

    def evaluate(self, org: Any) -> Iterator[FindingSpec]:
        today = timezone.localdate()
        year_ago = today - timedelta(days=YEAR_DAYS)
        month_ago = today - timedelta(days=FIRST_MONTH_DAYS)
        trained = _last_completed(org)
        people = [
            (pk, name)
            for pk, name, joined in _staff(org)
            if joined is not None and year_ago < joined <= month_ago and pk not in trained
        ]
        if people:
            yield _finding(self.kind, people)
