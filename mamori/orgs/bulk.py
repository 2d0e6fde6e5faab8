"""Bulk operations of the 支援者 overview, on the organisations the user OWNS: copy one client's
recurring checks to others, and the monthly owner report of every client as one zip (built by a
job: the work grows with the number of organisations, so it never runs inside a request)."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import record
from mamori.core import jobs
from mamori.core.models import Job, JobStatus
from mamori.routines.models import Chore, RoutineSetup

from .access import scoped
from .models import Organization
from .overview import owned_organizations

REPORT_BUNDLE_JOB = "orgs.report_bundle"
CHECKS_COPIED = "org.checks_copied"
BUNDLE_DOWNLOADED = "org.report_bundle_downloaded"
# Characters that cannot stand in a file name inside a zip on Windows or elsewhere.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def owned_by_id(user: Any, ids: list[str]) -> list[Organization]:
    """The organisations among `ids` (form values) that `user` owns, in the user's order; any
    other id — not owned, someone else's, not a number — is dropped."""
    owned = {org.pk: org for org in owned_organizations(user)}
    chosen: list[int] = []
    for value in ids:
        try:
            chosen.append(int(value))
        except (TypeError, ValueError):
            continue
    return [owned[pk] for pk in dict.fromkeys(chosen) if pk in owned]


def copy_checks(
    source: Organization, targets: list[Organization], *, request: HttpRequest | None = None
) -> int:
    """Copy the recurring-check set of `source` (kind, title, intervals, paused) to each target.

    A target's check of the same kind and title takes the source's intervals and paused state;
    others are created, first due one interval from today. Owners, people and dates are the
    client's own and are not copied. Returns how many checks were created or changed."""
    today = timezone.localdate()
    template = list(scoped(Chore, source).order_by("pk"))
    changed = 0
    with transaction.atomic():
        for target in targets:
            if target.pk == source.pk:
                continue
            # The defaults would otherwise be added on top of the copied set later.
            RoutineSetup.objects.get_or_create(organization=target)
            existing = {(c.kind, c.title): c for c in scoped(Chore, target)}
            count = 0
            for chore in template:
                mine = existing.get((chore.kind, chore.title))
                if mine is None:
                    copy = Chore(
                        organization=target,
                        kind=chore.kind,
                        title=chore.title,
                        interval_months=chore.interval_months,
                        interval_days=chore.interval_days,
                        paused=chore.paused,
                        source=chore.source,
                        notes=chore.notes,
                    )
                    copy.next_due = copy.interval_after(today)
                    copy.save()
                    existing[(chore.kind, chore.title)] = copy
                    count += 1
                elif (mine.interval_months, mine.interval_days, mine.paused) != (
                    chore.interval_months,
                    chore.interval_days,
                    chore.paused,
                ):
                    mine.interval_months = chore.interval_months
                    mine.interval_days = chore.interval_days
                    mine.paused = chore.paused
                    mine.save(update_fields=["interval_months", "interval_days", "paused"])
                    count += 1
            record(
                CHECKS_COPIED,
                request=request,
                organization=target,
                object_repr=str(target),
                changes={"from": source.name, "checks": count},
            )
            changed += count
    return changed


def bundle_name(job: Job) -> str:
    """Where the zip of job `job` is kept in the file storage (shared by every node: the worker
    that builds it and the web process that serves it may be on different machines)."""
    return f"report-bundles/{job.pk}.zip"


def request_report_bundle(user: Any, targets: list[Organization], language: str) -> Job:
    """Queue the zip of the monthly report of each target (one job per user at a time)."""
    return jobs.enqueue(
        REPORT_BUNDLE_JOB,
        {
            "user_id": user.pk,
            "organization_ids": [org.pk for org in targets],
            "language": "en" if language.startswith("en") else "ja",
        },
        unique_key=f"{REPORT_BUNDLE_JOB}:{user.pk}",
        max_attempts=2,
    )


def pdf_name(org: Organization, month: str) -> str:
    name = _UNSAFE_NAME.sub("_", org.name).strip(" .") or org.slug
    return f"{name}-{month}.pdf"


def build_report_bundle(job: Job) -> str:
    """Render last month's owner report of each organisation the user still owns into one zip
    in the file storage (ownership is checked again: it may have changed since the click)."""
    from django.contrib.auth import get_user_model

    from mamori.assessments.report import build_report, render_report_pdf

    user = get_user_model().objects.get(pk=job.payload["user_id"])
    wanted = {int(pk) for pk in job.payload.get("organization_ids", [])}
    orgs = [org for org in owned_organizations(user) if org.pk in wanted]
    month_end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    month = month_end.strftime("%Y-%m")
    language = job.payload.get("language", "ja")
    used: set[str] = set()
    # Spooled: small bundles stay in memory, a hundred clients' reports go to a temporary file.
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for org in orgs:
                jobs.ensure_lease(job)  # a job that lost its lease stops writing
                name = pdf_name(org, month)
                if name in used:  # two clients with the same name: keep both files
                    name = f"{name[:-4]}-{org.slug}.pdf"
                used.add(name)
                report = build_report(org, language, today=month_end)
                bundle.writestr(name, render_report_pdf(report))
        spool.seek(0)
        target = bundle_name(job)
        if default_storage.exists(target):  # a retry of the same job replaces its own file
            default_storage.delete(target)
        # The storage writes under a temporary name and links it into place: the download
        # appears only for a complete file.
        saved = default_storage.save(target, File(spool, name=target))
    if saved != target:
        raise RuntimeError(f"report bundle stored as {saved!r}, expected {target!r}")
    return saved


def latest_bundle(user: Any) -> Job | None:
    """The user's most recent report-bundle job, whatever its state."""
    return (
        Job.objects.filter(kind=REPORT_BUNDLE_JOB, payload__user_id=user.pk).order_by("-pk").first()
    )


def ready_bundle(user: Any, job_id: int) -> Job | None:
    """The user's own finished bundle job `job_id` whose file exists, else None."""
    job = Job.objects.filter(
        pk=job_id, kind=REPORT_BUNDLE_JOB, payload__user_id=user.pk, status=JobStatus.DONE
    ).first()
    if job is None or not default_storage.exists(bundle_name(job)):
        return None
    return job
