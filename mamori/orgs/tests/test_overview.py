"""The 支援者 overview: every organisation of a user on one page, and nothing of any other."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mamori.assessments.models import Assessment, AssessmentStatus
from mamori.findings.models import Action, ActionStatus, Finding
from mamori.incidents.models import Incident, IncidentStatus
from mamori.intel.models import Feed
from mamori.monitoring.models import PageState, WatchedPage
from mamori.orgs.models import Membership, Organization, Role
from mamori.orgs.services import create_organization


def _finding(org: Organization, key: str, severity: str, *, overdue: bool = False) -> Finding:
    finding = Finding.objects.create(
        organization=org,
        kind="test.kind",
        key=key,
        severity=severity,
        subject=key,
        guidance_key="test",
    )
    today = timezone.localdate()
    Action.objects.create(
        organization=org,
        finding=finding,
        due_date=today - timedelta(days=2) if overdue else today + timedelta(days=10),
    )
    return finding


def _populate(org: Organization, *, label: str, critical: int, overdue: int) -> None:
    """Give `org` a score history, findings, an incident with a breach clock, a failing page
    and a failing feed, so every column of the overview has something to count."""
    now = timezone.now()
    for days, percent in ((30, 40.0), (1, 60.0)):
        Assessment.objects.create(
            organization=org,
            questionnaire_id="handbook",
            status=AssessmentStatus.COMPLETED,
            completed_at=now - timedelta(days=days),
            percent=percent,
        )
    for i in range(critical):
        _finding(org, f"{label}-crit-{i}", "critical")
    for i in range(overdue):
        _finding(org, f"{label}-late-{i}", "low", overdue=True)
    # Done actions past their date are not overdue.
    done = _finding(org, f"{label}-done", "low", overdue=True)
    Action.objects.filter(finding=done).update(status=ActionStatus.DONE)
    Incident.objects.create(
        organization=org,
        title=f"{label} 漏えい",
        breach_status="required",
        breach_aware_at=now - timedelta(hours=1),
    )
    Incident.objects.create(organization=org, title=f"{label} closed", status=IncidentStatus.CLOSED)
    WatchedPage.objects.create(
        organization=org, url=f"https://{label}.example.jp/", state=PageState.DANGER
    )
    WatchedPage.objects.create(
        organization=org, url=f"https://{label}.example.jp/ok", state=PageState.OK
    )
    Feed.objects.create(
        organization=org,
        name=f"{label} feed",
        url=f"https://{label}.example.jp/rss",
        error_count=3,
        last_error="timeout",
    )
    Feed.objects.create(organization=org, name=f"{label} ok", url=f"https://{label}.example.jp/ok")


@pytest.fixture
def advisor(make_user: Any) -> Any:
    return make_user("advisor@example.jp", name="支援 一郎")


def _client_orgs(advisor: Any, count: int) -> list[Organization]:
    orgs = []
    for i in range(count):
        org = create_organization(f"顧客{i}", advisor)
        _populate(org, label=f"c{i}", critical=i + 1, overdue=count - i)
        orgs.append(org)
    return orgs


@pytest.mark.django_db
def test_overview_shows_each_client_and_nothing_else(
    advisor: Any, client_as: Any, make_user: Any
) -> None:
    orgs = _client_orgs(advisor, 3)
    outsider = make_user("stranger@example.com")
    other = create_organization("よその会社", outsider)
    _populate(other, label="secret", critical=9, overdue=9)

    response = client_as(advisor).get("/overview/")
    assert response.status_code == 200
    body = response.content.decode()
    for org in orgs:
        assert org.name in body
        assert f"/o/{org.slug}/" in body
    assert "よその会社" not in body
    assert f"/o/{other.slug}/" not in body
    assert "secret" not in body

    rows = {row.organization.pk: row for row in response.context["rows"]}
    assert set(rows) == {org.pk for org in orgs}
    first = rows[orgs[0].pk]
    assert first.score == 60.0
    assert first.score_change == 20.0
    assert first.open_critical == 1
    assert first.overdue_actions == 3
    assert first.open_incidents == 1
    assert first.nearest_deadline is not None
    assert first.nearest_deadline.kind == "preliminary"
    assert first.failed_monitors == 1
    assert first.failing_feeds == 1
    assert "速報" in body
    assert "守りの点数" in body


@pytest.mark.django_db
def test_overview_sorts_server_side(advisor: Any, client_as: Any) -> None:
    orgs = _client_orgs(advisor, 3)
    client = client_as(advisor)

    def order(sort: str) -> list[str]:
        response = client.get("/overview/", {"sort": sort})
        assert response.status_code == 200
        return [row.organization.name for row in response.context["rows"]]

    # Most critical findings first: 顧客2 has 3, 顧客0 has 1.
    assert order("critical") == [orgs[2].name, orgs[1].name, orgs[0].name]
    # Most overdue actions first: 顧客0 has 3.
    assert order("overdue") == [orgs[0].name, orgs[1].name, orgs[2].name]
    assert order("name") == sorted(o.name for o in orgs)
    # An unknown key falls back to the name.
    assert order("'; drop table") == sorted(o.name for o in orgs)
    Assessment.objects.filter(organization=orgs[1]).update(percent=10.0)
    assert order("score")[0] == orgs[1].name


@pytest.mark.django_db
def test_overview_queries_do_not_grow_with_organisations(
    advisor: Any, client_as: Any, make_user: Any
) -> None:
    _client_orgs(advisor, 1)
    client = client_as(advisor)
    client.get("/overview/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/overview/").status_code == 200

    big = make_user("big@example.jp")
    for org in _client_orgs(big, 3):
        assert org.memberships.filter(user=big).exists()
    big_client = client_as(big)
    big_client.get("/overview/")
    with CaptureQueriesContext(connection) as three:
        assert big_client.get("/overview/").status_code == 200
    assert len(three) == len(one), [q["sql"] for q in three.captured_queries]


@pytest.mark.django_db
def test_overview_needs_sign_in_and_is_get_only(advisor: Any, client_as: Any) -> None:
    from django.test import Client

    response = Client().get("/overview/")
    assert response.status_code == 302
    assert "/overview/" not in response["Location"].split("?")[0]
    _client_orgs(advisor, 1)
    assert client_as(advisor).post("/overview/").status_code == 405


@pytest.mark.django_db
def test_overview_linked_for_members_of_several(advisor: Any, client_as: Any) -> None:
    orgs = _client_orgs(advisor, 2)
    client = client_as(advisor)
    assert 'href="/overview/"' in client.get("/orgs/").content.decode()
    assert 'href="/overview/"' in client.get(f"/o/{orgs[0].slug}/").content.decode()
    single = Membership.objects.filter(organization=orgs[1], role=Role.OWNER).count()
    assert single == 1


@pytest.mark.django_db
def test_bulk_default_feeds_for_owned_organisations_only(
    advisor: Any, client_as: Any, make_user: Any
) -> None:
    from mamori.audit.models import AuditEvent
    from mamori.intel.presets import PRESETS

    default_keys = {p.key for p in PRESETS if p.default_on}
    assert default_keys
    owned = [create_organization(f"顧客{i}", advisor) for i in range(2)]
    boss = make_user("boss@example.jp")
    viewed = create_organization("閲覧だけの会社", boss)
    Membership.objects.create(organization=viewed, user=advisor, role=Role.VIEWER)
    outsider = make_user("stranger@example.com")
    other = create_organization("よその会社", outsider)
    Feed.objects.filter(organization__in=[*owned, viewed, other]).delete()

    page = client_as(advisor).get("/overview/").content.decode()
    assert 'action="/overview/feeds/"' in page
    assert f'value="{owned[0].pk}"' in page
    assert f'value="{viewed.pk}"' not in page

    # Without a recent re-authentication the POST goes to the sudo page and changes nothing.
    response = client_as(advisor, sudo=False).post(
        "/overview/feeds/", {"organization": [owned[0].pk]}
    )
    assert response.status_code == 302
    assert "/sudo" in response["Location"]
    assert not Feed.objects.filter(organization=owned[0]).exists()

    response = client_as(advisor).post(
        "/overview/feeds/",
        {"organization": [owned[0].pk, owned[1].pk, viewed.pk, other.pk, "x"]},
    )
    assert response.status_code == 302
    assert response["Location"] == "/overview/"
    for org in owned:
        enabled = set(
            Feed.objects.filter(organization=org, enabled=True).values_list("preset", flat=True)
        )
        assert enabled == default_keys
        assert AuditEvent.objects.filter(
            organization_id=org.pk, action="intel.preset_enabled"
        ).exists()
    # Not an owner there, or not a member at all: untouched.
    assert not Feed.objects.filter(organization__in=[viewed, other]).exists()
    assert client_as(advisor).get("/overview/feeds/").status_code == 405
