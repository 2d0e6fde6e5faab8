"""Backup and critical-account pages, restore tests with evidence, the secret check, the BCP
sheet page and its PDF."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from mamori.audit.models import AuditEvent
from mamori.continuity.models import (
    Backup,
    CriticalAccount,
    EscrowPlace,
    RestoreTest,
    looks_like_secret,
)
from mamori.findings.models import Finding, Status
from mamori.findings.services import run_rules
from mamori.inventory.models import Person, Service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def backup_url(org: Any, backup: Backup) -> str:
    return f"/o/{org.slug}/inventory/backups/{backup.pk}/"


def test_registers_list_and_new_form_render_for_an_editor(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    for key in ("backups", "critical-accounts"):
        assert editor.get(f"/o/{org.slug}/inventory/{key}/").status_code == 200
        assert editor.get(f"/o/{org.slug}/inventory/{key}/new/").status_code == 200
    index = editor.get(f"/o/{org.slug}/inventory/").content.decode()
    assert "バックアップ" in index


def test_restore_test_with_evidence_is_stored_shown_and_audited(
    org: Any,
    members: dict[str, Any],
    client_as: Any,
    media: Path,
) -> None:
    backup = Backup.objects.create(organization=org, name="NAS copy")
    run_rules(org)
    assert Finding.objects.filter(
        organization=org, kind="continuity.no_restore_test", status=Status.OPEN
    ).exists()
    editor = client_as(members["editor"])
    content = "復元ログ 312 files".encode()
    response = editor.post(
        f"/o/{org.slug}/continuity/backups/{backup.pk}/restore-tests/",
        {
            "tested_on": timezone.localdate().isoformat(),
            "restored": "見積書フォルダ",
            "duration_minutes": "35",
            "result": "success",
            "evidence": SimpleUploadedFile("../../log 1.txt", content),
        },
    )
    assert response.status_code == 302
    test = RestoreTest.objects.get(backup=backup)
    assert test.evidence_name == "log 1.txt"
    assert test.evidence_sha256 == hashlib.sha256(content).hexdigest()
    assert test.evidence_size == len(content)
    stored = media / test.evidence.name
    assert stored.read_bytes() == content
    assert test.evidence_sha256 in test.evidence.name and "log" not in test.evidence.name
    run_rules(org)  # what the rule job queued after the save does
    event = AuditEvent.objects.get(action="continuity.restore_test_added")
    assert event.object_id == str(backup.pk) and event.actor_id == members["editor"].pk
    page = editor.get(backup_url(org, backup)).content.decode()
    assert "見積書フォルダ" in page and "log 1.txt" in page
    # The rule no longer fires (rules ran after commit).
    assert (
        Finding.objects.get(organization=org, kind="continuity.no_restore_test").status
        == Status.RESOLVED
    )
    viewer = client_as(members["viewer"])
    download = viewer.get(
        f"/o/{org.slug}/continuity/backups/{backup.pk}/restore-tests/{test.pk}/evidence/"
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == "application/octet-stream"


def test_restore_test_refuses_bad_input_in_the_users_language(
    org: Any, members: dict[str, Any], client_as: Any, settings: Any
) -> None:
    settings.CONTINUITY_EVIDENCE_MAX_BYTES = 10
    backup = Backup.objects.create(organization=org, name="NAS copy")
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/continuity/backups/{backup.pk}/restore-tests/",
        {
            "tested_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "restored": "x",
            "result": "success",
            "evidence": SimpleUploadedFile("big.bin", b"x" * 11),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "未来の日付" in page
    assert "ファイルが大きすぎます" in page
    assert not RestoreTest.objects.exists()
    viewer = client_as(members["viewer"])
    assert (
        viewer.post(
            f"/o/{org.slug}/continuity/backups/{backup.pk}/restore-tests/",
            {"tested_on": "2026-01-01", "restored": "x", "result": "success"},
        ).status_code
        == 403
    )


def test_another_organisations_backup_is_not_found(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.orgs.models import Organization

    other = Organization.objects.exclude(pk=org.pk).get()
    theirs = Backup.objects.create(organization=other, name="theirs")
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/continuity/backups/{theirs.pk}/restore-tests/",
        {"tested_on": "2026-01-01", "restored": "x", "result": "success"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "text",
    ["Tr0ub4dor&3xyz", "a1b2-c3d4-e5f6-g7h8", "PIN: 482913", "暗証番号は 4829"],
)
def test_secret_looking_text_is_refused(
    text: str, org: Any, members: dict[str, Any], client_as: Any
) -> None:
    assert looks_like_secret(text)
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/inventory/critical-accounts/new/",
        {"name": "Bank", "kind": "online_banking", "escrow": "sealed_safe", "escrow_details": text},
    )
    assert response.status_code == 200
    assert "パスワード" in response.content.decode()
    assert not CriticalAccount.objects.exists()


@pytest.mark.parametrize(
    "text",
    ["社長室の金庫（2段目）、封筒に割印", "1Password の緊急アクセス", "Microsoft365 管理", ""],
)
def test_places_are_not_mistaken_for_secrets(text: str) -> None:
    assert not looks_like_secret(text)


def test_critical_account_saved_and_rule_runs(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    admin = Person.objects.create(organization=org, name="山田")
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/inventory/critical-accounts/new/",
        {
            "name": "ドメイン",
            "kind": "domain_registrar",
            "administrator": admin.pk,
            "escrow": "none",
        },
    )
    assert response.status_code == 302
    account = CriticalAccount.objects.get()
    run_rules(org)  # what the rule job queued after the save does
    assert Finding.objects.filter(
        organization=org, kind="continuity.no_deputy", subject_id=str(account.pk)
    ).exists()
    page = editor.get(f"/o/{org.slug}/findings/").content.decode()
    assert "代わりの管理者がいません" in page


def _sheet_data(org: Any) -> None:
    yamada = Person.objects.create(organization=org, name="山田 太郎")
    sato = Person.objects.create(organization=org, name="佐藤 花子")
    Service.objects.create(organization=org, name="クラウド会計", category="accounting")
    CriticalAccount.objects.create(
        organization=org,
        name="ネットバンキング",
        kind="online_banking",
        administrator=yamada,
        deputy=sato,
        escrow=EscrowPlace.SEALED_SAFE,
    )
    from mamori.incidents.contact_models import EmergencyContact

    EmergencyContact.objects.create(
        organization=org, kind="bank", name="みなと銀行 本店", emergency_phone="0120-123-456"
    )
    backup = Backup.objects.create(organization=org, name="NAS→外付けHDD", location="offline_media")
    RestoreTest.objects.create(
        organization=org,
        backup=backup,
        tested_on=timezone.localdate(),
        restored="x",
        result="success",
        duration_minutes=35,
    )


def test_bcp_sheet_page_in_one_language_at_a_time(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    _sheet_data(org)
    viewer = client_as(members["viewer"])
    ja = viewer.get(f"/o/{org.slug}/continuity/bcp/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "事業継続シート" in ja and "佐藤 花子" in ja and "35分" in ja
    assert "みなと銀行 本店" in ja and "0120-123-456" in ja
    assert "Business continuity sheet" not in ja
    viewer.post("/i18n/setlang/", {"language": "en"})
    en = viewer.get(f"/o/{org.slug}/continuity/bcp/").content.decode()
    assert "Business continuity sheet" in en and "35 min" in en
    assert "事業継続シート" not in en


def test_bcp_pdf_prints_the_registers(org: Any, members: dict[str, Any], client_as: Any) -> None:
    _sheet_data(org)
    viewer = client_as(members["viewer"])
    response = viewer.get(f"/o/{org.slug}/continuity/bcp/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("事業継続シート", "ネットバンキング", "佐藤", "NAS", "35", "0120-123-456"):
        assert expected in text, expected


def test_bcp_pdf_stays_one_page_with_long_registers(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    _sheet_data(org)
    for n in range(40):
        Backup.objects.create(organization=org, name=f"バックアップ {n:02d} " + "長い名前" * 5)
        CriticalAccount.objects.create(organization=org, name=f"アカウント {n:02d}")
    viewer = client_as(members["viewer"])
    viewer.post("/i18n/setlang/", {"language": "en"})
    reader = PdfReader(io.BytesIO(viewer.get(f"/o/{org.slug}/continuity/bcp/pdf/").content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Business continuity sheet" in text and "and 29 more" in text


def test_escrow_elsewhere_needs_the_place(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/inventory/critical-accounts/new/",
        {"name": "Registrar", "kind": "domain_registrar", "escrow": "other"},
    )
    assert response.status_code == 200
    assert "預け先を記入してください。" in response.content.decode()
    assert not CriticalAccount.objects.exists()


def test_registers_over_the_api(org: Any, members: dict[str, Any], client_as: Any) -> None:
    from tests.test_api import token_client

    nas = Person.objects.create(organization=org, name="佐藤")
    editor = token_client(client_as, members["editor"])
    url = f"/api/orgs/{org.slug}/inventory/backups"
    created = editor.post(
        url,
        data={
            "name": "NAS → HDD",
            "location": "offline_media",
            "generations": 4,
            "schedule": "weekly",
            "checker": nas.pk,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    listing = editor.get(url).json()
    assert [(r["name"], r["location"], r["generations"], r["checker"]) for r in listing] == [
        ("NAS → HDD", "offline_media", 4, "佐藤")
    ]
    secret = editor.post(
        f"/api/orgs/{org.slug}/inventory/critical-accounts",
        data={
            "name": "Bank",
            "kind": "online_banking",
            "escrow": "sealed_safe",
            "escrow_details": "PIN: 482913",
        },
        content_type="application/json",
    )
    assert secret.status_code == 400 and "escrow_details" in secret.json()["errors"]
    assert not CriticalAccount.objects.exists()
