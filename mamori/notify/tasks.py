"""Notification jobs: ids in, a service called."""

from __future__ import annotations

from mamori.core.jobs import handler
from mamori.core.models import Job

from . import services


@handler(services.DELIVER_JOB)
def deliver(job: Job) -> None:
    services.deliver(int(job.payload["notification_id"]), job=job)


@handler(services.DIGEST_JOB)
def digests(job: Job) -> None:
    services.send_due_digests()


def ensure_schedules() -> None:
    """For mamori.core.schedules.SYSTEM_SCHEDULES: the digest check runs every 15 minutes."""
    services.ensure_digest_schedule()
