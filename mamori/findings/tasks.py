"""Rule runs in the background.

- After a change (a register saved, an import confirmed), `queue_rules` adds one debounced job
  per organisation that re-runs only the rules the change concerns, over only the changed
  records where a rule allows it; several saves within the delay share one run.
- Nightly, every rule is re-run over every organisation: rules whose result changes with the
  date alone (a leaving date reached, an audit now overdue, an acceptance expired) are
  re-evaluated, and the run is the safety net of the incremental runs (what it had to change is
  logged).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from mamori.core.jobs import enqueue, handler, schedule
from mamori.core.models import Job, JobStatus

logger = logging.getLogger("mamori.findings")

NIGHTLY = "findings.run_all_rules"
RERUN = "findings.rerun_rules"
# Saves within this delay share one rule run.
DEBOUNCE_SECONDS = 0.5
# Beyond this many changed records of one model, the rules run over the whole organisation.
MAX_SUBJECTS = 500


def merge_changes(
    old: dict[str, list[str] | None], new: dict[str, list[str] | None]
) -> dict[str, list[str] | None]:
    """Two sets of changes as one: ids united per model, None (everything) wins."""
    merged: dict[str, list[str] | None] = dict(old)
    for label, ids in new.items():
        if label in merged and merged[label] is None:
            continue
        if ids is None:
            merged[label] = None
            continue
        united = sorted({*(merged.get(label) or []), *ids})
        merged[label] = None if len(united) > MAX_SUBJECTS else united
    return merged


def queue_rules(org_id: int, changes: dict[str, list[str] | None]) -> Job:
    """Ask for a rule run over these changes: folded into the organisation's queued run if one
    is waiting, otherwise a new job due after DEBOUNCE_SECONDS."""
    changes = merge_changes({}, changes)
    key = f"{RERUN}:{org_id}"
    run_at = timezone.now() + timedelta(seconds=DEBOUNCE_SECONDS)
    with transaction.atomic():
        job = enqueue(
            RERUN, {"changes": changes}, run_at=run_at, organization_id=org_id, unique_key=key
        )
        if job.status == JobStatus.QUEUED:
            rows = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED)
            if connection.features.has_select_for_update:
                rows = rows.select_for_update()
            current = rows.values_list("payload", flat=True).first()
            if current is not None:
                merged = merge_changes(current.get("changes") or {}, changes)
                if merged == current.get("changes"):
                    return job
                if rows.update(payload={"changes": merged}) == 1:
                    job.payload = {"changes": merged}
                    return job
    # The organisation's run has started (it may have read the data before this change): a
    # second run follows it.
    return enqueue(RERUN, {"changes": changes}, run_at=run_at, organization_id=org_id)


@handler(RERUN, queue="urgent")  # the user who saved waits for it
def rerun_rules(job: Job) -> None:
    from mamori.orgs.models import Organization

    from .services import run_rules_for_changes

    org = Organization.objects.filter(pk=job.organization_id).first()
    if org is None:
        return
    changes: dict[str, Any] = (job.payload or {}).get("changes") or {}
    run_rules_for_changes(org, changes)


@handler(NIGHTLY, queue="bulk")
def run_all_rules(job: Job) -> None:
    from mamori.orgs.models import Organization

    from .services import run_rules

    for org in Organization.objects.order_by("pk").iterator():
        results = run_rules(org)
        corrected = {kind: r for kind, r in results.items() if r.changed}
        if corrected:
            # Date-driven rules change overnight by design; anything else here means an
            # incremental run missed a change (a bug worth reporting).
            logger.info(
                "nightly rule run changed organisation %s: %s",
                org.pk,
                "; ".join(
                    f"{kind} opened {r.opened} reopened {r.reopened} resolved {r.resolved}"
                    for kind, r in sorted(corrected.items())
                ),
            )


def ensure_schedules() -> None:
    schedule(NIGHTLY, unique_key=NIGHTLY, every_seconds=24 * 60 * 60)
