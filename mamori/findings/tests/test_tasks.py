from __future__ import annotations

from typing import Any

import pytest

from mamori.core import jobs
from mamori.core.models import Job
from mamori.core.schedules import ensure_all
from mamori.findings.models import Finding
from mamori.inventory.models import Account, Person


@pytest.mark.django_db
def test_nightly_job_is_scheduled_once_and_rechecks_every_organisation(org: Any) -> None:
    ensure_all()
    ensure_all()
    job = Job.objects.get(unique_key="findings.run_all_rules")
    assert job.repeat_seconds == 24 * 60 * 60
    # A person's leaving date is reached with nobody editing anything: the nightly run notices.
    person = Person.objects.create(organization=org, name="Leaving today", left_on="2020-01-01")
    Account.objects.create(organization=org, person=person, username="x")
    assert not Finding.objects.filter(kind="inventory.leaver_access").exists()
    Job.objects.filter(pk=job.pk).update(run_at="2000-01-01T00:00:00Z")
    jobs.load_handlers()
    # The nightly run is bulk work; the schedules also put default-queue jobs ahead of it.
    assert job.queue == "bulk"
    assert jobs.run_one("test-worker", queues=["bulk"])
    job.refresh_from_db()
    assert job.run_at.year > 2000  # it ran and was queued again for the next night
    assert Finding.objects.filter(kind="inventory.leaver_access", status="open").exists()
