"""Jobs of the 支援者 overview: ids in, a service called; and the daily deletion of old report
zips (issue 19 housekeeping)."""

from __future__ import annotations

import logging

from mamori.core.jobs import handler, schedule
from mamori.core.models import Job

from . import bulk

logger = logging.getLogger("mamori.jobs")


@handler(bulk.REPORT_BUNDLE_JOB, queue="bulk")
def report_bundle(job: Job) -> None:
    bulk.build_report_bundle(job)


@handler(bulk.PRUNE_BUNDLES_JOB, queue="bulk")
def prune_report_bundles(job: Job) -> None:
    deleted = bulk.prune_report_bundles()
    if deleted:
        logger.info("deleted %s report bundle(s)", deleted)


def ensure_schedules() -> None:
    """For mamori.core.schedules.SYSTEM_SCHEDULES: the daily deletion of old report zips."""
    schedule(bulk.PRUNE_BUNDLES_JOB, unique_key=bulk.PRUNE_BUNDLES_JOB, every_seconds=24 * 60 * 60)
