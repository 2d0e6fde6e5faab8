"""Changes to the continuity records: one transaction, one audit event, rules re-run after commit.

The registers' own create/edit/archive go through the generic register service
(mamori.inventory.services); what is specific here is a backup's restore tests and the backup row
mamori keeps about its own backups (`mamori backup`, `mamori restore`).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import record
from mamori.core.text import storable
from mamori.findings.services import run_rules_after_commit
from mamori.orgs.models import Organization

from .models import (
    MAMORI_BACKUP_NAME,
    Backup,
    BackupLocation,
    BackupSchedule,
    RestoreResult,
    RestoreTest,
)


def _file_name(upload: UploadedFile) -> str:
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    return storable(name)[:255] or "file"


def add_restore_test(
    request: HttpRequest | None,
    backup: Backup,
    *,
    tested_on: date,
    restored: str,
    result: str,
    duration_minutes: int | None = None,
    notes: str = "",
    evidence: UploadedFile | None = None,
    automatic: bool = False,
) -> RestoreTest:
    """Record one restore test; an evidence file is stored under its SHA-256 (never its name)."""
    test = RestoreTest(
        organization_id=backup.organization_id,
        backup=backup,
        tested_on=tested_on,
        restored=storable(restored)[:300],
        duration_minutes=duration_minutes,
        result=result,
        notes=storable(notes)[:2000],
        automatic=automatic,
        created_by=request.user if request is not None and request.user.is_authenticated else None,
    )
    stored = ""
    if evidence is not None:
        digest = hashlib.sha256()
        size = 0
        for chunk in evidence.chunks():
            digest.update(chunk)
            size += len(chunk)
        evidence.seek(0)
        test.evidence_name = _file_name(evidence)
        test.evidence_size = size
        test.evidence_sha256 = digest.hexdigest()
        test.evidence.save(test.evidence_name, File(evidence), save=False)
        stored = test.evidence.name
    try:
        with transaction.atomic():
            test.save()
            record(
                "continuity.restore_test_added",
                request=request,
                organization=backup.organization_id,
                obj=backup,
                changes={
                    "tested_on": tested_on,
                    "restored": test.restored,
                    "result": result,
                    "duration_minutes": duration_minutes,
                    "file": test.evidence_name,
                    "sha256": test.evidence_sha256,
                },
            )
            # The rules re-check this backup alone (issue 20).
            run_rules_after_commit(backup.organization, "continuity.restoretest", pks=[test.pk])
    except Exception:
        # Nothing half-saved: the stored file goes when its record could not be written.
        if stored:
            test.evidence.storage.delete(stored)
        raise
    return test


# --- mamori's own backups --------------------------------------------------------------------


def mamori_backup_row(org: Organization) -> Backup:
    """The organisation's row for mamori's own backups, created on first use.

    The archives are written to the data folder on the same machine by default, so the row
    starts as "on the same system"; the owner corrects the location once copies go elsewhere.
    """
    row = Backup.objects.filter(organization=org, managed=True).first()
    if row is not None:
        return row
    return Backup.objects.create(
        organization=org,
        name=MAMORI_BACKUP_NAME,
        managed=True,
        location=BackupLocation.SAME_SYSTEM,
        method="mamori backup",
        schedule=BackupSchedule.DAILY,
    )


def record_backup_run(archive_name: str, when: date | None = None) -> int:
    """A successful `mamori backup`: every organisation's mamori row gets its last run.

    Returns the number of organisations updated. One audit event per organisation, so each
    organisation's trail shows it.
    """
    when = when or timezone.localdate()
    count = 0
    for org in Organization.objects.order_by("pk"):
        with transaction.atomic():
            row = mamori_backup_row(org)
            before = row.last_success_on
            row.last_success_on = when
            row.archived_at = None
            row.updated_at = timezone.now()
            row.save(update_fields=["last_success_on", "archived_at", "updated_at"])
            record(
                "continuity.mamori_backup_recorded",
                organization=org,
                obj=row,
                changes={"file": archive_name[:200], "last_success_on": [before, when]},
            )
            run_rules_after_commit(org, "continuity.backup", pks=[row.pk])
        count += 1
    return count


def record_restore_check(archive_name: str, what: str, *, restored: bool) -> int:
    """A successful `mamori restore --check` (verified) or restore: a restore test on every
    organisation's mamori row. Returns the number of organisations recorded."""
    today = timezone.localdate()
    # Language-neutral: the archive's name (what a person looks for) and when it was written.
    text = f"{archive_name} ({what})" if what else archive_name
    count = 0
    for org in Organization.objects.order_by("pk"):
        row = mamori_backup_row(org)
        add_restore_test(
            None,
            row,
            tested_on=today,
            restored=text,
            result=RestoreResult.SUCCESS,
            notes="mamori restore" if restored else "mamori restore --check",
            automatic=True,
        )
        count += 1
    return count


def record_from_cli(action: str, archive_name: str, what: str = "") -> None:
    """Called by the `mamori backup` / `mamori restore` commands after their work succeeded.

    A failure here must not turn a good backup into a failed command: it is printed instead.
    """
    import sys

    try:
        if action == "backup":
            record_backup_run(archive_name)
        else:
            record_restore_check(archive_name, what, restored=action == "restore")
    except Exception as error:  # noqa: BLE001 - the backup itself succeeded; say what failed
        print(
            "  バックアップ台帳への記録に失敗しました / could not record this in the backup "
            f"register: {type(error).__name__}",
            file=sys.stderr,
        )


def restore_test_kwargs(cleaned: dict[str, Any]) -> dict[str, Any]:
    return {
        "tested_on": cleaned["tested_on"],
        "restored": cleaned["restored"],
        "result": cleaned["result"],
        "duration_minutes": cleaned.get("duration_minutes"),
        "notes": cleaned.get("notes") or "",
        "evidence": cleaned.get("evidence"),
    }
