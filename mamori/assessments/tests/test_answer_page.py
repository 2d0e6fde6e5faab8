"""The answer page: drafts saved on every submit, conditional questions decided on the server,
advice next to weak answers, "never" on date questions, bad input reported beside the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mamori.assessments.models import AnswerSet
from mamori.assessments.questionnaire import load_all

from .helpers import start


def _url(org: Any, assessment: Any, section: int) -> str:
    return reverse(
        "assessments:answer",
        kwargs={"org_slug": org.slug, "pk": assessment.pk, "section": section},
    )


def _answers(assessment: Any, user: Any) -> dict[str, Any]:
    return AnswerSet.objects.get(assessment=assessment, member=user).answers


def _section_number(questionnaire_id: str, question_id: str) -> int:
    questionnaire = load_all()[questionnaire_id]
    for number, section in enumerate(questionnaire.sections, start=1):
        if any(q.id == question_id for q in section.questions):
            return number
    raise AssertionError(question_id)


@pytest.mark.django_db
def test_draft_saved_and_advice_shown_next_to_a_weak_answer(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    assessment = start(owner, org)
    url = _url(org, assessment, 1)
    page = owner.get(url).content.decode()
    assert 'name="b01_updates"' in page and "実施している" in page
    assert 'data-testid="advice"' not in page
    owner.post(url, {"shown": ["b01_updates"], "b01_updates": "not_done", "go": "stay"})
    assert _answers(assessment, members["owner"]) == {"b01_updates": "not_done"}
    page = owner.get(url).content.decode()
    guidance = load_all()["ipa_basic"].question("b01_updates").finding.guidance.ja
    assert 'data-testid="advice"' in page
    assert guidance.splitlines()[0][:20] in page
    # Answering well removes the advice; clearing an answer removes it from the draft.
    owner.post(url, {"shown": ["b01_updates"], "b01_updates": "done", "go": "stay"})
    assert 'data-testid="advice"' not in owner.get(url).content.decode()
    owner.post(url, {"shown": ["b01_updates"], "go": "stay"})
    assert _answers(assessment, members["owner"]) == {}


@pytest.mark.django_db
def test_bad_choice_is_reported_beside_the_field_and_nothing_saved(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    assessment = start(owner, org)
    response = owner.post(
        _url(org, assessment, 1),
        {
            "shown": ["b01_updates", "b02_antivirus"],
            "b01_updates": "done",
            "b02_antivirus": "hacked<script>",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="error"' in text and "has-error" in text
    assert "hacked<script>" not in text
    assert not AnswerSet.objects.filter(assessment=assessment).exists()


@pytest.mark.django_db
def test_conditional_question_appears_only_after_the_answer_that_needs_it(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    assessment = start(owner, org, "handbook")
    number = _section_number("handbook", "h03_remote")
    url = _url(org, assessment, number)
    page = owner.get(url).content.decode()
    assert 'name="h03_remote"' in page
    assert 'name="h03_rules"' not in page
    # Saying yes reveals the follow-up: the same section comes back with it.
    response = owner.post(
        url, {"shown": ["h03_remote", "h03_vendor_check"], "h03_remote": "yes", "go": "next"}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert 'name="h03_rules"' in owner.get(url).content.decode()
    # A hidden question's answer is not taken even when posted.
    owner.post(
        url,
        {"shown": ["h03_remote", "h03_rules"], "h03_remote": "no", "h03_rules": "yes"},
    )
    saved = _answers(assessment, members["owner"])
    assert saved.get("h03_remote") == "no"
    assert "h03_rules" not in saved
    assert 'name="h03_rules"' not in owner.get(url).content.decode()


@pytest.mark.django_db
def test_date_question_offers_never_and_checks_the_date(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    assessment = start(owner, org, "handbook")
    question = "h07_5_restore_test"
    url = _url(org, assessment, _section_number("handbook", question))
    page = owner.get(url).content.decode()
    assert f'name="{question}__never"' in page and "まだない" in page
    both = owner.post(
        url, {"shown": [question], question: "2024-01-10", f"{question}__never": "on"}
    )
    assert both.status_code == 200 and "どちらか一方" in both.content.decode()
    future = owner.post(url, {"shown": [question], question: "2999-01-01"})
    assert future.status_code == 200 and "未来の日付" in future.content.decode()
    not_a_date = owner.post(url, {"shown": [question], question: "yesterday"})
    assert not_a_date.status_code == 200
    assert not AnswerSet.objects.filter(assessment=assessment).exists()
    owner.post(url, {"shown": [question], f"{question}__never": "on", "go": "stay"})
    assert _answers(assessment, members["owner"])[question] == "never"
    assert "checked" in owner.get(url).content.decode()
    owner.post(url, {"shown": [question], question: "2024-01-10", "go": "stay"})
    assert _answers(assessment, members["owner"])[question] == "2024-01-10"


@pytest.mark.django_db
def test_exclusive_choice_cannot_be_combined(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    assessment = start(owner, org, "handbook")
    question = load_all()["handbook"].question("h05_sources")
    exclusive = next(c.id for c in question.choices if c.exclusive)
    other = next(c.id for c in question.choices if not c.exclusive)
    url = _url(org, assessment, _section_number("handbook", question.id))
    response = owner.post(url, {"shown": [question.id], question.id: [exclusive, other]})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    owner.post(url, {"shown": [question.id], question.id: [other], "go": "stay"})
    assert _answers(assessment, members["owner"])[question.id] == [other]


@pytest.mark.django_db
def test_section_out_of_range_is_404(org: Any, members: dict[str, Any], client_as: Any) -> None:
    owner = client_as(members["owner"])
    assessment = start(owner, org)
    assert owner.get(_url(org, assessment, 4)).status_code == 404
    assert owner.get(_url(org, assessment, 0)).status_code == 404


@pytest.mark.django_db
def test_a_post_without_the_shown_questions_changes_nothing(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    assessment = start(owner, org)
    url = _url(org, assessment, 1)
    owner.post(
        url,
        {"shown": ["b01_updates", "b02_antivirus"], "b01_updates": "done", "b02_antivirus": "done"},
    )
    owner.post(url, {})
    owner.post(url, {"shown": ["b01_updates"], "go": "stay"})
    assert _answers(assessment, members["owner"]) == {"b02_antivirus": "done"}
