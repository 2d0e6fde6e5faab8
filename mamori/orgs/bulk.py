"""Bulk operations of the 支援者 overview, on the organisations the user OWNS: copy one client's
recurring checks to others, start the same questionnaires in several clients, and the monthly
owner report of every client as one zip (built by a job: the work grows with the number of
organisations, so it never runs inside a request; a daily job deletes old zips)."""

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

from mamori.assessments.models import Assessment, AssessmentStatus
from mamori.assessments.questionnaire import load_all
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
QUESTIONNAIRES_STARTED = "org.questionnaires_started"
PRUNE_BUNDLES_JOB = "orgs.prune_report_bundles"
BUNDLE_FOLDER = "report-bundles"
# A zip holds several clients' reports: kept long enough to download, then deleted.
BUNDLE_KEEP_DAYS = 7
_BUNDLE_FILE = re.compile(r"(\d+)\.zip")
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


def questionnaire_titles(language: str) -> list[tuple[str, str]]:
    """(id, title in `language`) of every shipped questionnaire, in the catalogue's order."""
    return [(q.id, q.title.get(language)) for q in load_all().values()]


def questionnaires_used(org: Organization) -> list[str]:
    """The questionnaires `org` has assessments of (drafts or completed), in catalogue order."""
    used = set(scoped(Assessment, org).values_list("questionnaire_id", flat=True).distinct())
    return [qid for qid in load_all() if qid in used]


def start_questionnaires(
    questionnaire_ids: list[str],
    targets: list[Organization],
    *,
    user: Any,
    request: HttpRequest | None = None,
    source: Organization | None = None,
) -> tuple[int, int]:
    """Start a new draft of each questionnaire in each target, skipping a questionnaire that
    already has an open draft there. Only the questionnaire is chosen: no answer of any other
    organisation is read or copied (each client answers for itself).

    One transaction and one audit event per target, so each client's trail shows what was
    started there. Returns (drafts started, skipped because one was open)."""
    catalogue = load_all()
    chosen = set(questionnaire_ids)
    wanted = [qid for qid in catalogue if qid in chosen]  # in the catalogue's order
    started = skipped = 0
    for target in targets:
        with transaction.atomic():
            # Serialises two submits for the same client (a double click) so the open-draft check
            # holds. NO KEY: rows that reference the organisation can still be inserted meanwhile
            # (a FOR UPDATE here blocked them behind the audit chain's lock: a deadlock).
            Organization.objects.select_for_update(no_key=True).filter(pk=target.pk).first()
            open_ids = set(
                scoped(Assessment, target)
                .filter(status=AssessmentStatus.DRAFT, questionnaire_id__in=wanted)
                .values_list("questionnaire_id", flat=True)
            )
            new = [qid for qid in wanted if qid not in open_ids]
            Assessment.objects.bulk_create(
                [
                    Assessment(
                        organization=target,
                        questionnaire_id=qid,
                        questionnaire_version=catalogue[qid].version,
                        created_by=user,
                    )
                    for qid in new
                ]
            )
            if new:
                record(
                    QUESTIONNAIRES_STARTED,
                    request=request,
                    organization=target,
                    object_repr=str(target),
                    changes={
                        "from": source.name if source else "",
                        "questionnaires": new,
                        "already_open": sorted(open_ids),
                    },
                )
            started += len(new)
            skipped += len(open_ids)
    return started, skipped


def bundle_name(job: Job) -> str:
    """Where the zip of job `job` is kept in the file storage (shared by every node: the worker
    that builds it and the web process that serves it may be on different machines)."""
    return f"{BUNDLE_FOLDER}/{job.pk}.zip"


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


def bundle_kept(job: Job) -> bool:
    """Whether the zip of finished job `job` is still in the storage (housekeeping deletes it
    after BUNDLE_KEEP_DAYS, a restore does not bring it back)."""
    return default_storage.exists(bundle_name(job))


def prune_report_bundles(now: dt.datetime | None = None) -> int:
    """Delete the zips older than BUNDLE_KEEP_DAYS, those of a user who has a newer one, and
    those no job row names any more (a file that cannot be downloaded). Returns how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=BUNDLE_KEEP_DAYS)
    try:
        _, files = default_storage.listdir(BUNDLE_FOLDER)
    except (OSError, ValueError):
        return 0  # no folder yet
    by_job: dict[int, str] = {}
    doomed: list[str] = []
    for file_name in files:
        name = f"{BUNDLE_FOLDER}/{file_name}"
        match = _BUNDLE_FILE.fullmatch(file_name)
        if match:
            by_job[int(match.group(1))] = name
        elif _modified(name, now) < cutoff:  # e.g. a partial file left by a killed worker
            doomed.append(name)
    owners = dict(
        Job.objects.filter(pk__in=list(by_job), kind=REPORT_BUNDLE_JOB).values_list(
            "pk", "payload__user_id"
        )
    )
    newest: dict[Any, int] = {}
    for pk, user_id in owners.items():
        newest[user_id] = max(pk, newest.get(user_id, pk))
    for pk, name in sorted(by_job.items()):
        if pk not in owners or newest[owners[pk]] != pk or _modified(name, now) < cutoff:
            doomed.append(name)
    for name in doomed:
        default_storage.delete(name)
    return len(doomed)


def _modified(name: str, now: dt.datetime) -> dt.datetime:
    try:
        return default_storage.get_modified_time(name)
    except (OSError, ValueError):
        return now  # vanished meanwhile or unreadable: not judged old
