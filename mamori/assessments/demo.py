"""`mamori demo`: two completed basic checks (an older, weaker one and a recent one, so the
dashboard shows a trend and open actions) and a draft basic security policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from .models import AnswerSet, Assessment
from .questionnaire import load_all
from .services import complete, generate_policy

# The older check: many gaps. The recent one: updates and antivirus fixed, some gaps remain.
OLDER_GAPS = {
    "b01_updates": "partial",
    "b02_antivirus": "not_done",
    "b03_passwords": "partial",
    "s08_mail_protect": "unknown",
    "s11_backup": "not_done",
    "s14_screen_lock": "partial",
    "o20_training": "not_done",
    "o24_incident": "not_done",
    "o25_rules": "not_done",
}
RECENT_GAPS = {
    "b03_passwords": "partial",
    "s11_backup": "partial",
    "s08_mail_protect": "unknown",
    "o20_training": "not_done",
    "o24_incident": "not_done",
    "o25_rules": "partial",
}


def _completed(ctx: Any, gaps: dict[str, str], days_ago: int) -> Assessment:
    questionnaire = load_all()["ipa_basic"]
    owner = ctx.users["owner"]
    when = timezone.now() - dt.timedelta(days=days_ago)
    assessment = Assessment.objects.create(
        organization=ctx.org,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        created_by=owner,
        created_at=when,
    )
    answers = {q.id: "done" for q in questionnaire.questions}
    answers.update(gaps)
    AnswerSet.objects.create(assessment=assessment, member=owner, answers=answers, updated_at=when)
    complete(None, assessment, actor=owner, today=timezone.localtime(when).date())
    Assessment.objects.filter(pk=assessment.pk).update(completed_at=when)
    return assessment


def build(ctx: Any) -> None:
    _completed(ctx, OLDER_GAPS, days_ago=150)
    _completed(ctx, RECENT_GAPS, days_ago=2)
    generate_policy(None, ctx.org, representative="代表取締役 山田 太郎", actor=ctx.users["owner"])
    ctx.notes.append(
        "assessments: two basic checks (150 and 2 days ago), open actions, a draft policy"
    )
