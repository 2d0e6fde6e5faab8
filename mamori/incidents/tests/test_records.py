from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mamori.findings.models import Finding, Status
from mamori.incidents import breach_clock, services
from mamori.incidents.models import (
    EntryKind,
    EvidenceFile,
    Incident,
    IncidentStatus,
    IncidentTask,
    TimelineEntry,
)
from mamori.inventory.models import Device, Person

TOKYO = ZoneInfo("Asia/Tokyo")


def _incident(org: Any, members: dict[str, Any], playbook: str = "ransomware") -> Incident:
    return services.report_incident(
        None, org, title="PC locked", playbook_ids=[playbook], actor=members["owner"]
    )


@pytest.mark.django_db
def test_a_viewer_can_report_but_not_work_the_incident(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = client_as(members["viewer"])
    response = viewer.post(
        reverse("incidents:report", args=[org.slug]),
        {"description": "変なメールのリンクを開いてパスワードを入れた", "severity": "high"},
    )
    assert response.status_code == 302
    incident = Incident.objects.get(organization=org)
    assert incident.reported_by == members["viewer"]
    assert incident.title.startswith("変なメール")
    created = TimelineEntry.objects.get(incident=incident)
    assert created.kind == EntryKind.CREATED and created.author == members["viewer"]
    response = viewer.post(
        reverse("incidents:status", args=[org.slug, incident.pk]), {"status": "closed"}
    )
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.REPORTED


@pytest.mark.django_db
def test_an_empty_report_says_what_is_missing_and_saves_nothing(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    response = client_as(members["viewer"]).post(
        reverse("incidents:report", args=[org.slug]), {"severity": "high"}
    )
    assert response.status_code == 200
    assert "インシデントの種類を選んでください" in response.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_evidence_is_hashed_stored_per_incident_and_downloaded_as_attachment(
    org: Any, members: dict[str, Any], client_as: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    incident = _incident(org, members)
    payload = b"<html><script>alert(1)</script></html>"
    client = client_as(members["editor"])
    response = client.post(
        reverse("incidents:evidence_upload", args=[org.slug, incident.pk]),
        {"file": SimpleUploadedFile("../../ransom note.html", payload), "description": "note"},
    )
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get(incident=incident)
    assert evidence.sha256 == hashlib.sha256(payload).hexdigest()
    assert evidence.size == len(payload)
    assert evidence.original_name == "ransom note.html"
    stored = Path(evidence.file.path)
    assert stored.parent == tmp_path / "incidents" / str(org.pk) / str(incident.pk)
    assert stored.read_bytes() == payload
    entry = TimelineEntry.objects.get(incident=incident, kind=EntryKind.ATTACHMENT)
    assert entry.data["sha256"] == evidence.sha256 and entry.author == members["editor"]

    download = client_as(members["viewer"]).get(
        reverse("incidents:evidence", args=[org.slug, incident.pk, evidence.pk])
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == payload


@pytest.mark.django_db
def test_evidence_of_another_incident_or_organisation_is_not_served(
    org: Any, members: dict[str, Any], client_as: Any, settings: Any, tmp_path: Path
) -> None:
    from mamori.orgs.models import Organization

    settings.MEDIA_ROOT = tmp_path
    other_org = Organization.objects.exclude(pk=org.pk).get()
    foreign = services.report_incident(None, other_org, title="theirs")
    evidence = services.add_evidence(None, foreign, SimpleUploadedFile("x.txt", b"secret"))
    mine = _incident(org, members)
    client = client_as(members["owner"])
    for pk in (mine.pk, foreign.pk):
        url = reverse("incidents:evidence", args=[org.slug, pk, evidence.pk])
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_too_large_evidence_is_refused_beside_the_field_and_nothing_is_stored(
    org: Any, members: dict[str, Any], client_as: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.INCIDENT_EVIDENCE_MAX_BYTES = 10
    incident = _incident(org, members)
    response = client_as(members["editor"]).post(
        reverse("incidents:evidence_upload", args=[org.slug, incident.pk]),
        {"file": SimpleUploadedFile("big.bin", b"x" * 11)},
        follow=True,
    )
    assert response.status_code == 200
    assert "ファイルが大きすぎます" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert not (tmp_path / "incidents").exists()


@pytest.mark.django_db
def test_breach_clock_sets_deadlines_as_tasks_and_the_tile_shows_the_nearest(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    client = client_as(members["editor"])
    url = reverse("incidents:breach", args=[org.slug, incident.pk])
    response = client.post(
        url,
        {
            "form": "assess",
            "personal_data": "yes",
            "malicious": "yes",
            "affected_count": "40",
            "aware_at": "2026-04-10T15:00",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.breach_status == "required"
    expected = breach_clock.deadlines(datetime(2026, 4, 10, 15, 0, tzinfo=TOKYO), True)
    tasks = {t.system_key: t for t in IncidentTask.objects.filter(incident=incident)}
    assert tasks["breach_preliminary"].due_date == expected.preliminary_due.date()
    assert tasks["breach_final"].due_date == expected.final_due.date()
    page = client.get(url).content.decode()
    assert expected.final_due.strftime("%Y-%m-%d") in page
    assert "60" in page

    home = client.get(reverse("core:dashboard", args=[org.slug])).content.decode()
    assert expected.preliminary_due.strftime("%Y-%m-%d %H:%M") in home

    # Preliminary sent: the tile moves on to the final report; its task is done.
    client.post(
        url,
        {
            "form": "assess",
            "personal_data": "yes",
            "malicious": "yes",
            "affected_count": "40",
            "aware_at": "2026-04-10T15:00",
            "preliminary_sent_on": "2026-04-13",
        },
    )
    tasks = {t.system_key: t for t in IncidentTask.objects.filter(incident=incident)}
    assert tasks["breach_preliminary"].done_at is not None
    assert tasks["breach_final"].done_at is None
    home = client.get(reverse("core:dashboard", args=[org.slug])).content.decode()
    assert expected.final_due.strftime("%Y-%m-%d %H:%M") in home
    assert expected.preliminary_due.strftime("%Y-%m-%d %H:%M") not in home


@pytest.mark.django_db
def test_breach_form_bad_input_is_shown_and_nothing_saved(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    response = client_as(members["editor"]).post(
        reverse("incidents:breach", args=[org.slug, incident.pk]),
        {"form": "assess", "aware_at": "yesterday-ish", "affected_count": "-3", "sensitive": "x"},
    )
    assert response.status_code == 200
    assert response.content.decode().count('class="error"') >= 3
    incident.refresh_from_db()
    assert incident.breach_status == ""
    assert not IncidentTask.objects.exists()


@pytest.mark.django_db
def test_encrypted_data_without_the_key_needs_no_report_and_no_deadline_tasks(
    org: Any, members: dict[str, Any]
) -> None:
    incident = _incident(org, members)
    aware = datetime(2026, 4, 10, 9, 0, tzinfo=TOKYO)
    services.save_breach(None, incident, {"personal_data": "yes", "malicious": "yes"}, aware)
    assert IncidentTask.objects.filter(incident=incident, done_at__isnull=True).count() == 2
    services.save_breach(
        None,
        incident,
        {"personal_data": "yes", "malicious": "yes", "encrypted": "yes", "key_leaked": "no"},
        aware,
    )
    assert incident.breach_status == "not_required"
    assert not IncidentTask.objects.filter(incident=incident, done_at__isnull=True).exists()


@pytest.mark.django_db
def test_notices_to_individuals_are_tracked(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    client = client_as(members["editor"])
    url = reverse("incidents:breach", args=[org.slug, incident.pk])
    client.post(
        url,
        {
            "form": "notice",
            "recipients": "会員名簿の全員",
            "count": "350",
            "method": "mail",
            "sent_on": "2026-04-12",
        },
    )
    notice = incident.notices.get()
    assert notice.count == 350 and notice.created_by == members["editor"]
    entry = TimelineEntry.objects.get(incident=incident, kind=EntryKind.NOTICE)
    assert entry.data["count"] == 350
    assert "会員名簿の全員" in client.get(url).content.decode()


@pytest.mark.django_db
def test_draft_report_keeps_the_items_written_so_far(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    client = client_as(members["editor"])
    url = reverse("incidents:breach", args=[org.slug, incident.pk])
    client.post(url, {"form": "draft", "summary": "4/10 朝、端末の暗号化に気づいた", "cause": ""})
    incident.refresh_from_db()
    assert incident.breach_report_values == {"summary": "4/10 朝、端末の暗号化に気づいた"}
    page = client.get(url).content.decode()
    assert "この段階で必要な項目はすべて記入済みです" in page  # the 速報 needs the summary


@pytest.mark.django_db
def test_closing_turns_chosen_prevention_measures_into_findings(
    org: Any, members: dict[str, Any], client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    incident = _incident(org, members)
    measures = [m.id for m in services.prevention_choices(incident)][:2]
    client = client_as(members["editor"])
    response = client.post(
        reverse("incidents:review", args=[org.slug, incident.pk]),
        {"r_cause": "VPN 機器の更新漏れ", "measures": measures},
    )
    assert response.status_code == 302
    assert not Finding.objects.filter(kind=services.PREVENTION_KIND).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("incidents:status", args=[org.slug, incident.pk]), {"status": "closed"})
    findings = Finding.objects.filter(organization=org, kind=services.PREVENTION_KIND)
    assert sorted(f.key for f in findings) == sorted(
        f"{services.PREVENTION_KIND}:{incident.pk}:{m}" for m in measures
    )
    assert all(f.status == Status.OPEN and f.action.due_date for f in findings)
    assert all("PC locked" in f.subject for f in findings)
    first = services.prevention_choices(incident)[0]
    finding = findings.get(key=f"{services.PREVENTION_KIND}:{incident.pk}:{first.id}")
    page = client.get(reverse("findings:detail", args=[org.slug, finding.pk])).content.decode()
    assert first.text.ja in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("findings:detail", args=[org.slug, finding.pk])).content.decode()
    assert first.text.en in page
    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    # Closing again (after a reopen) does not duplicate them.
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(None, incident, IncidentStatus.REVIEW)
        services.change_status(None, incident, IncidentStatus.CLOSED)
    assert Finding.objects.filter(kind=services.PREVENTION_KIND).count() == len(measures)


@pytest.mark.django_db
def test_details_link_people_and_inventory_items_of_the_organisation_only(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.orgs.models import Organization

    incident = _incident(org, members)
    person = Person.objects.create(organization=org, name="経理 花子")
    device = Device.objects.create(organization=org, name="PC-07", kind="pc")
    other = Organization.objects.exclude(pk=org.pk).get()
    foreign = Device.objects.create(organization=other, name="THEIRS", kind="pc")
    client = client_as(members["editor"])
    url = reverse("incidents:edit", args=[org.slug, incident.pk])
    base = {"title": "PC locked", "severity": "critical", "playbook_ids": ["ransomware"]}
    response = client.post(url, {**base, "devices": [foreign.pk]})
    assert response.status_code == 200  # refused beside the field
    assert not incident.devices.exists()
    response = client.post(url, {**base, "people": [person.pk], "devices": [device.pk]})
    assert response.status_code == 302
    assert list(incident.devices.all()) == [device]
    change = TimelineEntry.objects.get(incident=incident, kind=EntryKind.CHANGE)
    assert set(change.data["changes"]) == {"severity", "people", "devices"}


@pytest.mark.django_db
def test_markdown_and_json_reports_carry_the_timeline_and_decisions(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    services.set_step(None, incident, "ransomware.user.disconnect", True, actor=members["editor"])
    services.add_note(None, incident, "支払わないと決定", actor=members["owner"])
    services.change_status(None, incident, IncidentStatus.RESPONDING, actor=members["owner"])
    client = client_as(members["viewer"])
    data = json.loads(
        client.get(reverse("incidents:export", args=[org.slug, incident.pk, "json"])).content
    )
    assert data["steps"][0]["text"] == "まずネットワークから切り離す"
    assert data["steps"][0]["done"] is True and data["steps"][0]["done_at"]
    assert [row["kind"] for row in data["timeline"]] == ["created", "step", "note", "status"]
    assert data["timeline"][2]["text"] == "支払わないと決定"
    markdown = client.get(
        reverse("incidents:export", args=[org.slug, incident.pk, "md"])
    ).content.decode()
    assert "- [x] まずネットワークから切り離す" in markdown
    assert "支払わないと決定" in markdown and "報告 → 対応中" in markdown
    assert (
        client.get(reverse("incidents:export", args=[org.slug, incident.pk, "exe"])).status_code
        == 404
    )


@pytest.mark.django_db
def test_list_page_queries_do_not_grow_with_incidents(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    client = client_as(members["viewer"])
    url = reverse("incidents:list", args=[org.slug])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"status": ""}).status_code == 200
        return len(ctx.captured_queries)

    _incident(org, members)
    count()  # the first visit stores the current organisation in the session
    small = count()
    for i in range(12):
        incident = _incident(org, members, "ddos" if i % 2 else "ransomware")
        services.add_task(None, incident, f"task {i}")
    assert count() == small


@pytest.mark.django_db
def test_triage_page_explains_why_and_flags_personal_data(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    page = client_as(members["viewer"]).get(
        reverse("incidents:triage", args=[org.slug]),
        {"text": "顧客名簿が入った USB メモリをなくした", "q_personal_data": "on"},
    )
    html = page.content.decode()
    assert "/incidents/playbooks/lost-device/" in html
    assert "個人情報が含まれる可能性があります" in html


@pytest.mark.django_db
def test_playbook_page_shows_roles_contacts_and_sources(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    html = (
        client_as(members["viewer"])
        .get(reverse("incidents:playbook", args=[org.slug, "ransomware"]))
        .content.decode()
    )
    for text in (
        "利用する人",
        "管理する人",
        "封じ込め",
        "都道府県警察のサイバー事案相談窓口",
        "突然データが見られなくなった",
    ):
        assert text in html
    assert (
        client_as(members["viewer"])
        .get(reverse("incidents:playbook", args=[org.slug, "no-such-playbook"]))
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_demo_adds_an_open_and_a_closed_incident(
    org: Any, members: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    from mamori.core.demo import DemoContext
    from mamori.incidents.demo import build

    build(DemoContext(org=org, users=members, passwords={}))
    open_one = Incident.objects.get(organization=org, status=IncidentStatus.RESPONDING)
    closed = Incident.objects.get(organization=org, status=IncidentStatus.CLOSED)
    assert open_one.playbook_ids == ["ransomware"]
    assert TimelineEntry.objects.filter(incident=open_one, kind=EntryKind.STEP).count() >= 3
    assert (
        Finding.objects.filter(
            organization=org, kind=services.PREVENTION_KIND, subject_id=str(closed.pk)
        ).count()
        == len(closed.chosen_measures)
        > 0
    )


@pytest.mark.django_db
def test_pages_read_in_english_when_the_user_chooses_english(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    client = client_as(members["viewer"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    playbook = client.get(reverse("incidents:playbook", args=[org.slug, "ransomware"]))
    assert "First, disconnect from the network" in playbook.content.decode()
    detail = client.get(reverse("incidents:detail", args=[org.slug, incident.pk])).content.decode()
    assert "Checklist" in detail and "First, disconnect from the network" in detail
    assert "まずネットワークから切り離す" not in detail


@pytest.mark.django_db
def test_tile_queries_do_not_grow_with_incidents(org: Any, members: dict[str, Any]) -> None:
    from mamori.incidents.tiles import tiles

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            tiles(org, None)
        return len(ctx.captured_queries)

    aware = datetime(2026, 4, 10, 9, 0, tzinfo=TOKYO)
    services.save_breach(None, _incident(org, members), {"malicious": "yes"}, aware)
    small = count()
    for _ in range(8):
        services.save_breach(None, _incident(org, members), {"sensitive": "yes"}, aware)
    assert count() == small
    shown = tiles(org, None)
    assert shown[0].value == 9
    assert shown[1].value == expected_preliminary(aware)


def expected_preliminary(aware: datetime) -> str:
    due = breach_clock.deadlines(aware, False).preliminary_due
    return due.strftime("%Y-%m-%d %H:%M")


@pytest.mark.django_db
def test_detail_page_lists_the_chosen_prevention_measures(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    chosen = services.prevention_choices(incident)[1]
    services.save_review(None, incident, {}, [chosen.id], actor=members["owner"])
    html = (
        client_as(members["viewer"])
        .get(reverse("incidents:detail", args=[org.slug, incident.pk]))
        .content.decode()
    )
    assert chosen.text.ja in html
    assert services.prevention_choices(incident)[0].text.ja not in html
