from __future__ import annotations

from typing import Any

from mamori.assessments.models import AnswerSet, Assessment, AssessmentStatus, SecurityPolicy


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    draft = Assessment.objects.create(organization=org, questionnaire_id="ipa_basic")
    AnswerSet.objects.create(
        assessment=draft, member=members["editor"], answers={"b01_updates": "done"}
    )
    done = Assessment.objects.create(
        organization=org, questionnaire_id="ipa_basic", status=AssessmentStatus.COMPLETED
    )
    from django.utils import timezone

    from mamori.assessments.questionnaire import load_all
    from mamori.assessments.scoring import score

    result = score(load_all()["ipa_basic"], {"b01_updates": "done"})
    Assessment.objects.filter(pk=done.pk).update(
        completed_at=timezone.now(), result=result.as_dict(), percent=result.percent
    )
    SecurityPolicy.objects.create(organization=org, title="情報セキュリティ基本方針", body="本文")
    return {
        "assessments:detail": {"pk": draft.pk},
        "assessments:answer": {"pk": draft.pk, "section": 1},
        "assessments:review": {"pk": draft.pk},
        "assessments:complete": {"pk": draft.pk},
        "assessments:delete": {"pk": draft.pk},
        "assessments:result": {"pk": done.pk},
        "assessments:compare": {"pk": done.pk},
    }
