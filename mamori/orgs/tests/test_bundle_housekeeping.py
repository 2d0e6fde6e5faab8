"""Issue 19 housekeeping: the overview's report zips are deleted by a daily job — after
BUNDLE_KEEP_DAYS, when the same user has a newer one, or when no job row names them — on the local
storage and in an S3 bucket; the overview then no longer offers them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from mamori.core import jobs, schedules
from mamori.core.models import Job, JobStatus
from mamori.core.tests.test_shared_storage import s3, s3_endpoint  # noqa: F401 - fixtures
from mamori.orgs import bulk
from mamori.orgs.services import create_organization


@pytest.fixture(params=["local", "s3"])
def storage(request: Any, settings: Any, tmp_path: Path) -> str:
    if request.param == "s3":
        request.getfixturevalue("s3")
    else:
        settings.MEDIA_ROOT = tmp_path / "files"
    return request.param


def _bundle(client: Any) -> Job:
    """Ask for the reports through the overview and run the job as a worker would."""
    before = set(Job.objects.filter(kind=bulk.REPORT_BUNDLE_JOB).values_list("pk", flat=True))
    owned = client.get("/overview/").context["owned"]
    assert client.post("/overview/reports/", {"organization": [o.pk for o in owned]}).status_code
    job = Job.objects.filter(kind=bulk.REPORT_BUNDLE_JOB).exclude(pk__in=before).get()
    jobs.load_handlers()
    assert jobs.run_one("test-worker")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and default_storage.exists(bulk.bundle_name(job))
    return job


def _offered(client: Any) -> str:
    page = client.get("/overview/").content.decode()
    return page


@pytest.mark.django_db
def test_old_superseded_and_orphaned_zips_are_deleted_by_the_daily_job(
    storage: str, make_user: Any, client_as: Any
) -> None:
    advisor = make_user("advisor@example.jp")
    colleague = make_user("colleague@example.jp")
    create_organization("顧客A株式会社", advisor)
    create_organization("顧客B株式会社", colleague)
    mine, theirs = client_as(advisor), client_as(colleague)
    first = _bundle(mine)
    other = _bundle(theirs)
    newer = _bundle(mine)
    orphan = f"{bulk.BUNDLE_FOLDER}/999999.zip"  # its job row is gone: nobody can download it
    default_storage.save(orphan, ContentFile(b"PK\x05\x06" + b"\x00" * 18))

    schedules.ensure_all()
    prune = Job.objects.get(unique_key=bulk.PRUNE_BUNDLES_JOB)
    assert prune.kind == bulk.PRUNE_BUNDLES_JOB and prune.repeat_seconds == 24 * 60 * 60
    # Only this schedule, here (the others have their own tests).
    Job.objects.filter(repeat_seconds__isnull=False).exclude(pk=prune.pk).delete()
    Job.objects.filter(pk=prune.pk).update(run_at=timezone.now() - timedelta(seconds=1))
    assert jobs.run_one("test-worker")
    prune.refresh_from_db()
    assert prune.status == JobStatus.QUEUED and prune.run_at > timezone.now()  # again tomorrow

    assert not default_storage.exists(bulk.bundle_name(first))  # the same user has a newer one
    assert not default_storage.exists(orphan)
    assert default_storage.exists(bulk.bundle_name(newer))
    assert default_storage.exists(bulk.bundle_name(other))  # another user's newest stays
    assert f'action="/overview/reports/{newer.pk}/"' in _offered(mine)
    assert mine.post(f"/overview/reports/{first.pk}/").status_code == 404

    # A week later every zip goes; the overview says so instead of offering a download.
    later = timezone.now() + timedelta(days=bulk.BUNDLE_KEEP_DAYS, hours=1)
    assert bulk.prune_report_bundles(now=later) == 2
    assert not default_storage.exists(bulk.bundle_name(newer))
    assert not default_storage.exists(bulk.bundle_name(other))
    page = _offered(mine)
    assert f'action="/overview/reports/{newer.pk}/"' not in page
    assert "作成したレポートは 7 日後に削除されます。" in page
    assert mine.post(f"/overview/reports/{newer.pk}/").status_code == 404
    # Nothing left to do: a second run deletes nothing and does not fail.
    assert bulk.prune_report_bundles(now=later) == 0


@pytest.mark.django_db
def test_a_zip_younger_than_a_week_and_newest_for_its_user_is_kept(
    storage: str, make_user: Any, client_as: Any
) -> None:
    advisor = make_user("advisor@example.jp")
    create_organization("顧客A株式会社", advisor)
    job = _bundle(client_as(advisor))
    soon = timezone.now() + timedelta(days=bulk.BUNDLE_KEEP_DAYS - 1)
    assert bulk.prune_report_bundles(now=soon) == 0
    assert default_storage.exists(bulk.bundle_name(job))
    # An empty folder: nothing to do, no error.
    default_storage.delete(bulk.bundle_name(job))
    assert bulk.prune_report_bundles() == 0
