"""Changes to assessments and the security policy: one transaction and one audit event per
call; weak answers of a completed assessment go to the findings spine in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import record
from mamori.findings.rules import FindingSpec
from mamori.findings.services import SyncResult, sync
from mamori.orgs.models import Organization

from .models import AnswerSet, Assessment, AssessmentStatus, SecurityPolicy
from .policy import draft_policy, render_text
from .questionnaire import Questionnaire, load_all
from .results import Result, WeakAnswer
from .scoring import MergeResult, merge, score

GUIDANCE_KEY = "assessment.weak_answer"
MAX_ANSWER_SETS = 200  # members answering one assessment; more is refused


class AssessmentError(Exception):
    """A change the rules forbid; the message is shown to the user."""


def questionnaire_of(assessment: Assessment) -> Questionnaire:
    questionnaire = load_all().get(assessment.questionnaire_id)
    if questionnaire is None:
        raise AssessmentError(f"unknown questionnaire {assessment.questionnaire_id}")
    return questionnaire


def finding_kind(questionnaire_id: str) -> str:
    """One finding kind per questionnaire: completing one questionnaire resolves only its own
    findings (sync with complete=True is per kind)."""
    return f"assessment.{questionnaire_id}"


def start(request: HttpRequest, org: Organization, questionnaire_id: str) -> Assessment:
    questionnaire = load_all().get(questionnaire_id)
    if questionnaire is None:
        raise AssessmentError(questionnaire_id)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            organization=org,
            questionnaire_id=questionnaire.id,
            questionnaire_version=questionnaire.version,
            created_by=request.user,
        )
        record(
            "assessment.started",
            request=request,
            organization=org,
            obj=assessment,
            changes={"questionnaire": questionnaire.id},
        )
    return assessment


def save_section(
    request: HttpRequest,
    assessment: Assessment,
    section_id: str,
    values: Mapping[str, Any],
    shown: Iterable[str] | None = None,
) -> AnswerSet:
    """Store the member's answers for one section (a draft: saved on every submit). Answers of
    the ``shown`` questions (default: the whole section) not in ``values`` are cleared (the
    member emptied them); other answers are kept."""
    if assessment.is_completed:
        raise AssessmentError("completed")
    questionnaire = questionnaire_of(assessment)
    section = questionnaire.section(section_id)
    if section is None:
        raise AssessmentError(section_id)
    section_ids = {q.id for q in section.questions}
    if shown is not None:
        section_ids &= set(shown)
    with transaction.atomic():
        answer_set, created = AnswerSet.objects.select_for_update().get_or_create(
            assessment=assessment, member=request.user
        )
        if created and assessment.answer_sets.count() > MAX_ANSWER_SETS:
            raise AssessmentError("too many members")
        answers = {k: v for k, v in answer_set.answers.items() if k not in section_ids}
        for question_id, value in values.items():
            if question_id in section_ids and value not in (None, "", []):
                answers[question_id] = value
        # A question hidden by the answers (show_if) keeps no answer: it would not count anyway,
        # and a stale answer would confuse the merge.
        shown = score(questionnaire, answers, today=timezone.localdate()).questions
        hidden = {q.question_id for q in shown if not q.visible}
        answers = {k: v for k, v in answers.items() if k not in hidden}
        answer_set.answers = answers
        answer_set.updated_at = timezone.now()
        answer_set.save(update_fields=["answers", "updated_at"])
        record(
            "assessment.answered",
            request=request,
            organization=assessment.organization,
            obj=assessment,
            changes={"section": section_id, "answered": sorted(set(values) & section_ids)},
        )
    return answer_set


def merged_answers(assessment: Assessment, owner: Any) -> MergeResult:
    """Every member's answers merged; the completing owner's answer wins a disagreement."""
    questionnaire = questionnaire_of(assessment)
    sets = [
        (str(s.member_id), s.answers)
        for s in assessment.answer_sets.order_by("updated_at", "pk").only("member_id", "answers")
    ]
    return merge(sets, questionnaire, owner=str(getattr(owner, "pk", owner)))


def complete(
    request: HttpRequest | None,
    assessment: Assessment,
    decisions: Mapping[str, Any] | None = None,
    *,
    actor: Any = None,
    today: dt.date | None = None,
) -> Result:
    """Merge, apply the owner's decisions on open conflicts, score, keep the result and turn
    every weak answer into a finding (resolving this questionnaire's findings that are gone)."""
    if assessment.is_completed:
        raise AssessmentError("completed")
    questionnaire = questionnaire_of(assessment)
    user = actor if actor is not None else getattr(request, "user", None)
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.is_completed:
            raise AssessmentError("completed")
        merged = merged_answers(locked, user)
        answers = dict(merged.answers)
        for question_id, value in (decisions or {}).items():
            if questionnaire.question(question_id) is not None and value not in (None, ""):
                answers[question_id] = value
        result = score(questionnaire, answers, today=today or timezone.localdate())
        _store_result(locked, result, answers, user)
        sync_findings(locked.organization, questionnaire, result)
        record(
            "assessment.completed",
            request=request,
            actor=user,
            organization=locked.organization,
            obj=locked,
            changes={
                "questionnaire": questionnaire.id,
                "percent": result.percent,
                "weak": len(result.weak),
                "conflicts": len(merged.conflicts),
            },
        )
    assessment.refresh_from_db()
    return result


def _store_result(assessment: Assessment, result: Result, answers: dict[str, Any], by: Any) -> None:
    assessment.status = AssessmentStatus.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.completed_by = by
    assessment.answers = answers
    assessment.result = result.as_dict()
    assessment.percent = result.percent
    assessment.total = result.total
    assessment.band_key = result.band.key
    assessment.weak_count = len(result.weak)
    assessment.save()


def finding_spec(questionnaire: Questionnaire, weak: WeakAnswer) -> FindingSpec:
    """One weak answer as a finding: the finding's text comes from the guidance
    ``assessment.weak_answer``; the answer and the question's own advice are its evidence."""
    evidence = [
        {
            "kind": "answer",
            "id": weak.question_id,
            "text": f"{weak.question.ja} → {weak.answer_label.ja if weak.answer_label else '—'}",
            "text_en": f"{weak.question.en} → {weak.answer_label.en if weak.answer_label else '—'}",
        },
        {
            "kind": "advice",
            "id": weak.cite,
            "text": weak.guidance.ja,
            "text_en": weak.guidance.en,
        },
        {"kind": "source", "id": weak.cite, "text": weak.cite},
    ]
    return FindingSpec(
        key=weak.finding_key,
        subject=weak.title.ja,
        params={
            "subject_en": weak.title.en,
            "questionnaire": questionnaire.title.ja,
            "question": weak.title.ja,
            "questionnaire_en": questionnaire.title.en,
            "question_en": weak.title.en,
        },
        evidence=evidence,
        severity=weak.severity,
        subject_type="assessments.question",
        subject_id=weak.question_id[:64],
    )


def sync_findings(org: Organization, questionnaire: Questionnaire, result: Result) -> SyncResult:
    return sync(
        org,
        finding_kind(questionnaire.id),
        [finding_spec(questionnaire, weak) for weak in result.weak],
        default_severity="medium",
        complete=True,
        guidance_key=GUIDANCE_KEY,
    )


def delete_draft(request: HttpRequest, assessment: Assessment) -> None:
    if assessment.is_completed:
        raise AssessmentError("completed")
    with transaction.atomic():
        record(
            "assessment.deleted",
            request=request,
            organization=assessment.organization,
            obj=assessment,
        )
        assessment.delete()


# --- the basic security policy -------------------------------------------------------------


def latest_answers(org: Organization) -> dict[str, dict[str, Any]]:
    """{questionnaire id: merged answers of its latest completed assessment}."""
    answers: dict[str, dict[str, Any]] = {}
    rows = (
        Assessment.objects.filter(organization=org, status=AssessmentStatus.COMPLETED)
        .order_by("questionnaire_id", "-completed_at", "-pk")
        .values_list("questionnaire_id", "answers")
    )
    for questionnaire_id, stored in rows:
        answers.setdefault(questionnaire_id, stored if isinstance(stored, dict) else {})
    return answers


def generate_policy(
    request: HttpRequest | None,
    org: Organization,
    *,
    representative: str = "",
    language: str = "ja",
    actor: Any = None,
    on: dt.date | None = None,
) -> SecurityPolicy:
    """(Re)write the draft from the template, the organisation's name and its latest answers.
    An adopted policy keeps its adoption date only if the owner adopts again."""
    lang = "en" if language.startswith("en") else "ja"
    draft = draft_policy(
        org.name,
        latest_answers(org),
        representative=representative,
        on=on or timezone.localdate(),
    )
    body = render_text(draft, lang)
    title, _, rest = body.partition("\n")
    with transaction.atomic():
        policy, created = SecurityPolicy.objects.select_for_update().get_or_create(
            organization=org, defaults={"title": title, "body": rest.strip()}
        )
        policy.title = title[:200]
        policy.body = rest.strip()
        policy.language = lang
        policy.representative = draft.representative
        policy.adopted_on = None
        policy.updated_at = timezone.now()
        policy.updated_by = actor or (request.user if request is not None else None)
        policy.save()
        record(
            "policy.generated",
            request=request,
            actor=actor,
            organization=org,
            obj=policy,
            changes={"language": lang, "created": created},
        )
    return policy


def update_policy(
    request: HttpRequest, policy: SecurityPolicy, *, title: str, body: str, adopted_on: Any
) -> None:
    with transaction.atomic():
        before = policy.as_audit()
        policy.title = title
        policy.body = body
        policy.adopted_on = adopted_on
        policy.updated_at = timezone.now()
        policy.updated_by = request.user
        policy.save()
        after = policy.as_audit()
        record(
            "policy.updated",
            request=request,
            organization=policy.organization,
            obj=policy,
            changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        )
