"""Background work of the mail check: the raw-mail purge and the report-mailbox poll."""

from __future__ import annotations

from mamori.core.jobs import handler
from mamori.core.models import Job

from . import mailbox, services


@handler(services.PURGE_JOB, queue="bulk")
def purge(job: Job) -> None:
    services.purge_raw()


@handler(services.POLL_JOB)
def poll_mailbox(job: Job) -> None:
    org_id = job.payload.get("organization_id") or job.organization_id
    if org_id:
        mailbox.poll_organisation(int(org_id))


def ensure_schedules() -> None:
    """For mamori.core.schedules.SYSTEM_SCHEDULES: the raw-mail purge (also made sure of when a
    mail is checked, so retention holds even before this is listed there)."""
    services.ensure_purge_scheduled()
