"""Background work of the drills: sending an approved drill's mails (ids in, a service called)."""

from __future__ import annotations

from mamori.core.jobs import handler
from mamori.core.models import Job

from . import services


@handler(services.SEND_JOB)
def send_drill(job: Job) -> None:
    drill_id = job.payload.get("drill_id")
    if drill_id:
        services.send_drill(int(drill_id))
