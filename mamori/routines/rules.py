"""A chore that comes due is a finding of kind `routines.due` whose action is due on the chore's
date: it shows in the to-do list and the deadlines calendar from LEAD_DAYS before, turns overdue
(and high) when the date passes, and resolves when the chore is marked done (its next date then
lies outside the window, so the rule no longer reports it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import override

from mamori.findings.rules import FindingSpec, Rule, Subjects, register, same, wanted

from .models import Chore, ChoreKind

KIND = "routines.due"
CHORE = "routines.chore"
LEAD_DAYS = 14


def _title(chore: Chore, language: str) -> str:
    if chore.title:
        return chore.title
    with override(language):
        return str(ChoreKind(chore.kind).label)


@register
class ChoreDue(Rule):
    kind = KIND
    severity = "medium"
    triggers = frozenset({CHORE})
    links = {CHORE: same(CHORE)}
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        today = timezone.localdate()
        chores = Chore.objects.filter(
            organization=org, paused=False, next_due__lte=today + timedelta(days=LEAD_DAYS)
        )
        if (ids := wanted(subjects, CHORE)) is not None:
            chores = chores.filter(pk__in=ids)
        for chore in chores:
            title_ja, title_en = _title(chore, "ja"), _title(chore, "en")
            due = chore.next_due.isoformat()
            evidence: list[dict[str, Any]] = []
            if chore.source:
                evidence.append({"kind": "source", "text": chore.source})
            yield FindingSpec(
                # The due date is part of the key: each round is its own finding, so marking one
                # done resolves it and the next round opens fresh with its own date.
                key=f"{KIND}:{chore.pk}:{due}",
                subject=title_ja,
                subject_type=CHORE,
                subject_id=str(chore.pk),
                params={
                    "chore": title_ja,
                    "chore_en": title_en,
                    "subject_en": title_en,
                    "due": due,
                },
                evidence=evidence,
                severity="high" if chore.next_due < today else "medium",
                due_date=chore.next_due,
            )
