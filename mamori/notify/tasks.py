"""Notification jobs: ids in, a service called."""

from __future__ import annotations

from mamori.core.jobs import handler
from mamori.core.models import Job

from . import services


@handler(services.DELIVER_JOB, queue="urgent")
def deliver(job: Job) -> None:
    services.deliver(int(job.payload["notification_id"]), job=job)


@handler(services.PERIODIC_JOB)
def periodic(job: Job) -> None:
    """Every few minutes: digests that are due, incidents opened, breach deadlines near."""
    from .events import check_incident_events

    services.send_due_digests()
    check_incident_events()


def ensure_schedules() -> None:
    """For mamori.core.schedules.SYSTEM_SCHEDULES: the periodic notifier job."""
    services.ensure_periodic_schedule()
