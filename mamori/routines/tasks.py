"""The daily job of the recurring checks: gives organisations without them their default chores
and opens a dated action, with its owner, for every chore that comes due."""

from __future__ import annotations

from mamori.core.jobs import handler, schedule
from mamori.core.models import Job

DAILY = "routines.daily"


@handler(DAILY, queue="bulk")
def run_daily(job: Job) -> None:
    from mamori.orgs.models import Organization

    from .services import ensure_defaults, sync_due

    for org in Organization.objects.order_by("pk").iterator():
        ensure_defaults(org)
        sync_due(org)


def ensure_schedules() -> None:
    schedule(DAILY, unique_key=DAILY, every_seconds=24 * 60 * 60)
