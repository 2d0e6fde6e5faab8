"""Monitoring jobs: ids in, a service called."""

from __future__ import annotations

from mamori.core.jobs import handler
from mamori.core.models import Job

from . import services


@handler(services.CHECK_JOB)
def check_page(job: Job) -> None:
    services.run_check(
        int(job.payload["page_id"]),
        confirm=bool(job.payload.get("confirm")),
        learn_now=bool(job.payload.get("learn")),
    )
