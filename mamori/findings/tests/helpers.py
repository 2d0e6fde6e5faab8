"""Test helper: run the queued rule re-runs (findings.tasks.RERUN) as a worker would, now,
without waiting for their debounce delay."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mamori.core import jobs
from mamori.core.models import Job, JobStatus
from mamori.findings.tasks import RERUN


def run_rule_jobs() -> int:
    """Claim and run every queued rule re-run; returns how many ran."""
    jobs.load_handlers()
    ran = 0
    while True:
        waiting = Job.objects.filter(kind=RERUN, status=JobStatus.QUEUED)
        if not waiting.exists():
            return ran
        # Due now (they wait DEBOUNCE_SECONDS), and ahead of any other due job.
        waiting.update(run_at=timezone.now() - timedelta(days=3650))
        if not jobs.run_one("test-rules"):
            return ran
        ran += 1
