"""Housekeeping of the job queue itself: finished job rows are deleted after JOB_HISTORY_DAYS.

(Raw mail bytes are purged by mailcheck.purge; sign-in records by the accounts app.)
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings

from mamori.core.jobs import handler, prune_history, schedule
from mamori.core.models import Job

PRUNE_JOB = "core.prune_job_history"
PRUNE_KEY = "system:core.prune_job_history"
PRUNE_EVERY_SECONDS = 24 * 60 * 60

logger = logging.getLogger("mamori.jobs")


@handler(PRUNE_JOB, queue="bulk")
def prune_job_history(job: Job) -> None:
    deleted = prune_history(timedelta(days=max(int(settings.JOB_HISTORY_DAYS), 1)))
    if deleted:
        logger.info(
            "deleted %s finished job row(s) older than %s days", deleted, settings.JOB_HISTORY_DAYS
        )


def ensure_schedules() -> None:
    """For mamori.core.schedules.SYSTEM_SCHEDULES: the daily job-history prune."""
    schedule(PRUNE_JOB, unique_key=PRUNE_KEY, every_seconds=PRUNE_EVERY_SECONDS)
