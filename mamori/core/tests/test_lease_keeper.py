"""The lease keeper is woken only when a new lease needs renewing before its next wake-up (a short
job costs no thread hand-off, issue 20) — and then it is woken, so that lease is renewed in time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mamori.core import jobs
from mamori.core.leases import KEEPER
from mamori.core.models import Job
from mamori.core.tests.job_fixtures import wait_for


def _claimed(lease_seconds: float) -> Job:
    job = jobs.enqueue("test.record", {"path": "/dev/null"})
    Job.objects.filter(pk=job.pk).update(run_at=timezone.now() - timedelta(minutes=1))
    claimed = jobs.claim("keeper-test", lease_seconds=lease_seconds)
    assert claimed is not None and claimed.pk == job.pk
    return claimed


@pytest.mark.django_db(transaction=True)
def test_a_lease_due_before_the_keepers_wake_up_is_renewed_in_time() -> None:
    long_job = _claimed(300)
    long_lease = KEEPER.hold(long_job, 300)  # the keeper now sleeps until its renewal, 100 s on
    short_job = _claimed(1.5)
    first_until = Job.objects.get(pk=short_job.pk).leased_until
    assert first_until is not None
    short_lease = KEEPER.hold(short_job, 1.5)  # renewal due after 0.5 s: the keeper must wake
    try:
        wait_for(
            lambda: Job.objects.get(pk=short_job.pk).leased_until > first_until,
            limit_seconds=30,
        )
        assert not short_lease.lost.is_set()
        assert Job.objects.get(pk=long_job.pk).leased_until == long_job.leased_until
    finally:
        KEEPER.drop(short_lease)
        KEEPER.drop(long_lease)
