"""Organisation-scoped reads of assessments, and the posture score.

Posture score (shown on the dashboard and the report): the average, over every questionnaire
the organisation has completed at least once, of the percent score of its latest completed
assessment. Each area checked counts once and only its latest state counts, so re-checking an
area after fixing things raises the score, and a new area checked lowers it only if it is weak.
The trend is the same average taken after each completion, oldest first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .models import AnswerSet, Assessment, AssessmentStatus, SecurityPolicy

# How often an assessment should be repeated (IPA and the handbook advise checking regularly;
# twice a year keeps the score meaningful without becoming a chore).
REASSESS_DAYS = 182
# Completions read to draw the trend (the newest ones; bounded whatever the history).
TREND_COMPLETIONS = 200
TREND_POINTS = 12


def assessments(org: Organization) -> QuerySet[Assessment]:
    return (
        scoped(Assessment, org)
        .select_related("created_by", "completed_by")
        .defer("answers", "result")
        .order_by("-created_at", "-pk")
    )


def completed(org: Organization, questionnaire_id: str | None = None) -> QuerySet[Assessment]:
    rows = scoped(Assessment, org).filter(status=AssessmentStatus.COMPLETED)
    if questionnaire_id:
        rows = rows.filter(questionnaire_id=questionnaire_id)
    return rows.order_by("-completed_at", "-pk")


def previous_completed(assessment: Assessment) -> Assessment | None:
    """The completed assessment of the same questionnaire just before this one."""
    if assessment.completed_at is None:
        return completed(assessment.organization, assessment.questionnaire_id).first()
    return (
        completed(assessment.organization, assessment.questionnaire_id)
        .filter(completed_at__lt=assessment.completed_at)
        .first()
    )


def answer_sets(assessment: Assessment) -> QuerySet[AnswerSet]:
    return assessment.answer_sets.select_related("member").order_by("updated_at", "pk")


def policy_of(org: Organization) -> SecurityPolicy | None:
    return scoped(SecurityPolicy, org).first()


@dataclass(frozen=True)
class PosturePoint:
    when: dt.datetime
    score: float


@dataclass(frozen=True)
class Posture:
    score: float | None  # None until a first assessment is completed
    previous: float | None
    points: tuple[PosturePoint, ...]
    per_questionnaire: dict[str, float]
    last_completed_at: dt.datetime | None
    last_questionnaire: str | None
    next_due: dt.date | None

    @property
    def delta(self) -> float | None:
        if self.score is None or self.previous is None:
            return None
        return round(self.score - self.previous, 1)


def posture_from_rows(rows: list[tuple[str, dt.datetime, float]]) -> Posture:
    """The posture score and its trend from (questionnaire id, completed at, percent) rows in
    any order (pure: tested without a database)."""
    latest: dict[str, float] = {}
    points: list[PosturePoint] = []
    for questionnaire_id, when, percent in sorted(rows, key=lambda row: row[1]):
        latest[questionnaire_id] = float(percent)
        points.append(PosturePoint(when, round(sum(latest.values()) / len(latest), 1)))
    score = points[-1].score if points else None
    previous = points[-2].score if len(points) > 1 else None
    last = max(rows, key=lambda row: row[1]) if rows else None
    last_at = last[1] if last else None
    next_due = (
        timezone.localtime(last_at).date() + dt.timedelta(days=REASSESS_DAYS) if last_at else None
    )
    return Posture(
        score=score,
        previous=previous,
        points=tuple(points[-TREND_POINTS:]),
        per_questionnaire=latest,
        last_completed_at=last_at,
        last_questionnaire=last[0] if last else None,
        next_due=next_due,
    )


def posture(org: Organization) -> Posture:
    """One query, bounded by TREND_COMPLETIONS rows."""
    rows = list(
        scoped(Assessment, org)
        .filter(status=AssessmentStatus.COMPLETED, percent__isnull=False)
        .order_by("-completed_at", "-pk")
        .values_list("questionnaire_id", "completed_at", "percent")[:TREND_COMPLETIONS]
    )
    return posture_from_rows(rows)


def trend_text(points: Any) -> str:
    """The trend as plain figures (oldest → newest), for the tile and the report."""
    return " → ".join(f"{p.score:g}" for p in points)
