"""Shared files (issue 19): with MAMORI_STORAGE=s3 every file the app keeps for users goes to an
S3-compatible bucket that every node sees. Tested against a real S3-compatible server on loopback
(moto in server mode), through the real views."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

BUCKET = "mamori-files"
ACCESS_KEY = "test-access-key"  # moto accepts any key pair
SECRET_KEY = "test-secret-key"  # noqa: S105 - a key for the local test server only


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as error:  # pragma: no cover - the test extra installs moto[server]
        pytest.skip(f"moto[server] is not installed ({error}); pip install -e '.[test]'")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except OSError as error:  # pragma: no cover - a port taken between probe and bind
        pytest.skip(f"the local S3-compatible server (moto) could not start: {error}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="ap-northeast-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def s3(settings: Any, s3_endpoint: str, tmp_path: Path) -> Iterator[Any]:
    """The default storage switched to a fresh bucket on the local server, as MAMORI_STORAGE=s3
    configures it (settings.py); MEDIA_ROOT points at an empty folder that must stay empty."""
    client = _client(s3_endpoint)
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"}
    )
    settings.MEDIA_ROOT = tmp_path / "local-files"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "ap-northeast-1",
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "location": "mamori",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client: Any) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.mark.django_db
def test_incident_evidence_is_stored_in_the_bucket_and_downloaded_from_it(
    org: Any, members: dict[str, Any], client_as: Any, s3: Any, tmp_path: Path
) -> None:
    from mamori.incidents import services
    from mamori.incidents.models import EvidenceFile

    incident = services.report_incident(
        None, org, title="PC locked", playbook_ids=["ransomware"], actor=members["owner"]
    )
    payload = "身代金要求の画面\n".encode() + os.urandom(2048)
    editor = client_as(members["editor"])
    url = reverse("incidents:evidence_upload", args=[org.slug, incident.pk])
    for _ in range(2):  # the same name twice: two objects, neither replaces the other
        response = editor.post(url, {"file": SimpleUploadedFile("ransom note.png", payload)})
        assert response.status_code == 302
    first, second = EvidenceFile.objects.filter(incident=incident).order_by("pk")
    assert first.file.name != second.file.name
    assert first.file.name.startswith(f"incidents/{org.pk}/{incident.pk}/")

    keys = _keys(s3)
    assert keys == sorted(f"mamori/{e.file.name}" for e in (first, second))
    stored = s3.get_object(Bucket=BUCKET, Key=f"mamori/{first.file.name}")["Body"].read()
    assert stored == payload and hashlib.sha256(stored).hexdigest() == first.sha256
    # Nothing on the local disk: another node would not see it there.
    local = tmp_path / "local-files"
    assert not local.exists() or not any(p.is_file() for p in local.rglob("*"))

    download = client_as(members["viewer"]).get(
        reverse("incidents:evidence", args=[org.slug, incident.pk, second.pk])
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == payload

    # An object gone from the bucket is a plain 404, not a server error.
    s3.delete_object(Bucket=BUCKET, Key=f"mamori/{second.file.name}")
    gone = client_as(members["viewer"]).get(
        reverse("incidents:evidence", args=[org.slug, incident.pk, second.pk])
    )
    assert gone.status_code == 404


@pytest.mark.django_db
def test_restore_test_evidence_is_stored_in_the_bucket_and_downloaded_from_it(
    org: Any, members: dict[str, Any], client_as: Any, s3: Any
) -> None:
    from django.utils import timezone

    from mamori.continuity.models import Backup, RestoreTest

    backup = Backup.objects.create(organization=org, name="NAS copy")
    content = "復元ログ 312 files".encode()
    response = client_as(members["editor"]).post(
        f"/o/{org.slug}/continuity/backups/{backup.pk}/restore-tests/",
        {
            "tested_on": timezone.localdate().isoformat(),
            "restored": "見積書フォルダ",
            "duration_minutes": "35",
            "result": "success",
            "evidence": SimpleUploadedFile("log.txt", content),
        },
    )
    assert response.status_code == 302
    test = RestoreTest.objects.get(backup=backup)
    assert _keys(s3) == [f"mamori/{test.evidence.name}"]
    download = client_as(members["viewer"]).get(
        f"/o/{org.slug}/continuity/backups/{backup.pk}/restore-tests/{test.pk}/evidence/"
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content


def _people_workbook() -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["氏名", "メールアドレス"])
    book.active.append(["山田 太郎", "yamada@example.jp"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "社員名簿.xlsx"
    return data


@pytest.mark.django_db
def test_an_import_kept_between_preview_and_confirm_round_trips_through_the_bucket(
    org: Any, members: dict[str, Any], client_as: Any, s3: Any
) -> None:
    from mamori.inventory.models import Person

    url = f"/o/{org.slug}/inventory/people/import/"
    editor = client_as(members["editor"])
    preview = editor.post(url, {"file": _people_workbook()})
    assert preview.status_code == 200
    token = preview.context["token"]
    assert token
    assert _keys(s3) == [f"mamori/imports/{token}.bin", f"mamori/imports/{token}.json"]
    assert not Person.objects.filter(organization=org).exists()

    # The kept file belongs to the user who previewed it: another editor's confirm is refused.
    owner = client_as(members["owner"])
    refused = owner.post(url, {"token": token})
    assert refused.status_code == 302 and not Person.objects.filter(organization=org).exists()

    # A confirm on "another node": a fresh client, the file read back from the bucket only.
    confirmed = client_as(members["editor"]).post(url, {"token": token})
    assert confirmed.status_code == 302
    assert Person.objects.get(organization=org).email == "yamada@example.jp"
    assert _keys(s3) == []  # taken and discarded


@pytest.mark.django_db
def test_a_token_that_names_another_file_reads_and_deletes_nothing(
    org: Any, members: dict[str, Any], client_as: Any, s3: Any
) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.save("incidents/1/1/keep.bin", ContentFile(b"evidence"))
    response = client_as(members["editor"]).post(
        f"/o/{org.slug}/inventory/people/import/", {"token": "../incidents/1/1/keep"}
    )
    assert response.status_code == 302
    assert _keys(s3) == ["mamori/incidents/1/1/keep.bin"]


def _settings_error(env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", "import mamori.settings"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    return result.stderr.strip().splitlines()[-1]


def test_a_storage_setting_that_cannot_work_stops_the_start_with_a_clear_message(
    tmp_path: Path,
) -> None:
    base = {"MAMORI_DATA_DIR": str(tmp_path)}
    assert "MAMORI_STORAGE must be 'local' or 's3'" in _settings_error(
        {**base, "MAMORI_STORAGE": "ftp"}
    )
    assert "needs MAMORI_S3_BUCKET" in _settings_error(
        {**base, "MAMORI_STORAGE": "s3", "MAMORI_S3_BUCKET": ""}
    )


@pytest.mark.django_db(transaction=True)
def test_backup_with_the_bucket_names_it_and_copies_no_files(
    s3: Any, settings: Any, tmp_path: Path, capsys: Any
) -> None:
    import json
    import tarfile

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from mamori.core.commands import backup as backup_command

    default_storage.save("incidents/1/1/note.txt", ContentFile(b"evidence"))
    # A stale local folder must not pass for the uploaded files.
    (tmp_path / "local-files").mkdir()
    (tmp_path / "local-files" / "old.txt").write_bytes(b"not the files")
    out = tmp_path / "backups"
    assert backup_command.main(["--output", str(out)]) == 0
    (archive,) = out.glob("*.tar")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert not any(name.startswith("files/") for name in names)
    assert manifest["files_elsewhere"] == f"s3://{BUCKET}/mamori"
    printed = capsys.readouterr().out
    assert f"Uploaded files are in s3://{BUCKET}/mamori, not in this backup" in printed
    # The objects themselves are untouched.
    assert _keys(s3) == ["mamori/incidents/1/1/note.txt"]

    # Restoring it brings the database back, leaves the bucket and the unused local folder
    # alone, and says where the files must be restored from.
    from mamori.core.commands import restore as restore_command

    assert restore_command.main([str(archive), "--yes"]) == 0
    printed = capsys.readouterr().out
    assert f"Uploaded files are in s3://{BUCKET}/mamori: bring the bucket back" in printed
    assert _keys(s3) == ["mamori/incidents/1/1/note.txt"]
    assert (tmp_path / "local-files" / "old.txt").read_bytes() == b"not the files"


def test_the_bucket_key_is_hidden_in_error_reports(s3: Any) -> None:
    from django.views.debug import SafeExceptionReporterFilter

    shown = SafeExceptionReporterFilter().get_safe_settings()["STORAGES"]["default"]["OPTIONS"]
    assert shown["bucket_name"] == BUCKET
    assert SECRET_KEY not in repr(shown) and ACCESS_KEY not in repr(shown)


@pytest.mark.django_db(transaction=True)
def test_backup_of_a_shared_folder_archives_its_files(settings: Any, tmp_path: Path) -> None:
    import json
    import tarfile

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from mamori.core.commands import backup as backup_command

    settings.MEDIA_ROOT = tmp_path / "nfs" / "mamori-files"  # as MAMORI_MEDIA_ROOT sets it
    default_storage.save("incidents/1/1/note.txt", ContentFile(b"evidence"))
    out = tmp_path / "backups"
    assert backup_command.main(["--output", str(out)]) == 0
    (archive,) = out.glob("*.tar")
    with tarfile.open(archive) as tar:
        assert tar.extractfile("files/incidents/1/1/note.txt").read() == b"evidence"
        assert "files_elsewhere" not in json.loads(tar.extractfile("manifest.json").read())
