"""Training rules (handbook §7.9) and the scanner attribution, on real rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from mamori.findings.models import Finding
from mamori.findings.services import run_rules
from mamori.inventory.models import EmploymentType, Person
from mamori.training.content import machine_reason
from mamori.training.models import TrainingRecord

pytestmark = pytest.mark.django_db


def _open(org: Any, kind: str) -> Finding | None:
    return Finding.objects.filter(organization=org, kind=kind, status="open").first()


def test_never_trained_overdue_and_new_staff(org: Any) -> None:
    today = timezone.localdate()
    veteran = Person.objects.create(
        organization=org, name="古参 太郎", joined_on=today - timedelta(days=900)
    )
    stale = Person.objects.create(
        organization=org, name="久保 花子", joined_on=today - timedelta(days=900)
    )
    newcomer = Person.objects.create(
        organization=org, name="新人 次郎", joined_on=today - timedelta(days=40)
    )
    Person.objects.create(  # joined last week: still within the first month
        organization=org, name="入社 直後", joined_on=today - timedelta(days=7)
    )
    Person.objects.create(  # contractors are trained by their employer
        organization=org,
        name="委託 三郎",
        employment_type=EmploymentType.CONTRACTOR,
        joined_on=today - timedelta(days=900),
    )
    Person.objects.create(  # left: not staff any more
        organization=org,
        name="退職 四郎",
        joined_on=today - timedelta(days=900),
        left_on=today - timedelta(days=3),
    )
    TrainingRecord.objects.create(
        organization=org,
        person=stale,
        title="説明会",
        taken_on=today - timedelta(days=400),
        completed=True,
    )
    # A to-do (not completed) does not count as trained.
    TrainingRecord.objects.create(organization=org, person=veteran, title="予定", completed=False)
    run_rules(org)

    never = _open(org, "training.never_trained")
    assert never is not None and never.params["people"] == ["古参 太郎"]
    overdue = _open(org, "training.training_overdue")
    assert overdue is not None and overdue.params["people"] == ["久保 花子"]
    new = _open(org, "training.new_staff_untrained")
    assert new is not None and new.params["people"] == ["新人 次郎"]
    assert [e["id"] for e in new.evidence] == [newcomer.pk]

    # Training everyone resolves all three.
    for person in (veteran, stale, newcomer):
        TrainingRecord.objects.create(
            organization=org, person=person, title="説明会", taken_on=today, completed=True
        )
    run_rules(org)
    for kind in ("never_trained", "training_overdue", "new_staff_untrained"):
        assert _open(org, f"training.{kind}") is None


def test_scanner_attribution() -> None:
    delivered = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    later = delivered + timedelta(minutes=30)
    browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36"

    def reason(**kwargs: Any) -> str:
        values = {
            "method": "GET",
            "user_agent": browser,
            "ip": "198.51.100.7",
            "delivered_at": delivered,
            "at": later,
            "window_seconds": 10,
        }
        values.update(kwargs)
        return machine_reason(**values)

    assert reason() == ""
    assert reason(method="HEAD") == "head"
    assert reason(at=delivered + timedelta(seconds=3)) == "too_soon"
    assert reason(at=delivered + timedelta(seconds=11)) == ""
    assert reason(user_agent="Microsoft Office Existence Discovery") == "scanner_agent"
    assert reason(user_agent="") == "scanner_agent"
    assert reason(ip="66.249.66.1") == "scanner_network"
    assert reason(ip="not-an-ip") == ""
