"""Files at rest are private to mamori's user: the data directory 0700; the SQLite database and
its WAL, evidence files and pending import files 0600 — even when the host's umask is 022.
The `mamori rotate-keys --generate` command is run for real on a fresh install."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mamori.incidents import services as incident_services
from mamori.incidents.models import EvidenceFile


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def permissive_umask() -> Iterator[None]:
    """The host's usual umask (022), as a service manager or shell may set it."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.django_db
def test_evidence_files_and_their_folders_are_private(
    org: Any, members: dict[str, Any], client_as: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    incident = incident_services.report_incident(
        None, org, title="PC locked", playbook_ids=["ransomware"], actor=members["owner"]
    )
    with permissive_umask():
        response = client_as(members["editor"]).post(
            reverse("incidents:evidence_upload", args=[org.slug, incident.pk]),
            {"file": SimpleUploadedFile("ransom.txt", b"pay us"), "description": "note"},
        )
    assert response.status_code == 302
    stored = Path(EvidenceFile.objects.get(incident=incident).file.path)
    assert mode(stored) == 0o600
    folder = stored.parent
    while folder != tmp_path:
        assert mode(folder) == 0o700, folder
        folder = folder.parent


@pytest.mark.django_db
def test_pending_import_files_are_private(
    org: Any, members: dict[str, Any], client_as: Any, settings: Any, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    settings.MEDIA_ROOT = tmp_path  # pending imports go through the file storage
    book = Workbook()
    book.active.append(["氏名", "メールアドレス"])
    book.active.append(["山田 太郎", "yamada@example.jp"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "社員名簿.xlsx"
    with permissive_umask():
        preview = client_as(members["editor"]).post(
            f"/o/{org.slug}/inventory/people/import/", {"file": data}
        )
    assert preview.status_code == 200 and preview.context["token"]
    folder = tmp_path / "imports"
    assert mode(folder) == 0o700
    files = list(folder.iterdir())
    assert files and all(mode(path) == 0o600 for path in files)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    def host_umask() -> None:
        os.umask(0o022)

    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=host_umask,  # noqa: PLW1509 - only sets the umask in the child
        check=False,
    )


CREATE_SECRET = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
django.setup()
from mamori.orgs.services import create_organization, create_user
from mamori.notify.models import Channel, ChannelKind
owner = create_user("owner@example.jp", "pw-Long-Enough-123")
org = create_organization("テスト", owner)
Channel.objects.create(organization=org, name="m", kind=ChannelKind.EMAIL, smtp_password="pw-42")
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT smtp_password FROM notify_channel")
    print(cursor.fetchone()[0])
"""

READ_SECRET = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
django.setup()
from mamori.notify.models import Channel
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT smtp_password FROM notify_channel")
    print(cursor.fetchone()[0])
print(Channel.objects.get().smtp_password)
"""


def test_fresh_install_is_private_and_rotate_keys_generates_a_new_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        "MAMORI_DATA_DIR": str(data_dir),
        "DATABASE_URL": "",
        "MAMORI_SECRET_KEY": "",
        "MAMORI_SECRET_KEY_FALLBACKS": "",
    }
    migrated = _run(["-m", "mamori.cli", "manage", "migrate", "--no-input"], env)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    created = _run(["-c", CREATE_SECRET], env)
    assert created.returncode == 0, created.stderr[-2000:]
    stored_before = created.stdout.strip().splitlines()[-1]

    assert mode(data_dir) == 0o700
    database = data_dir / "mamori.sqlite3"
    assert mode(database) == 0o600
    for suffix in ("-wal", "-shm"):
        sidecar = Path(f"{database}{suffix}")
        if sidecar.exists():
            assert mode(sidecar) == 0o600, sidecar
    key_file = data_dir / "secret_key"
    assert mode(key_file) == 0o600
    old_key = key_file.read_text()

    rotated = _run(["-m", "mamori.cli", "rotate-keys", "--generate"], env)
    assert rotated.returncode == 0, rotated.stderr[-2000:]
    assert "notify.Channel.smtp_password" in rotated.stdout
    assert key_file.read_text() != old_key and mode(key_file) == 0o600
    read = _run(["-c", READ_SECRET], env)
    assert read.returncode == 0, read.stderr[-2000:]
    stored_after, plain = read.stdout.strip().splitlines()[-2:]
    assert stored_after != stored_before and plain == "pw-42"
