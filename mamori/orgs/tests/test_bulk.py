"""Bulk operations of the 支援者 overview: copying recurring checks and the monthly reports of
every client in one zip — only on organisations the user owns."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from mamori.audit.models import AuditEvent
from mamori.core import jobs
from mamori.core.models import Job, JobStatus
from mamori.orgs import bulk
from mamori.orgs.models import Membership, Organization, Role
from mamori.orgs.services import create_organization
from mamori.routines.models import Chore, ChoreKind


@pytest.fixture
def setting(advisor: Any, make_user: Any) -> dict[str, Any]:
    owned = [create_organization(f"顧客{i}株式会社", advisor) for i in range(3)]
    boss = make_user("boss@example.jp")
    viewed = create_organization("閲覧だけの会社", boss)
    Membership.objects.create(organization=viewed, user=advisor, role=Role.VIEWER)
    outsider = make_user("stranger@example.com")
    other = create_organization("よその会社", outsider)
    return {"owned": owned, "viewed": viewed, "other": other, "outsider": outsider}


@pytest.fixture
def advisor(make_user: Any) -> Any:
    return make_user("advisor@example.jp", name="支援 一郎")


def _chores(org: Organization) -> set[tuple[str, str, int, int, bool]]:
    return set(
        Chore.objects.filter(organization=org).values_list(
            "kind", "title", "interval_months", "interval_days", "paused"
        )
    )


@pytest.mark.django_db
def test_copy_checks_to_owned_organisations_only(
    advisor: Any, setting: dict[str, Any], client_as: Any
) -> None:
    source, first, second = setting["owned"]
    kinds = list(ChoreKind.values)
    Chore.objects.create(
        organization=source,
        kind=kinds[0],
        title="バックアップの復元テスト",
        interval_months=3,
        next_due=date(2026, 1, 5),
        owner=advisor,
    )
    Chore.objects.create(
        organization=source, kind=kinds[1], interval_days=14, paused=True, next_due=date(2026, 2, 1)
    )
    # The same check already in `first`, with another interval: it takes the source's.
    Chore.objects.create(
        organization=first, kind=kinds[1], interval_days=30, next_due=date(2026, 3, 1)
    )
    viewed, other = setting["viewed"], setting["other"]

    response = client_as(advisor).post(
        "/overview/checks/",
        {"source": source.pk, "organization": [first.pk, second.pk, viewed.pk, other.pk, "x"]},
    )
    assert response.status_code == 302
    assert response["Location"] == "/overview/"
    for target in (first, second):
        assert _chores(target) == _chores(source)
        assert AuditEvent.objects.filter(organization_id=target.pk, action="org.checks_copied")
    copied = Chore.objects.get(organization=second, title="バックアップの復元テスト")
    assert copied.owner is None  # owners and dates are the client's own
    assert copied.next_due != date(2026, 1, 5)
    assert Chore.objects.filter(organization=first).count() == 2
    # Not an owner there, or not a member at all: untouched.
    assert not Chore.objects.filter(organization__in=[viewed, other]).exists()

    # Copying from an organisation the user does not own is refused.
    Chore.objects.create(organization=other, kind=kinds[2], next_due=date(2026, 1, 1))
    client_as(advisor).post("/overview/checks/", {"source": other.pk, "organization": [second.pk]})
    assert not Chore.objects.filter(organization=second, kind=kinds[2]).exists()


@pytest.mark.django_db
def test_report_bundle_holds_one_pdf_per_owned_org(
    advisor: Any, setting: dict[str, Any], client_as: Any, tmp_path: Path
) -> None:
    owned, viewed, other = setting["owned"], setting["viewed"], setting["other"]
    client = client_as(advisor)
    with override_settings(MEDIA_ROOT=tmp_path):
        page = client.get("/overview/").content.decode()
        assert 'action="/overview/reports/"' in page
        assert f'value="{viewed.pk}"' not in page.split('action="/overview/reports/"')[1]
        response = client.post(
            "/overview/reports/",
            {"organization": [o.pk for o in owned] + [viewed.pk, other.pk]},
        )
        assert response.status_code == 302
        job = Job.objects.get(kind=bulk.REPORT_BUNDLE_JOB)
        # Nothing rendered in the request: the job is waiting for a worker.
        assert job.status == JobStatus.QUEUED
        assert not default_storage.exists(bulk.bundle_name(job))
        waiting = client.get("/overview/").content.decode()
        assert "しばらくしてからこのページを再読み込み" in waiting
        assert f'action="/overview/reports/{job.pk}/"' not in waiting

        jobs.load_handlers()  # as a worker does at start (TASK_MODULES)
        assert jobs.run_one("test-worker")
        job.refresh_from_db()
        assert job.status == JobStatus.DONE
        assert (tmp_path / "report-bundles" / f"{job.pk}.zip").is_file()  # the shared storage

        # An outsider cannot fetch it, nor can the advisor without re-authenticating.
        assert (
            client_as(setting["outsider"]).post(f"/overview/reports/{job.pk}/").status_code == 404
        )
        response = client_as(advisor, sudo=False).post(f"/overview/reports/{job.pk}/")
        assert response.status_code == 302 and "/sudo" in response["Location"]
        assert not AuditEvent.objects.filter(action="org.report_bundle_downloaded").exists()

        page = client.get("/overview/").content.decode()
        assert f'action="/overview/reports/{job.pk}/"' in page
        response = client.post(f"/overview/reports/{job.pk}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        data = b"".join(response.streaming_content)

    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        names = sorted(bundle.namelist())
        assert len(names) == 3
        for org, name in zip(sorted(owned, key=lambda o: o.name), names, strict=True):
            assert name.startswith(org.name) and name.endswith(".pdf")
            assert bundle.read(name).startswith(b"%PDF")
    assert not any(viewed.name in n or other.name in n for n in names)
    audited = set(
        AuditEvent.objects.filter(action="org.report_bundle_downloaded").values_list(
            "organization_id", flat=True
        )
    )
    assert audited == {o.pk for o in owned}


@pytest.mark.django_db
def test_bulk_posts_need_an_owned_organisation(
    advisor: Any, setting: dict[str, Any], client_as: Any
) -> None:
    client = client_as(setting["outsider"], sudo=True)
    # The outsider owns "よその会社" only: no target apart from the source itself.
    client.post("/overview/checks/", {"source": setting["other"].pk, "organization": [1, 2, 3]})
    assert not AuditEvent.objects.filter(action="org.checks_copied").exists()
    client_as(advisor).post("/overview/reports/", {"organization": [setting["other"].pk]})
    assert not Job.objects.filter(kind=bulk.REPORT_BUNDLE_JOB).exists()
    assert client_as(advisor).get("/overview/checks/").status_code == 405
