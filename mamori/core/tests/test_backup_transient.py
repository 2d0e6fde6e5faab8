"""Issue 19 housekeeping: short-lived files (an import preview waiting for its confirmation, the
overview's report zips) are not carried into `mamori backup` archives, where they would outlive
their deletion by as long as the backup is kept."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from mamori.core.backup.snapshot import TRANSIENT_FOLDERS
from mamori.core.commands import backup as backup_command
from mamori.core.tests.test_shared_storage import (  # noqa: F401 - fixtures
    BUCKET,
    _keys,
    _people_workbook,
    s3,
    s3_endpoint,
)
from mamori.inventory import uploads
from mamori.orgs import bulk


def test_the_transient_folders_are_the_ones_the_apps_use() -> None:
    assert {uploads.FOLDER, bulk.BUNDLE_FOLDER} <= TRANSIENT_FOLDERS


def _backup_names(tmp_path: Path) -> list[str]:
    out = tmp_path / "backups"
    assert backup_command.main(["--output", str(out)]) == 0
    (archive,) = out.glob("*.tar")
    with tarfile.open(archive) as tar:
        return tar.getnames()


def _preview(org: Any, client: Any) -> str:
    """An import previewed through the real view and kept for its confirmation."""
    response = client.post(f"/o/{org.slug}/inventory/people/import/", {"file": _people_workbook()})
    assert response.status_code == 200
    return str(response.context["token"])


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_an_import_preview_is_kept_leaves_it_out(
    org: Any, members: dict[str, Any], client_as: Any, settings: Any, tmp_path: Path, capsys: Any
) -> None:
    from mamori.inventory.models import Person

    root = tmp_path / "files"
    settings.MEDIA_ROOT = root
    default_storage.save("incidents/1/1/note.txt", ContentFile(b"evidence"))
    # A folder of that name deeper down is ordinary content and is kept.
    default_storage.save("incidents/1/imports/list.csv", ContentFile(b"kept"))
    default_storage.save(f"{bulk.BUNDLE_FOLDER}/1.zip", ContentFile(b"several clients"))
    editor = client_as(members["editor"])
    token = _preview(org, editor)
    assert (root / uploads.FOLDER / f"{token}.bin").is_file()

    names = _backup_names(tmp_path)
    assert "files/incidents/1/1/note.txt" in names
    assert "files/incidents/1/imports/list.csv" in names
    assert not [n for n in names if n.startswith(("files/imports", "files/report-bundles"))]
    assert "skipped" not in capsys.readouterr().out  # left out on purpose, not reported

    # The preview itself is untouched: it can still be confirmed.
    assert editor.post(f"/o/{org.slug}/inventory/people/import/", {"token": token}).status_code
    assert Person.objects.get(organization=org).email == "yamada@example.jp"


@pytest.mark.django_db(transaction=True)
def test_with_the_bucket_a_kept_preview_stays_in_the_bucket_and_out_of_the_backup(
    org: Any,
    members: dict[str, Any],
    client_as: Any,
    s3: Any,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    token = _preview(org, client_as(members["editor"]))
    names = _backup_names(tmp_path)
    assert not [n for n in names if n.startswith("files/")]
    assert _keys(s3) == [f"mamori/imports/{token}.bin", f"mamori/imports/{token}.json"]
