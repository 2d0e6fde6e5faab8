"""Shadow IT (handbook §3.1): sign-in and app reports from Microsoft 365 and Google Workspace
are read into apps to review; a review adds the app to the services register.

The sample reports in mamori/licences/samples/ were written from the documented columns:
- entra_signins.csv: the Entra admin centre's sign-in log download (InteractiveSignIns CSV),
  header as exported by the portal (Date (UTC), Request ID, … User, Username, … Application,
  "Application ID " with its trailing space, … Multifactor authentication result); Microsoft
  Graph signIn resource: appDisplayName / appId / userPrincipalName
  (learn.microsoft.com/en-us/graph/api/resources/signin).
- entra_enterprise_apps.csv: Enterprise applications → Download (Name, Homepage URL, Object ID,
  Application ID, Created on …).
- google_accessed_apps.csv: Admin console → Security → API controls → Accessed apps → Download
  list (App name, Type, ID, Verified status, Users, Requested services, Access;
  support.google.com/a/answer/7281227).
- google_oauth_log.csv: OAuth log events (Reports API "token" application: app_name, client_id,
  scope, actor; developers.google.com/admin-sdk/reports/v1/appendix/activity/token) as the
  console's export names them.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.audit.models import AuditEvent
from mamori.findings.models import Finding, Status
from mamori.findings.services import run_rules
from mamori.inventory.models import Approval, Service
from mamori.licences import services
from mamori.licences.models import DiscoveredApp
from mamori.licences.signin_reports import is_platform_app, read_signin_report

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# --- the parser (no database) -------------------------------------------------------------


def test_entra_sign_in_log_gives_each_outside_app_with_its_users() -> None:
    report = read_signin_report(sample("entra_signins.csv"), "InteractiveSignIns.csv")
    assert report.ok, [e.describe("en") for e in report.errors]
    assert report.source == "m365_signins"
    by_name = {app.name: app for app in report.apps}
    # Teams, Exchange Online and Office are Microsoft 365 itself, not other services.
    assert set(by_name) == {"Dropbox", "Canva", "freee会計"}
    assert report.platform_rows == 3
    dropbox = by_name["Dropbox"]
    assert dropbox.user_count == 2 and dropbox.sign_ins == 3
    assert dropbox.app_id == "a4f2e1d0-7c3b-4e5a-9d8c-1b2a3c4d5e6f"
    assert dropbox.user_sample == ["ito@demo.example.jp", "sato@demo.example.jp"]
    assert dropbox.first_seen.isoformat() == "2026-11-30T01:03:19+00:00"
    assert dropbox.last_seen.isoformat() == "2026-12-02T05:21:08+00:00"
    assert report.apps[0].name == "Dropbox"  # most users first


def test_entra_enterprise_applications_export() -> None:
    report = read_signin_report(sample("entra_enterprise_apps.csv"), "EnterpriseApps.csv")
    assert report.ok and report.source == "m365_apps"
    zoom = next(a for a in report.apps if a.name == "Zoom")
    assert zoom.homepage == "https://zoom.us" and zoom.app_id.startswith("e8f9a0b1")


def test_google_accessed_apps_list_uses_the_users_column() -> None:
    report = read_signin_report(sample("google_accessed_apps.csv"), "accessed_apps.csv")
    assert report.ok and report.source == "google_apps"
    assert [(a.name, a.user_count) for a in report.apps] == [("Trello", 4), ("Notion", 2)]
    assert report.platform_rows == 1  # Google Chrome


def test_google_oauth_log_counts_distinct_actors() -> None:
    report = read_signin_report(sample("google_oauth_log.csv"), "oauth_log.csv")
    assert report.ok
    notion = next(a for a in report.apps if a.name == "Notion")
    assert notion.user_count == 2 and notion.sign_ins == 2
    assert notion.first_seen.isoformat() == "2026-11-28T09:15:00+09:00"


def test_the_same_report_as_excel_reads_the_same() -> None:
    import csv

    from openpyxl import Workbook

    rows = list(csv.reader(io.StringIO(sample("google_accessed_apps.csv").decode("utf-8"))))
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    report = read_signin_report(buffer.getvalue(), "accessed_apps.xlsx")
    assert report.ok
    assert [(a.name, a.user_count) for a in report.apps] == [("Trello", 4), ("Notion", 2)]


@pytest.mark.parametrize(
    ("data", "filename", "expected_en", "expected_ja"),
    [
        (b"", "empty.csv", "empty", "空"),
        (b"Date,User,Status\n2026-11-30,a@example.jp,Success\n", "x.csv", "Application", "アプリ"),
        (b"\x00\x01\x02PK\x03\x04garbage", "report.xlsx", "", ""),
        (b"Application,Users\nDropbox,many\n", "x.csv", "Users", "整数"),
    ],
)
def test_bad_files_give_clear_messages_in_both_languages(
    data: bytes, filename: str, expected_en: str, expected_ja: str
) -> None:
    report = read_signin_report(data, filename)
    assert not report.ok
    english = " ".join(e.describe("en") for e in report.errors)
    japanese = " ".join(e.describe("ja") for e in report.errors)
    assert english and japanese
    assert expected_en in english
    assert expected_ja in japanese
    assert "Traceback" not in english


def test_platform_apps_are_recognised_by_their_names() -> None:
    assert is_platform_app("Microsoft Teams")
    assert is_platform_app("Office 365 Exchange Online")
    assert is_platform_app("Google Chrome")
    assert not is_platform_app("Dropbox")
    assert not is_platform_app("Microsoftish Notes")  # a prefix, not a whole first word


# --- import and review (database) ---------------------------------------------------------


@pytest.mark.django_db
def test_import_lists_only_services_missing_from_the_register(org: Any) -> None:
    Service.objects.create(organization=org, name="Canva")
    Service.objects.create(organization=org, name="会計", url="https://www.freee.co.jp/")
    report = read_signin_report(sample("entra_signins.csv"), "signins.csv")
    counts = services.import_signin_report(None, org, report, "signins.csv")
    assert counts == {"new": 2, "updated": 0, "known": 1}
    assert set(DiscoveredApp.objects.filter(organization=org).values_list("name", flat=True)) == {
        "Dropbox",
        "freee会計",
    }
    # The same report again: nothing doubles.
    counts = services.import_signin_report(None, org, report, "signins.csv")
    assert counts == {"new": 0, "updated": 2, "known": 1}
    dropbox = DiscoveredApp.objects.get(organization=org, name="Dropbox")
    assert dropbox.users == 2 and dropbox.sign_ins == 3 and dropbox.source == "m365_signins"
    assert AuditEvent.objects.filter(action="licences.signin_report_imported").count() == 2


@pytest.mark.django_db
def test_review_page_upload_and_decision(
    org: Any, members: dict[str, Any], client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    editor = client_as(members["editor"])
    page = reverse("licences:shadow_it", kwargs={"org_slug": org.slug})
    upload = SimpleUploadedFile("InteractiveSignIns.csv", sample("entra_signins.csv"))
    response = editor.post(
        reverse("licences:shadow_it_import", kwargs={"org_slug": org.slug}),
        {"file": upload},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 302
    with translation.override("ja"):
        html = editor.get(page, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "Dropbox" in html and "sato@demo.example.jp" in html
    dropbox = DiscoveredApp.objects.get(organization=org, name="Dropbox")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            reverse("licences:shadow_it_review", kwargs={"org_slug": org.slug, "pk": dropbox.pk}),
            {"approval": Approval.NOT_APPROVED, "personal_data": "on"},
        )
    assert response.status_code == 302
    service = Service.objects.get(organization=org, name="Dropbox")
    assert service.approval == Approval.NOT_APPROVED and service.holds_personal_data
    run_rules(org)  # the review queues the re-check after commit; run it here
    finding = Finding.objects.get(organization=org, kind="shadowit.unapproved_service")
    assert finding.status == Status.OPEN and finding.subject_id == str(service.pk)
    # Reviewed once only.
    response = editor.post(
        reverse("licences:shadow_it_review", kwargs={"org_slug": org.slug, "pk": dropbox.pk}),
        {"approval": Approval.APPROVED},
    )
    assert Service.objects.get(pk=service.pk).approval == Approval.NOT_APPROVED
    canva = DiscoveredApp.objects.get(organization=org, name="Canva")
    editor.post(
        reverse("licences:shadow_it_review", kwargs={"org_slug": org.slug, "pk": canva.pk}),
        {"dismiss": "1"},
    )
    canva.refresh_from_db()
    assert canva.dismissed_at is not None and not Service.objects.filter(name="Canva").exists()
    assert AuditEvent.objects.filter(action="licences.discovered_app_dismissed").count() == 1


@pytest.mark.django_db
def test_a_bad_upload_shows_the_problem_in_the_readers_language(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    url = reverse("licences:shadow_it_import", kwargs={"org_slug": org.slug})
    bad = b"Date,User,Status\n2026-11-30,a@example.jp,Success\n"
    response = editor.post(url, {"file": SimpleUploadedFile("x.csv", bad)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "「アプリケーション」" in html and "Application" not in html
    assert not DiscoveredApp.objects.filter(organization=org).exists()


@pytest.mark.django_db
def test_viewer_sees_the_list_but_cannot_upload_or_decide(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    app = DiscoveredApp.objects.create(organization=org, name="Trello", users=4)
    viewer = client_as(members["viewer"])
    page = viewer.get(reverse("licences:shadow_it", kwargs={"org_slug": org.slug}))
    assert page.status_code == 200 and "Trello" in page.content.decode()
    assert 'name="approval"' not in page.content.decode()
    upload = SimpleUploadedFile("r.csv", sample("google_accessed_apps.csv"))
    assert (
        viewer.post(
            reverse("licences:shadow_it_import", kwargs={"org_slug": org.slug}), {"file": upload}
        ).status_code
        == 403
    )
    review = reverse("licences:shadow_it_review", kwargs={"org_slug": org.slug, "pk": app.pk})
    assert viewer.post(review, {"approval": "approved"}).status_code == 403
    outsider = client_as(members["outsider"])
    assert outsider.post(review, {"approval": "approved"}).status_code == 404
    assert not Service.objects.filter(organization=org, name="Trello").exists()


@pytest.mark.django_db
def test_an_app_of_another_organisation_cannot_be_reviewed(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.orgs.services import create_organization

    other = create_organization("別会社", members["outsider"])
    app = DiscoveredApp.objects.create(organization=other, name="Slack")
    editor = client_as(members["editor"])
    review = reverse("licences:shadow_it_review", kwargs={"org_slug": org.slug, "pk": app.pk})
    assert editor.post(review, {"approval": "approved"}).status_code == 404


HEADER = "Date (UTC),User,Username,Application,Application ID ,Status\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=600).map(lambda body: (HEADER + body).encode("utf-8")),
        st.lists(
            st.lists(st.text(max_size=40), min_size=0, max_size=8), min_size=0, max_size=20
        ).map(lambda rows: (HEADER + "\n".join(",".join(r) for r in rows)).encode("utf-8")),
    ),
    st.sampled_from(["r.csv", "r.xlsx", "r.txt", ""]),
)
def test_reading_never_raises_and_always_explains(data: bytes, filename: str) -> None:
    report = read_signin_report(data, filename)
    if not report.ok:
        assert report.errors and all(e.message_ja and e.message_en for e in report.errors)
    for app in report.apps:
        assert app.name and not is_platform_app(app.name)
