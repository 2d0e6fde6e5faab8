"""Jobs of the 支援者 overview: ids in, a service called."""

from __future__ import annotations

from mamori.core.jobs import handler
from mamori.core.models import Job

from . import bulk


@handler(bulk.REPORT_BUNDLE_JOB)
def report_bundle(job: Job) -> None:
    bulk.build_report_bundle(job)
