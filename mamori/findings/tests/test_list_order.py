"""The findings list and the to-do list sort by severity, then due date, read from the finding's
own copy of the due date (one index), which every change of an action's due date keeps equal."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mamori.findings import queries
from mamori.findings.models import Action, Finding, Status
from mamori.findings.rules import FindingSpec
from mamori.findings.services import sync


def _sync(org: Any, specs: list[FindingSpec], **kwargs: Any) -> None:
    sync(org, "test.order", specs, default_severity="medium", guidance_key="test.order", **kwargs)


def _finding(key: str) -> Finding:
    return Finding.objects.select_related("action").get(key=key)


def _linked(page: str, org: Any) -> list[int]:
    return [int(pk) for pk in re.findall(rf"/o/{org.slug}/findings/(\d+)/\"", page)]


def _spec(key: str, severity: str, days: int) -> FindingSpec:
    return FindingSpec(
        key=key,
        subject=key,
        severity=severity,
        due_date=timezone.localdate() + timedelta(days=days),
    )


@pytest.mark.django_db
def test_lists_follow_due_date_changes_made_on_the_action(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    _sync(
        org,
        [_spec("a", "high", 10), _spec("b", "high", 20), _spec("c", "critical", 30)],
    )
    a, b, c = _finding("a"), _finding("b"), _finding("c")
    for finding in (a, b, c):
        assert finding.due_date == finding.action.due_date
    todo_url = f"/o/{org.slug}/todo/"
    list_url = f"/o/{org.slug}/findings/"
    viewer = client_as(members["viewer"])
    assert _linked(viewer.get(list_url).content.decode(), org) == [c.pk, a.pk, b.pk]
    assert _linked(viewer.get(todo_url).content.decode(), org) == [c.pk, a.pk, b.pk]

    # The editor moves b's due date before a's: both lists follow.
    editor = client_as(members["editor"])
    sooner = timezone.localdate() + timedelta(days=5)
    response = editor.post(
        f"/o/{org.slug}/findings/{b.pk}/action/",
        {"owner": "", "due_date": sooner.isoformat(), "status": "in_progress"},
    )
    assert response.status_code == 302
    assert _finding("b").due_date == sooner == _finding("b").action.due_date
    assert _linked(viewer.get(list_url).content.decode(), org) == [c.pk, b.pk, a.pk]
    assert _linked(viewer.get(todo_url).content.decode(), org) == [c.pk, b.pk, a.pk]

    # A finding that is fixed and comes back gets a new due date, on both rows.
    _sync(org, [_spec("a", "high", 10), _spec("c", "critical", 30)])
    assert _finding("b").status == Status.RESOLVED
    _sync(org, [_spec("a", "high", 10), _spec("b", "high", 40), _spec("c", "critical", 30)])
    b = _finding("b")
    assert b.status == Status.OPEN
    assert b.due_date == timezone.localdate() + timedelta(days=40) == b.action.due_date
    assert list(queries.findings(org, {"status": Status.OPEN})) == [c, _finding("a"), b]
    assert [x.pk for x in queries.todo(org)] == [c.pk, a.pk, b.pk]


@pytest.mark.django_db
def test_counts_by_severity_come_from_severity_rank(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    _sync(
        org,
        [
            _spec("c1", "critical", 1),
            _spec("h1", "high", 2),
            _spec("h2", "high", 3),
            _spec("l1", "low", 4),
            _spec("m1", "medium", 5),
        ],
    )
    Finding.objects.filter(key="m1").update(status=Status.ACCEPTED)
    assert queries.open_counts(org) == {"critical": 1, "high": 2, "medium": 0, "low": 1}
    # The severity filter of the list reads the same column.
    high = queries.findings(org, {"status": Status.OPEN, "severity": "high"})
    assert {f.key for f in high} == {"h1", "h2"}
    owner = client_as(members["owner"])
    page = owner.get(reverse("core:dashboard", kwargs={"org_slug": org.slug})).content.decode()
    assert "緊急 1件、高 2件" in page


@pytest.mark.django_db
def test_migration_copies_each_actions_due_date_onto_its_finding(org: Any) -> None:
    _sync(org, [_spec("x", "high", 7), _spec("y", "low", 70)])
    Finding.objects.update(due_date=None)
    migration = importlib.import_module(
        "mamori.findings.migrations.0003_finding_due_date_list_order"
    )
    migration.copy_due_dates(apps, None)
    for finding in Finding.objects.filter(organization=org):
        assert finding.due_date == Action.objects.get(finding=finding).due_date


@pytest.mark.django_db
def test_list_page_counts_open_findings_once_and_pages_them(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    _sync(org, [_spec(f"k{i}", ("high", "low")[i % 2], i) for i in range(61)])
    Finding.objects.filter(key="k0").update(status=Status.RESOLVED)
    viewer = client_as(members["viewer"])
    url = f"/o/{org.slug}/findings/"
    with CaptureQueriesContext(connection) as context:
        first = viewer.get(url).content.decode()
    counting = [q["sql"] for q in context.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counting) == 1, counting  # the severity counts, not a second count for paging
    assert len(_linked(first, org)) == 50
    # 60 open findings: the second page holds the last 10, in order.
    second = viewer.get(url + "?page=2").content.decode()
    expected = [f.pk for f in queries.findings(org, {"status": Status.OPEN})][50:]
    assert _linked(second, org) == expected and len(expected) == 10
    # One severity: the page count is that severity's count (30 high).
    high_ids = [f.pk for f in queries.findings(org, {"status": "open", "severity": "high"})]
    assert len(high_ids) == 30
    assert _linked(viewer.get(url + "?status=open&severity=high").content.decode(), org) == (
        high_ids
    )
    # A text search still counts for itself.
    searched = viewer.get(url + "?status=open&q=k1").content.decode()
    assert set(_linked(searched, org)) == {
        f.pk for f in Finding.objects.filter(subject__contains="k1", status=Status.OPEN)
    }


@pytest.mark.django_db
def test_action_status_and_owner_are_copied_onto_the_finding_and_lists_read_no_action(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    _sync(org, [_spec("a", "high", -3), _spec("b", "high", 20), _spec("c", "low", 30)])
    a, b = _finding("a"), _finding("b")
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/findings/{b.pk}/action/",
        {"owner": members["editor"].pk, "due_date": b.due_date.isoformat(), "status": "done"},
    )
    assert response.status_code == 302
    b = _finding("b")
    assert (b.action_status, b.action_owner) == ("done", members["editor"])
    assert (b.action.status, b.action.owner) == ("done", members["editor"])
    # To do: b (done) is gone; the overdue count is a's.
    assert [f.key for f in queries.todo(org)] == ["a", "c"]
    assert queries.overdue_count(org) == 1
    mine = [f.key for f in queries.todo(org, members["editor"])]
    assert mine == []
    viewer = client_as(members["viewer"])
    listing = viewer.get(f"/o/{org.slug}/findings/").content.decode()
    assert "対応済み（再確認待ち）" in listing and "編集 花子" in listing
    assert 'class="overdue"' in listing  # a is past due

    # The next check no longer reports b: resolved, its copy says done; back again: to do.
    _sync(org, [_spec("a", "high", -3), _spec("c", "low", 30)])
    assert _finding("b").action_status == "done"
    _sync(org, [_spec("a", "high", -3), _spec("b", "high", 5), _spec("c", "low", 30)])
    b = _finding("b")
    assert b.status == Status.OPEN and b.action_status == "todo" == b.action.status
    assert a.action_status == "todo"

    # Both list pages: a fixed number of queries, none of them reading Action.
    def page_queries(url: str) -> list[str]:
        with CaptureQueriesContext(connection) as context:
            assert viewer.get(url).status_code == 200
        return [q["sql"] for q in context.captured_queries]

    for url in (f"/o/{org.slug}/findings/", f"/o/{org.slug}/todo/"):
        few = page_queries(url)
        _sync(
            org,
            [_spec(f"m{i}", "medium", i) for i in range(40)]
            + [_spec("a", "high", -3), _spec("b", "high", 5), _spec("c", "low", 30)],
        )
        many = page_queries(url)
        assert len(few) == len(many), url
        assert not any("findings_action" in sql for sql in many), url
        page_sql = [sql for sql in many if "findings_finding" in sql and "LIMIT" in sql]
        assert page_sql and all('"evidence"' not in sql for sql in page_sql), url


@pytest.mark.django_db
def test_migration_copies_each_actions_status_and_owner_onto_its_finding(
    org: Any, members: dict[str, Any]
) -> None:
    _sync(org, [_spec("x", "high", 7), _spec("y", "low", 70)])
    Action.objects.filter(finding__key="x").update(status="in_progress", owner=members["editor"])
    migration = importlib.import_module(
        "mamori.findings.migrations.0004_finding_action_status_digest"
    )
    migration.copy_action_statuses(apps, None)
    x, y = _finding("x"), _finding("y")
    assert (x.action_status, x.action_owner) == ("in_progress", members["editor"])
    assert (y.action_status, y.action_owner) == ("todo", None)
