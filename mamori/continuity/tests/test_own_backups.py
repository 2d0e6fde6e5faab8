"""mamori's own backups appear in every organisation's backup register: `mamori backup` sets the
"mamori" row's last run, `mamori restore --check` and a restore add a restore test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from mamori.audit.models import AuditEvent
from mamori.continuity.models import Backup, RestoreTest
from mamori.core.commands import backup as backup_command
from mamori.core.commands import restore as restore_command
from mamori.findings.models import Finding, Status
from mamori.findings.services import run_rules
from mamori.orgs.models import Organization

db_transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def run_backup(tmp_path: Path) -> Path:
    out = tmp_path / "backups"
    assert backup_command.main(["--output", str(out)]) == 0
    (archive,) = out.glob("*.tar")
    return archive


@db_transactional
def test_backup_run_and_restore_check_are_recorded_per_organisation(
    tmp_path: Path, media_root: Path
) -> None:
    first = Organization.objects.create(name="一社", slug="one")
    second = Organization.objects.create(name="二社", slug="two")
    archive = run_backup(tmp_path)
    today = timezone.localdate()
    rows = {row.organization_id: row for row in Backup.objects.filter(managed=True)}
    assert set(rows) == {first.pk, second.pk}
    for row in rows.values():
        assert row.name == "mamori"
        assert row.last_success_on == today
    assert (
        AuditEvent.objects.filter(
            action="continuity.mamori_backup_recorded", object_id=str(rows[first.pk].pk)
        ).count()
        == 1
    )
    # Recorded, never restored: the register says so.
    run_rules(first)
    assert Finding.objects.filter(
        organization=first, kind="continuity.no_restore_test", status=Status.OPEN
    ).exists()

    # A second run updates the same row (one per organisation).
    run_backup_again = tmp_path / "again"
    assert backup_command.main(["--output", str(run_backup_again)]) == 0
    assert Backup.objects.filter(organization=first, managed=True).count() == 1

    assert restore_command.main([str(archive), "--check"]) == 0
    tests = RestoreTest.objects.filter(backup__managed=True)
    assert {t.organization_id for t in tests} == {first.pk, second.pk}
    check = tests.get(organization=first)
    assert check.result == "success" and check.automatic and check.tested_on == today
    assert archive.name in check.restored
    # The backup's page shows mamori's own check (no person recorded it).
    from django.test import Client

    from mamori.orgs.models import Membership, Role
    from mamori.orgs.services import create_user

    owner = create_user("owner@example.jp", "correct-horse-battery-42", full_name="所有")
    Membership.objects.create(organization=first, user=owner, role=Role.OWNER)
    client = Client()
    client.force_login(owner)
    page = client.get(f"/o/one/inventory/backups/{check.backup_id}/")
    assert page.status_code == 200
    assert "mamori（自動の検証）" in page.content.decode()
    run_rules(first)
    assert not Finding.objects.filter(
        organization=first, kind="continuity.no_restore_test", status=Status.OPEN
    ).exists()


@db_transactional
def test_failed_check_records_nothing(tmp_path: Path, media_root: Path) -> None:
    Organization.objects.create(name="一社", slug="one")
    archive = run_backup(tmp_path)
    data = bytearray(archive.read_bytes())
    data[len(data) // 3] ^= 0x5A
    archive.write_bytes(bytes(data))
    assert restore_command.main([str(archive), "--check"]) == 1
    assert not RestoreTest.objects.exists()


@db_transactional
def test_restore_records_a_restore_test_in_the_restored_database(
    tmp_path: Path, media_root: Path
) -> None:
    org = Organization.objects.create(name="一社", slug="one")
    archive = run_backup(tmp_path)
    Backup.objects.filter(organization=org, managed=True).update(name="renamed later")
    assert restore_command.main([str(archive), "--yes"]) == 0
    row = Backup.objects.get(organization=org, managed=True)
    assert row.name == "mamori"  # the restored data
    (test,) = RestoreTest.objects.filter(backup=row)
    assert test.notes == "mamori restore" and test.result == "success"
