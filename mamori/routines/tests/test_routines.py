"""Recurring checks: defaults, due → dated action with its owner, done → next date, paused →
nothing, overdue, the iCal feed, the daily job, forms and the audit trail."""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from mamori.audit.models import AuditEvent
from mamori.findings.models import Action, ActionStatus, Finding, Status
from mamori.inventory.models import Person
from mamori.notify.calendar import deadlines, render
from mamori.orgs.models import Organization
from mamori.routines.defaults import DEFAULT_CHORES
from mamori.routines.models import Chore, ChoreKind, RoutineSetup, add_months
from mamori.routines.rules import KIND, LEAD_DAYS
from mamori.routines.services import ensure_defaults, sync_due
from mamori.routines.tasks import DAILY, run_daily


def base(org: Any) -> str:
    return f"/o/{org.slug}/routines/"


def chore(org: Any, **values: Any) -> Chore:
    fields: dict[str, Any] = {
        "kind": ChoreKind.RESTORE_TEST,
        "interval_months": 6,
        "next_due": timezone.localdate() + timedelta(days=5),
    }
    fields.update(values)
    return Chore.objects.create(organization=org, **fields)


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 5, 1), 12) == date(2027, 5, 1)


@pytest.mark.django_db
def test_a_new_organisation_gets_the_default_chores_once(make_user: Any) -> None:
    from mamori.orgs.services import create_organization, set_up_new_organization

    org = create_organization("新しい会社", make_user("new@example.jp"))
    set_up_new_organization(org)
    chores = Chore.objects.filter(organization=org)
    assert {c.kind for c in chores} == {str(d.kind) for d in DEFAULT_CHORES}
    assert chores.get(kind=ChoreKind.CONTACT_REVIEW).interval_months == 12
    assert chores.get(kind=ChoreKind.BCP_REVIEW).interval_months == 12
    assert chores.get(kind=ChoreKind.QR_STICKER).paused is True
    assert all(c.next_due > timezone.localdate() for c in chores)
    assert AuditEvent.objects.filter(
        organization_id=org.pk, action="routines.defaults_added"
    ).exists()
    # A chore removed on purpose is not created again.
    chores.filter(kind=ChoreKind.TRAINING).delete()
    assert ensure_defaults(org) == 0
    assert not Chore.objects.filter(organization=org, kind=ChoreKind.TRAINING).exists()


@pytest.mark.django_db
def test_the_data_migration_covers_existing_organisations(org: Any) -> None:
    migration = importlib.import_module(
        "mamori.routines.migrations.0002_default_chores_for_existing_organisations"
    )
    assert not RoutineSetup.objects.filter(organization=org).exists()
    migration.add_defaults(django_apps, None)
    assert Chore.objects.filter(organization=org).count() == len(DEFAULT_CHORES)
    migration.add_defaults(django_apps, None)  # idempotent
    assert Chore.objects.filter(organization=org).count() == len(DEFAULT_CHORES)


@pytest.mark.django_db
def test_a_chore_coming_due_opens_a_dated_action_for_its_owner(
    org: Any, members: dict[str, Any]
) -> None:
    due = timezone.localdate() + timedelta(days=5)
    item = chore(org, next_due=due, owner=members["editor"])
    later = chore(org, kind=ChoreKind.POLICY_REVIEW, next_due=due + timedelta(days=LEAD_DAYS))
    sync_due(org)
    finding = Finding.objects.get(organization=org, kind=KIND)
    assert finding.subject_id == str(item.pk) and finding.status == Status.OPEN
    assert finding.params["chore"] == "バックアップの復元テスト"
    assert finding.params["chore_en"] == "Backup restore test"
    action = finding.action
    assert action.due_date == due and finding.due_date == due
    assert action.owner == members["editor"]
    assert not action.is_overdue and finding.severity == "medium"
    # Outside the window: nothing yet.
    assert not Finding.objects.filter(subject_id=str(later.pk)).exists()


@pytest.mark.django_db
def test_a_person_owner_gives_the_action_to_the_member_with_that_address(
    org: Any, members: dict[str, Any]
) -> None:
    person = Person.objects.create(organization=org, name="閲覧 次郎", email="VIEWER@example.jp")
    chore(org, owner_person=person)
    stranger = Person.objects.create(organization=org, name="外部", email="outsider@example.com")
    other = chore(org, kind=ChoreKind.TRAINING, owner_person=stranger)
    sync_due(org)
    assert Action.objects.get(finding__subject_id=str(other.pk)).owner is None  # not a member
    actions = Action.objects.filter(organization=org, finding__kind=KIND).exclude(
        finding__subject_id=str(other.pk)
    )
    assert [a.owner for a in actions] == [members["viewer"]]


@pytest.mark.django_db
def test_an_owner_set_by_hand_on_the_action_is_kept(org: Any, members: dict[str, Any]) -> None:
    chore(org, owner=members["editor"])
    sync_due(org)
    Action.objects.filter(organization=org).update(owner=members["owner"])
    sync_due(org)
    assert Action.objects.get(organization=org).owner == members["owner"]


