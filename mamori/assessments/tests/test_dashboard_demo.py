"""Dashboard tiles (query count constant as data grows, across every tile provider) and the
demo builder."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mamori.assessments.models import Assessment, AssessmentStatus, SecurityPolicy
from mamori.assessments.queries import posture
from mamori.core.dashboard import TILE_PROVIDERS
from mamori.findings.models import Action, Finding, Status


def _grow(org: Any, n: int, offset: int) -> None:
    today = timezone.localdate()
    findings = Finding.objects.bulk_create(
        [
            Finding(
                organization=org,
                kind="test.kind",
                key=f"test:{offset + i}",
                severity=("critical", "high", "medium", "low")[i % 4],
                severity_rank=4 - i % 4,
                status=(Status.OPEN, Status.OPEN, Status.ACCEPTED, Status.RESOLVED)[i % 4],
                subject=f"問題 {offset + i}",
                guidance_key="assessment.weak_answer",
            )
            for i in range(n)
        ]
    )
    Action.objects.bulk_create(
        [
            Action(organization=org, finding=f, due_date=today + dt.timedelta(days=i % 40 - 5))
            for i, f in enumerate(findings)
        ]
    )
    now = timezone.now()
    Assessment.objects.bulk_create(
        [
            Assessment(
                organization=org,
                questionnaire_id=("ipa_basic", "bcp", "handbook")[i % 3],
                status=AssessmentStatus.COMPLETED,
                completed_at=now - dt.timedelta(days=offset + i),
                percent=float(40 + i % 50),
            )
            for i in range(n)
        ]
    )


@pytest.mark.django_db
def test_dashboard_query_count_does_not_grow_with_data(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    assert "mamori.assessments.tiles:tiles" in TILE_PROVIDERS
    owner = client_as(members["owner"])
    url = reverse("core:dashboard", kwargs={"org_slug": org.slug})

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = owner.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    _grow(org, 3, 0)
    small, page = count()
    assert "守りの点数" in page and "30日以内の期限" in page and "最後の自己診断" in page
    _grow(org, 60, 100)
    large, page = count()
    assert large == small
    state = posture(org)
    assert state.score is not None and len(state.points) == 12


@pytest.mark.django_db
def test_tiles_without_any_assessment_invite_the_basic_check(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    page = client_as(members["viewer"]).get(reverse("core:dashboard", args=[org.slug]))
    text = page.content.decode()
    assert "基本対策チェック（約10分）" in text
    assert reverse("assessments:list", args=[org.slug]) in text


@pytest.mark.django_db
def test_demo_builds_a_trend_open_actions_and_a_draft_policy(
    org: Any, members: dict[str, Any]
) -> None:
    from mamori.assessments.demo import build
    from mamori.core.demo import DemoContext

    ctx = DemoContext(org=org, users={"owner": members["owner"]}, passwords={})
    build(ctx)
    done = Assessment.objects.filter(organization=org, status=AssessmentStatus.COMPLETED)
    assert done.count() == 2
    older, recent = done.order_by("completed_at")
    assert older.percent < recent.percent
    state = posture(org)
    assert [p.score for p in state.points] == [older.percent, recent.percent]
    open_keys = set(
        Finding.objects.filter(organization=org, status=Status.OPEN).values_list("key", flat=True)
    )
    assert open_keys and all(key.startswith("ipa_basic.") for key in open_keys)
    assert Finding.objects.filter(organization=org, status=Status.RESOLVED).exists()
    policy = SecurityPolicy.objects.get(organization=org)
    assert org.name in policy.body and not policy.in_place
