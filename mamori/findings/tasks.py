"""Nightly re-check of every organisation: rules whose result changes with the date alone
(a leaving date reached, an audit now overdue, an acceptance expired) are re-evaluated."""

from __future__ import annotations

from mamori.core.jobs import handler, schedule
from mamori.core.models import Job

NIGHTLY = "findings.run_all_rules"


@handler(NIGHTLY)
def run_all_rules(job: Job) -> None:
    from mamori.orgs.models import Organization

    from .services import run_rules

    for org in Organization.objects.order_by("pk").iterator():
        run_rules(org)


def ensure_schedules() -> None:
    schedule(NIGHTLY, unique_key=NIGHTLY, every_seconds=24 * 60 * 60)
