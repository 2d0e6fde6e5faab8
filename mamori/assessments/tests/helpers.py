"""Test helpers: answer an assessment through the real pages (no shortcuts into services)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from mamori.assessments.models import Assessment
from mamori.assessments.questionnaire import load_all

IPA = "ipa_basic"


def ipa_answers(weak: dict[str, str] | None = None) -> dict[str, str]:
    """Every ipa_basic question answered "done", except the ones given."""
    answers = {q.id: "done" for q in load_all()[IPA].questions}
    answers.update(weak or {})
    return answers


def start(client: Client, org: Any, questionnaire: str = IPA) -> Assessment:
    response = client.post(
        reverse("assessments:list", kwargs={"org_slug": org.slug}),
        {"questionnaire": questionnaire},
    )
    assert response.status_code == 302, response.content[:500]
    return Assessment.objects.filter(organization=org).order_by("-pk").first()


def answer_all(client: Client, org: Any, assessment: Assessment, answers: dict[str, Any]) -> None:
    """Post each section's answers (all shown questions of a section at once)."""
    questionnaire = load_all()[assessment.questionnaire_id]
    for number, section in enumerate(questionnaire.sections, start=1):
        url = reverse(
            "assessments:answer",
            kwargs={"org_slug": org.slug, "pk": assessment.pk, "section": number},
        )
        ids = [q.id for q in section.questions]
        data: dict[str, Any] = {"shown": ids, "go": "next"}
        for question_id in ids:
            if question_id in answers:
                data[question_id] = answers[question_id]
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]


def complete(client: Client, org: Any, assessment: Assessment, **decisions: Any) -> Any:
    return client.post(
        reverse("assessments:complete", kwargs={"org_slug": org.slug, "pk": assessment.pk}),
        decisions,
    )