@pytest.mark.django_db
def test_an_overdue_chore_is_a_high_overdue_finding(org: Any) -> None:
    due = timezone.localdate() - timedelta(days=3)
    chore(org, next_due=due)
    sync_due(org)
    finding = Finding.objects.get(organization=org, kind=KIND)
    assert finding.severity == "high"
    assert finding.action.is_overdue and finding.action.due_date == due


@pytest.mark.django_db
def test_marking_done_moves_the_next_date_and_resolves_the_action(
    org: Any, members: dict[str, Any], client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    item = chore(org, next_due=timezone.localdate() - timedelta(days=3), interval_months=6)
    sync_due(org)
    old = Finding.objects.get(organization=org, kind=KIND)
    editor = client_as(members["editor"])
    done_on = timezone.localdate() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            base(org) + f"{item.pk}/done/",
            {"done_on": done_on.isoformat(), "note": "3ファイルを20分で復元"},
        )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.last_done_on == done_on and item.last_done_by == members["editor"]
    assert item.next_due == add_months(done_on, 6)
    assert item.last_done_note == "3ファイルを20分で復元"
    old.refresh_from_db()
    assert old.status == Status.RESOLVED and old.action.status == ActionStatus.DONE
    event = AuditEvent.objects.get(organization_id=org.pk, action="routines.chore_done")
    assert event.actor_id == members["editor"].pk
    # The next round opens fresh when it comes due.
    Chore.objects.filter(pk=item.pk).update(next_due=timezone.localdate() + timedelta(days=2))
    sync_due(org)
    rounds = Finding.objects.filter(organization=org, kind=KIND, subject_id=str(item.pk))
    assert rounds.count() == 2 and rounds.filter(status=Status.OPEN).count() == 1


