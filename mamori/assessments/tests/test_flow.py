"""Start → answer section by section → complete: results kept, weak answers in the spine."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mamori.assessments.models import AnswerSet, AssessmentStatus
from mamori.assessments.questionnaire import load_all
from mamori.assessments.results import Result
from mamori.assessments.scoring import score
from mamori.assessments.services import finding_kind
from mamori.audit.models import AuditEvent
from mamori.findings.models import Action, Finding, Status

from .helpers import IPA, answer_all, complete, ipa_answers, start

WEAK = {"b01_updates": "not_done", "s11_backup": "unknown", "o25_rules": "partial"}


@pytest.mark.django_db
def test_complete_keeps_result_and_opens_one_finding_per_weak_answer(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    assessment = start(owner, org)
    answer_all(owner, org, assessment, ipa_answers(WEAK))
    response = complete(owner, org, assessment)
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.COMPLETED
    expected = score(load_all()[IPA], ipa_answers(WEAK))
    stored = Result.from_dict(assessment.result)
    assert stored.total == expected.total == 100 - 4 - 5 - 2
    assert [s.total for s in stored.sections] == [s.total for s in expected.sections]
    assert assessment.percent == expected.percent

    findings = Finding.objects.filter(organization=org, kind=finding_kind(IPA))
    assert sorted(f.key for f in findings) == sorted(w.finding_key for w in expected.weak)
    assert len(expected.weak) == 3
    assert Action.objects.filter(finding__in=findings).count() == 3
    updates = findings.get(key=expected.weak[0].finding_key)
    assert updates.guidance_key == "assessment.weak_answer"
    assert any(e["kind"] == "advice" for e in updates.evidence)
    assert AuditEvent.objects.filter(action="assessment.completed").count() == 1

    # The finding page shows the guidance with the question filled in.
    page = owner.get(reverse("findings:detail", kwargs={"org_slug": org.slug, "pk": updates.pk}))
    assert page.status_code == 200
    assert expected.weak[0].title.ja in page.content.decode()


@pytest.mark.django_db
def test_answering_well_next_time_resolves_and_weak_again_reopens(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    first = start(owner, org)
    answer_all(owner, org, first, ipa_answers(WEAK))
    complete(owner, org, first)
    second = start(owner, org)
    answer_all(owner, org, second, ipa_answers({"b01_updates": "not_done"}))
    complete(owner, org, second)
    findings = Finding.objects.filter(organization=org, kind=finding_kind(IPA))
    assert findings.count() == 3  # never duplicated
    assert findings.filter(status=Status.OPEN).count() == 1
    assert findings.get(status=Status.OPEN).key.endswith("b01_updates")
    third = start(owner, org)
    answer_all(owner, org, third, ipa_answers())
    complete(owner, org, third)
    assert not findings.filter(status=Status.OPEN).exists()
    # Another questionnaire's findings are left alone by an ipa_basic completion.
    bcp = start(owner, org, "bcp")
    answer_all(owner, org, bcp, {q.id: "no" for q in load_all()["bcp"].questions})
    complete(owner, org, bcp)
    bcp_open = Finding.objects.filter(kind=finding_kind("bcp"), status=Status.OPEN).count()
    assert bcp_open == 20
    fourth = start(owner, org)
    answer_all(owner, org, fourth, ipa_answers())
    complete(owner, org, fourth)
    assert Finding.objects.filter(kind=finding_kind("bcp"), status=Status.OPEN).count() == 20


@pytest.mark.django_db
def test_each_member_keeps_answers_and_owner_answer_wins(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner, editor = client_as(members["owner"]), client_as(members["editor"])
    assessment = start(editor, org)
    answer_all(editor, org, assessment, ipa_answers({"b02_antivirus": "not_done"}))
    answer_all(owner, org, assessment, ipa_answers({"b03_passwords": "partial"}))
    sets = {s.member_id: s.answers for s in AnswerSet.objects.filter(assessment=assessment)}
    assert sets[members["editor"].pk]["b02_antivirus"] == "not_done"
    assert sets[members["owner"].pk]["b02_antivirus"] == "done"
    review = owner.get(
        reverse("assessments:review", kwargs={"org_slug": org.slug, "pk": assessment.pk})
    )
    text = review.content.decode()
    assert "編集 花子" in text and "所有 太郎" in text
    assert "あなたの回答" in text  # the conflict is listed with the owner's answer kept
    # The editor cannot complete; the owner can.
    assert complete(editor, org, assessment).status_code == 403
    complete(owner, org, assessment)
    assessment.refresh_from_db()
    assert assessment.answers["b02_antivirus"] == "done"
    assert assessment.answers["b03_passwords"] == "partial"


@pytest.mark.django_db
def test_undecided_conflict_needs_the_owners_decision(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner, editor = client_as(members["owner"]), client_as(members["editor"])
    assessment = start(editor, org, "handbook")
    url = reverse(
        "assessments:answer", kwargs={"org_slug": org.slug, "pk": assessment.pk, "section": 1}
    )
    editor.post(url, {"shown": ["h01_scope"], "h01_scope": "本社のみ", "go": "stay"})
    viewer_like = client_as(members["outsider"])
    assert viewer_like.get(url).status_code == 404
    from mamori.assessments.models import Assessment
    from mamori.orgs.models import Membership, Role

    second_editor = members["viewer"]
    Membership.objects.filter(organization=org, user=second_editor).update(role=Role.EDITOR)
    client_as(second_editor).post(
        url, {"shown": ["h01_scope"], "h01_scope": "本社と支店", "go": "stay"}
    )
    response = complete(owner, org, assessment)
    assert response.status_code == 200  # the review page again, asking for a decision
    assert "h01_scope" in response.content.decode()
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DRAFT
    complete(owner, org, assessment, h01_scope="本社と支店の両方")
    assessment.refresh_from_db()
    assert assessment.answers["h01_scope"] == "本社と支店の両方"


@pytest.mark.django_db
def test_completed_assessment_cannot_be_answered_or_deleted(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    assessment = start(owner, org)
    answer_all(owner, org, assessment, ipa_answers())
    complete(owner, org, assessment)
    url = reverse(
        "assessments:answer", kwargs={"org_slug": org.slug, "pk": assessment.pk, "section": 1}
    )
    response = owner.post(url, {"shown": ["b01_updates"], "b01_updates": "not_done"})
    assert response.status_code == 302
    delete = reverse("assessments:delete", kwargs={"org_slug": org.slug, "pk": assessment.pk})
    owner.post(delete)
    assessment.refresh_from_db()
    assert assessment.answers["b01_updates"] == "done"
    assert complete(owner, org, assessment).status_code == 302
    assert Finding.objects.filter(organization=org).count() == 0


@pytest.mark.django_db
def test_empty_assessment_is_not_completed_and_a_draft_can_be_deleted(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.assessments.models import Assessment

    owner = client_as(members["owner"])
    assessment = start(owner, org)
    response = complete(owner, org, assessment)
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT
    messages = owner.get(response["Location"]).content.decode()
    assert "まだ誰も回答していません" in messages
    delete = reverse("assessments:delete", kwargs={"org_slug": org.slug, "pk": assessment.pk})
    assert client_as(members["editor"]).post(delete).status_code == 302
    assert not Assessment.objects.filter(pk=assessment.pk).exists()
    assert AuditEvent.objects.filter(action="assessment.deleted").count() == 1
