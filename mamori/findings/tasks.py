"""Rule runs in the background.

- After a change (a register saved, an import confirmed), `queue_rules` adds one debounced job
  per organisation that re-runs only the rules the change concerns, over only the changed
  records where a rule allows it; several saves within the delay share one run.
- Nightly, every rule is re-run over every organisation: rules whose result changes with the
  date alone (a leaving date reached, an audit now overdue, an acceptance expired) are
  re-evaluated, and the run is the safety net of the incremental runs: what it had to change in
  a rule that does not depend on the date is a missed change (a bug), logged as a WARNING and
  counted in the metric mamori_rule_corrections_total.
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
DEBOUNCE_SECONDS = 0.3
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
    is waiting, otherwise a new job due after DEBOUNCE_SECONDS.

    One read in the common case (a run already queued and the change already in it), a read and
    an update otherwise: no unique-key lookup, since a run that has started (it may have read the
    data before this change) must not absorb it anyway.
    """
    changes = merge_changes({}, changes)
    with transaction.atomic():
        rows = Job.objects.filter(status=JobStatus.QUEUED, organization_id=org_id, kind=RERUN)
        if connection.features.has_select_for_update:
            # Locked until commit: a worker's claim skips it, a concurrent save waits to merge.
            rows = rows.select_for_update()
        job = rows.only("pk", "payload").order_by("pk").first()
        if job is not None:
            current = (job.payload or {}).get("changes") or {}
            merged = merge_changes(current, changes)
            if merged == current:
                return job
            if Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
                payload={"changes": merged}
            ):
                job.payload = {"changes": merged}
                return job
        # Two first saves at the same instant on PostgreSQL may each queue a run: both run, and
        # the second finds nothing left to change.
        run_at = timezone.now() + timedelta(seconds=DEBOUNCE_SECONDS)
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

    total = 0
    for org in Organization.objects.order_by("pk").iterator():
        total += full_run(org)
    if total:
        logger.warning("nightly rule run corrected %s findings in all", total)


def full_run(org: Any) -> int:
    """Run every rule over the organisation and report what it changed; returns the number of
    corrections (changes to rules whose result does not depend on the date, beyond expired risk
    acceptances): each is a change an incremental run missed, logged as a WARNING and stored as
    a RuleCorrection (the metric mamori_rule_corrections_total)."""
    from .models import RuleCorrection
    from .rules import RULES
    from .services import run_rules

    results = run_rules(org)
    corrected, dated = {}, {}
    for kind, result in results.items():
        if RULES.get(kind).dated:
            if result.changed:
                dated[kind] = result
        elif result.corrections:
            corrected[kind] = result
    if dated:
        # Date-driven rules change overnight by design.
        logger.info(
            "nightly rule run, date-driven changes in organisation %s: %s", org.pk, _describe(dated)
        )
    if corrected:
        logger.warning(
            "nightly rule run corrected what incremental runs missed in organisation %s: %s",
            org.pk,
            _describe(corrected),
        )
        RuleCorrection.objects.bulk_create(
            [
                RuleCorrection(
                    organization=org,
                    kind=kind,
                    opened=r.opened,
                    reopened=r.reopened - r.expired,
                    resolved=r.resolved,
                )
                for kind, r in sorted(corrected.items())
            ]
        )
    return sum(r.corrections for r in corrected.values())


def _describe(results: dict[str, Any]) -> str:
    return "; ".join(
        f"{kind} opened {r.opened} reopened {r.reopened} resolved {r.resolved}"
        for kind, r in sorted(results.items())
    )


def ensure_schedules() -> None:
    schedule(NIGHTLY, unique_key=NIGHTLY, every_seconds=24 * 60 * 60)
