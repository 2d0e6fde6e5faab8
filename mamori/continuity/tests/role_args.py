from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from mamori.continuity.models import Backup
from mamori.continuity.services import add_restore_test


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    backup = Backup.objects.create(organization=org, name="Role test backup")
    test = add_restore_test(
        None,
        backup,
        tested_on=date(2026, 1, 5),
        restored="one folder",
        result="success",
        evidence=SimpleUploadedFile("screen.txt", b"restored"),
    )
    return {
        "continuity:restore_test": {"pk": backup.pk},
        "continuity:restore_evidence": {"pk": backup.pk, "test_id": test.pk},
        "continuity:bcp": {},
        "continuity:bcp_pdf": {},
    }