@pytest.mark.django_db
def test_done_in_the_future_is_refused_in_the_users_language(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    item = chore(org)
    editor = client_as(members["editor"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = editor.post(
        base(org) + f"{item.pk}/done/", {"done_on": tomorrow.isoformat()}, follow=True
    )
    assert "未来の日付は入力できません。" in response.content.decode()
    item.refresh_from_db()
    assert item.last_done_on is None


@pytest.mark.django_db
def test_a_paused_chore_opens_nothing_and_pausing_resolves_its_round(
    org: Any, members: dict[str, Any], client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    item = chore(org, paused=True, next_due=timezone.localdate() - timedelta(days=30))
    sync_due(org)
    assert not Finding.objects.filter(organization=org, kind=KIND).exists()
    editor = client_as(members["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(base(org) + f"{item.pk}/pause/")  # resume
    item.refresh_from_db()
    assert item.paused is False
    assert Finding.objects.get(organization=org, kind=KIND).status == Status.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(base(org) + f"{item.pk}/pause/")  # pause again
    assert Finding.objects.get(organization=org, kind=KIND).status == Status.RESOLVED
    actions = set(
        AuditEvent.objects.filter(
            organization_id=org.pk, action__startswith="routines.chore_p"
        ).values_list("action", flat=True)
    )
    assert actions == {"routines.chore_paused"}
    assert AuditEvent.objects.filter(
        organization_id=org.pk, action="routines.chore_resumed"
    ).exists()


@pytest.mark.django_db
def test_the_deadlines_calendar_carries_the_chore(org: Any, members: dict[str, Any]) -> None:
    due = timezone.localdate() + timedelta(days=9)
    chore(org, kind=ChoreKind.ESCROW_TEST, next_due=due, interval_months=12)
    sync_due(org)
    for language, title in (
        ("ja", "定期点検の予定日が近づいています — 代理の管理者と預け先の確認"),
        ("en", "A recurring check is due — Deputy and escrow test"),
    ):
        body = render("mamori", deadlines(org, "https://mamori.example", language))
        unfolded = body.replace("\r\n ", "")
        assert f"DTSTART;VALUE=DATE:{due:%Y%m%d}" in unfolded
        assert f"SUMMARY:[mamori] {title}" in unfolded


@pytest.mark.django_db
def test_the_daily_job_sets_up_organisations_and_opens_due_chores(
    org: Any, members: dict[str, Any]
) -> None:
    from mamori.core.jobs import HANDLERS, enqueue, load_handlers, run_one

    load_handlers()
    assert DAILY in HANDLERS
    enqueue(DAILY)
    assert run_one("test-worker")
    assert Chore.objects.filter(organization=org).count() == len(DEFAULT_CHORES)
    Chore.objects.filter(organization=org, kind=ChoreKind.RESTORE_TEST).update(
        next_due=timezone.localdate(), owner=members["owner"]
    )
    run_daily(None)  # type: ignore[arg-type]
    finding = Finding.objects.get(organization=org, kind=KIND)
    assert finding.action.owner == members["owner"]
    for other in Organization.objects.exclude(pk=org.pk):
        assert RoutineSetup.objects.filter(organization=other).exists()


@pytest.mark.django_db
def test_the_list_shows_due_last_done_and_owner(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    item = chore(
        org,
        next_due=timezone.localdate() - timedelta(days=2),
        owner=members["editor"],
        last_done_on=date(2026, 1, 10),
        source="ハンドブック 第7章 §7.5",
    )
    sync_due(org)
    page = client_as(members["viewer"]).get(base(org)).content.decode()
    assert "バックアップの復元テスト" in page and item.next_due.isoformat() in page
    assert "2026-01-10" in page and "編集 花子" in page and "期限切れ" in page
    assert f"/routines/{item.pk}/done/" not in page  # a viewer records nothing
    editor_page = client_as(members["editor"]).get(base(org)).content.decode()
    assert f"/routines/{item.pk}/done/" in editor_page


@pytest.mark.django_db
def test_the_form_adds_and_changes_a_chore_with_clear_errors(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    response = editor.post(
        base(org) + "new/",
        {
            "kind": "other",
            "title": "UPS のバッテリー点検",
            "interval_months": "0",
            "interval_days": "0",
            "next_due": "2027-01-05",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "繰り返す間隔を指定してください" in page
    response = editor.post(
        base(org) + "new/",
        {
            "kind": "other",
            "title": "UPS のバッテリー点検",
            "interval_months": "0",
            "interval_days": "90",
            "next_due": "2027-01-05",
            "owner": str(members["outsider"].pk),
        },
    )
    assert response.status_code == 200  # the outsider is not a member: not a valid choice
    response = editor.post(
        base(org) + "new/",
        {
            "kind": "other",
            "title": "UPS のバッテリー点検",
            "interval_months": "0",
            "interval_days": "90",
            "next_due": "2027-01-05",
            "owner": str(members["viewer"].pk),
        },
    )
    assert response.status_code == 302
    item = Chore.objects.get(organization=org, title="UPS のバッテリー点検")
    assert item.owner == members["viewer"] and item.interval_after(date(2027, 1, 5)) == date(
        2027, 4, 5
    )
    response = editor.post(
        base(org) + f"{item.pk}/edit/",
        {
            "kind": "other",
            "title": "UPS 点検",
            "interval_months": "1",
            "interval_days": "0",
            "next_due": "2027-02-01",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(organization_id=org.pk, action="routines.chore_updated")
    assert event.changes["title"] == ["UPS のバッテリー点検", "UPS 点検"]


@pytest.mark.django_db
def test_another_organisations_chore_is_not_found(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    other = Organization.objects.exclude(pk=org.pk).get()
    foreign = chore(other)
    editor = client_as(members["editor"])
    assert (
        editor.post(base(org) + f"{foreign.pk}/done/", {"done_on": "2026-01-01"}).status_code == 404
    )
    assert editor.get(base(org) + f"{foreign.pk}/edit/").status_code == 404


@pytest.mark.django_db
def test_the_to_do_list_names_the_chores_owner(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    chore(org, owner=members["editor"], next_due=timezone.localdate() - timedelta(days=1))
    sync_due(org)
    page = client_as(members["viewer"]).get(f"/o/{org.slug}/todo/").content.decode()
    start = page.index("定期点検の予定日が近づいています")
    assert "編集 花子" in page[start : start + 600]


@pytest.mark.django_db
def test_the_english_list_cites_the_handbook_in_english(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.accounts.services import profile_of

    chore(org, source="ハンドブック 第7章 §7.5")
    profile = profile_of(members["viewer"])
    profile.language = "en"
    profile.save()
    page = client_as(members["viewer"]).get(base(org)).content.decode()
    assert "Handbook chapter 7 §7.5" in page and "ハンドブック" not in page
    assert "Backup restore test" in page


@pytest.mark.django_db
def test_the_contact_review_row_counts_contacts_not_checked_for_a_year(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.incidents.contact_models import EmergencyContact

    chore(org, kind=ChoreKind.CONTACT_REVIEW, interval_months=12)
    today = timezone.localdate()
    for name, checked in (("銀行", today - timedelta(days=400)), ("保険", None), ("警察署", today)):
        EmergencyContact.objects.create(
            organization=org, kind="other", name=name, checked_on=checked
        )
    page = client_as(members["viewer"]).get(base(org)).content.decode()
    assert "1 年以上確認していない緊急連絡先が 2 件あります" in page


@pytest.mark.django_db
def test_the_list_and_the_daily_rule_do_not_grow_queries_with_chores(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def measure() -> tuple[int, int]:
        client = client_as(members["editor"])
        client.get(base(org))  # session and caches warm
        with CaptureQueriesContext(connection) as page:
            assert client.get(base(org)).status_code == 200
        sync_due(org)  # opens what is new
        with CaptureQueriesContext(connection) as rerun:
            sync_due(org)
        return len(page), len(rerun)

    for _ in range(3):
        chore(org, owner=members["editor"], next_due=timezone.localdate())
    few = measure()
    for _ in range(30):
        chore(org, owner=members["editor"], next_due=timezone.localdate())
    many = measure()
    assert many == few
