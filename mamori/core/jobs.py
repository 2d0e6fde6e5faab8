"""Background jobs: the database is the queue.

A job is a row (mamori.core.models.Job). A worker claims a due row atomically, holds it under
a lease (leased_by, leased_until), runs the handler registered for its kind, and records the
outcome. While a handler runs, a background thread of the worker renews the lease (first after
a third of it, so a short job costs no extra statement); a job whose lease was lost anyway (the
worker stalled, the database was away too long) is stopped: its next database statement raises
LeaseLost, so it never writes beside the worker that reclaimed it. A worker that dies stops
renewing its lease; once the lease has expired another worker reclaims the job and runs it
again. Delivery is therefore at least once: handlers should be idempotent (ids in, a service
called), and side effects that must not repeat are recorded under a key (see
mamori.core.outage.retry_on_outage for recording them through a database blip).

The outcome of a finished job is recorded with retries while the database is unreachable, for as
long as the lease lasts, so a short outage neither loses the outcome nor runs the job twice.

Claiming is atomic on both databases. The common case (a due queued job, no expired lease) is
one statement, UPDATE … WHERE id = (SELECT … [FOR UPDATE SKIP LOCKED] LIMIT 1) RETURNING
(mamori.core.jobclaim); success is recorded with one conditional UPDATE, which a worker loop
runs together with the claim of its next job (one statement on PostgreSQL, one transaction on
SQLite: one commit per job). Otherwise:
- PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so concurrent workers pick different rows;
- SQLite: the settings open every transaction with BEGIN IMMEDIATE (one writer at a time),
  and the claim is a conditional UPDATE … WHERE id = ? AND status = ? AND attempts = ?, which
  changes nothing if someone else claimed the row first.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import F, QuerySet
from django.utils import timezone

from mamori.core import jobclaim, jobwake, outage
from mamori.core.handlers import (  # re-exported: handlers and their queues live there
    HANDLER_QUEUES,
    HANDLERS,
    TASK_MODULES,
    handler,
    load_handlers,
    queue_list,
    queue_of,
)
from mamori.core.leases import (  # re-exported: the lease machinery lives in core/leases.py
    KEEPER,
    Lease,
    LeaseKeeper,
    LeaseLost,
    ensure_lease,
    guarded,
    heartbeat,
    lease_lost,
    lease_seconds_or_default,
    owned,
)
from mamori.core.logcontext import job_context
from mamori.core.models import (
    ACTIVE_STATUSES,
    LAST_ERROR_MAX_CHARS,
    Job,
    JobQueue,
    JobStatus,
)

logger = logging.getLogger("mamori.jobs")

__all__ = [
    "HANDLERS",
    "HANDLER_QUEUES",
    "KEEPER",
    "TASK_MODULES",
    "Lease",
    "LeaseKeeper",
    "LeaseLost",
    "ensure_lease",
    "handler",
    "heartbeat",
    "lease_lost",
    "load_handlers",
]

# Retry backoff: base * 2**(attempt-1), capped, then "equal jitter" (between half and all of it).
RETRY_BASE_SECONDS = 30.0
RETRY_MAX_SECONDS = 6 * 60 * 60.0
# How many candidate rows one claim looks at before giving up (lost races, exhausted leases).
CLAIM_SCAN_LIMIT = 20
CONNECTION_CHECK_SECONDS = 1.0
TRACEBACK_FRAMES = 6


def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    organization_id: int | None = None,
    unique_key: str | None = None,
    max_attempts: int = 5,
    repeat_seconds: int | None = None,
    queue: str | None = None,
) -> Job:
    """Add a job, in the queue its kind's handler declared unless queue is given. With a
    unique_key, returns the queued or running job holding it, if any.

    Called inside a transaction, the job becomes visible to workers only when it commits, so a
    service can enqueue its follow-up work atomically with its own changes. Once it is
    committed, an idle worker of this process serving its queue wakes for it (mamori.core.jobwake).
    """
    if repeat_seconds is not None and repeat_seconds < 1:
        raise ValueError("repeat_seconds must be at least 1")
    fields: dict[str, Any] = {
        "kind": kind,
        "payload": payload or {},
        "run_at": run_at or timezone.now(),
        "organization_id": organization_id,
        "unique_key": unique_key,
        "max_attempts": max(1, max_attempts),
        "repeat_seconds": repeat_seconds,
        "queue": queue_list([queue])[0] if queue else queue_of(kind),
    }
    if unique_key is None:
        return _created(fields)
    for _ in range(3):
        existing = _active_with_key(unique_key)
        if existing is not None:
            return existing
        try:
            # A savepoint, so a lost race does not break an enclosing transaction.
            with transaction.atomic():
                job = Job.objects.create(**fields)
        except IntegrityError:
            continue  # another process inserted the same key between our read and our write
        _wake_after_commit(job)
        return job
    existing = _active_with_key(unique_key)
    if existing is None:
        raise RuntimeError(f"could not enqueue job with unique_key {unique_key!r}")
    return existing


def _created(fields: dict[str, Any]) -> Job:
    job = Job.objects.create(**fields)
    _wake_after_commit(job)
    return job


def _wake_after_commit(job: Job) -> None:
    queue, run_at = job.queue, job.run_at
    transaction.on_commit(lambda: jobwake.notify(queue, run_at))


def schedule(
    kind: str,
    *,
    unique_key: str,
    every_seconds: int,
    payload: dict[str, Any] | None = None,
    organization_id: int | None = None,
    first_run_at: datetime | None = None,
    max_attempts: int = 5,
) -> Job:
    """Make sure one recurring job holds unique_key and runs kind every every_seconds.

    Creates it, or brings the existing one up to date (interval, payload, organisation, the
    queue its handler declares); safe to call on every start-up or whenever the thing it checks
    is saved.
    """
    job = enqueue(
        kind,
        payload,
        run_at=first_run_at,
        organization_id=organization_id,
        unique_key=unique_key,
        max_attempts=max_attempts,
        repeat_seconds=every_seconds,
    )
    wanted: dict[str, Any] = {
        "kind": kind,
        "payload": payload or {},
        "organization_id": organization_id,
        "repeat_seconds": every_seconds,
        "max_attempts": max(1, max_attempts),
        "queue": queue_of(kind),
    }
    changes = {field: value for field, value in wanted.items() if getattr(job, field) != value}
    # A shorter interval takes effect now, not after the rest of the old, longer wait.
    soonest = timezone.now() + timedelta(seconds=every_seconds)
    if job.status == JobStatus.QUEUED and job.run_at > soonest:
        changes["run_at"] = soonest
    if changes:
        Job.objects.filter(pk=job.pk, status__in=ACTIVE_STATUSES).update(**changes)
        for field, value in changes.items():
            setattr(job, field, value)
    return job


def cancel(unique_key: str) -> int:
    """Stop the job holding unique_key: a queued one is deleted, a running one finishes but is not
    queued again. Returns how many jobs were affected."""
    with transaction.atomic():
        deleted, _ = Job.objects.filter(unique_key=unique_key, status=JobStatus.QUEUED).delete()
        stopped = Job.objects.filter(unique_key=unique_key, status=JobStatus.RUNNING).update(
            repeat_seconds=None
        )
    return deleted + stopped


def _active_with_key(unique_key: str) -> Job | None:
    return Job.objects.filter(unique_key=unique_key, status__in=ACTIVE_STATUSES).first()


def _expired(now: datetime, queues: Sequence[str]) -> QuerySet[Job]:
    return Job.objects.filter(
        status=JobStatus.RUNNING, queue__in=queues, leased_until__lt=now
    ).order_by("leased_until", "id")


def _due(now: datetime, queues: Sequence[str]) -> QuerySet[Job]:
    return Job.objects.filter(status=JobStatus.QUEUED, queue__in=queues, run_at__lte=now)


def _next_candidate(now: datetime, skip_locked: bool, queues: Sequence[str]) -> Job | None:
    """A running job of these queues whose lease expired (rare), else the due queued job that
    waited longest in the first of these queues that has one.

    Simple queries rather than one with OR, so each walks its own index in order.
    """
    searches = [_expired(now, queues)]
    searches += [_due(now, [queue]).order_by("run_at", "id") for queue in queues]
    for candidates in searches:
        if skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        job = candidates.first()
        if job is not None:
            return job
    return None


class _ThreadFlag(threading.local):
    """A flag of the current thread (each worker thread serves its own queues)."""

    value = False

    def set(self) -> None:
        self.value = True

    def clear(self) -> None:
        self.value = False

    def is_set(self) -> bool:
        return self.value


# Set while this thread's claims find work: PostgreSQL claims then skip the read before the
# claiming UPDATE.
_BUSY = _ThreadFlag()


def claim(
    worker_name: str,
    *,
    lease_seconds: float | None = None,
    now: datetime | None = None,
    queues: Iterable[str] | None = None,
) -> Job | None:
    """Take the next due job (or one whose lease expired) of these queues (all by default; the
    first queue in claim order that has one) for worker_name; None if none is due.

    The returned job is running, leased to worker_name, and its attempts count includes this run.
    """
    served = queue_list(queues)
    lease = lease_seconds_or_default(lease_seconds)
    skip_locked = connection.features.has_select_for_update_skip_locked
    moment = now or timezone.now()
    fast = jobclaim.supported()
    # A plain read first unless the last claim found work (PostgreSQL): an idle poll stays one
    # cheap read, index probes only (and never takes SQLite's write lock away from the web), a
    # busy queue is claimed in one statement.
    read_first = not (fast and connection.vendor == "postgresql" and _BUSY.is_set())
    if read_first and not jobclaim.anything_to_claim(moment, served):
        _BUSY.clear()
        return None
    if fast:
        # The common case in one statement (mamori.core.jobclaim); the loop below handles
        # expired leases and lost races as before.
        job = jobclaim.claim_due(worker_name, moment, moment + timedelta(seconds=lease), served)
        if job is not None:
            _BUSY.set()
            job.lease_seconds = lease  # type: ignore[attr-defined]  # for heartbeat()
            return job
        if not read_first and not jobclaim.anything_to_claim(moment, served):
            _BUSY.clear()
            return None
    for _ in range(CLAIM_SCAN_LIMIT):
        moment = now or timezone.now()
        with transaction.atomic():
            job = _next_candidate(moment, skip_locked, served)
            if job is None:
                return None
            if job.status == JobStatus.RUNNING and job.attempts >= job.max_attempts:
                # Its worker died on the last allowed attempt: record the failure, look again.
                _fail_expired_lease(job, moment)
                continue
            until = moment + timedelta(seconds=lease)
            changes: dict[str, Any] = {
                "status": JobStatus.RUNNING,
                "leased_by": worker_name,
                "leased_until": until,
                "attempts": job.attempts + 1,
            }
            if job.status == JobStatus.RUNNING:
                # Keep a trace of the attempt whose worker died.
                changes["last_error"] = job.last_error = _lease_expired_message(job)
            claimed = Job.objects.filter(
                pk=job.pk, status=job.status, attempts=job.attempts
            ).update(**changes)
            if claimed != 1:
                continue  # someone else took it between our read and our write
            if job.status == JobStatus.RUNNING:
                logger.warning(
                    "job %s: lease of %s expired, reclaimed by %s",
                    job.pk,
                    job.leased_by,
                    worker_name,
                )
            job.status = JobStatus.RUNNING
            job.leased_by = worker_name
            job.leased_until = until
            job.attempts += 1
            job.lease_seconds = lease  # type: ignore[attr-defined]  # for heartbeat()
            return job
    return None


def _lease_expired_message(job: Job) -> str:
    return (
        f"LeaseExpired: 担当ワーカー {job.leased_by} の応答が途絶えました / "
        f"worker {job.leased_by} stopped renewing its lease (attempt {job.attempts})"
    )


def _fail_expired_lease(job: Job, now: datetime) -> None:
    message = _lease_expired_message(job)
    updated = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts).update(
        status=JobStatus.FAILED,
        leased_by="",
        leased_until=None,
        last_error=message,
        finished_at=now,
    )
    if updated:
        job.status, job.last_error, job.finished_at = JobStatus.FAILED, message, now
        _continue_schedule(job, now)


def backoff_seconds(
    attempts: int,
    *,
    base: float = RETRY_BASE_SECONDS,
    cap: float = RETRY_MAX_SECONDS,
    rng: random.Random | None = None,
) -> float:
    """Delay before the next try after `attempts` failed tries: exponential, capped, jittered."""
    exponent = min(max(attempts, 1) - 1, 62)
    delay = min(base * (2.0**exponent), cap)
    return delay / 2 + (rng or random).uniform(0.0, delay / 2)


def format_error(error: BaseException) -> str:
    """`Type: message`, then a short traceback summary; truncated to what the column keeps."""
    summary = f"{type(error).__name__}: {error}".replace("\n", " ")[:500]
    frames = traceback.extract_tb(error.__traceback__)[-TRACEBACK_FRAMES:]
    lines = [summary, "Traceback (most recent call last, abridged):"]
    lines.extend(f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames)
    return "\n".join(lines)[:LAST_ERROR_MAX_CHARS]


def _reload_repeat(job: Job) -> bool:
    """Re-read repeat_seconds under a row lock (schedule() or cancel() may have changed it while
    the job ran). False if this claim no longer holds the job. Call inside a transaction."""
    rows = owned(job)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    current = list(rows.values_list("repeat_seconds", flat=True)[:1])
    if not current:
        return False
    job.repeat_seconds = current[0]
    return True


def _complete(job: Job, now: datetime) -> bool:
    """Record success: done, or (recurring) queued again for now + repeat_seconds.

    One conditional UPDATE when the repeat is still what the claim read (the common case);
    otherwise (schedule() or cancel() changed it meanwhile, or the claim was lost) the repeat is
    re-read under a row lock first."""
    if jobclaim.complete(job, now):
        return True
    return _complete_slowly(job, now)


def _complete_slowly(job: Job, now: datetime) -> bool:
    """_complete once its one conditional UPDATE matched nothing: re-read the repeat under a
    row lock, then record."""
    with transaction.atomic():
        if not _reload_repeat(job):
            return False
        if job.repeat_seconds:
            updated = owned(job).update(
                status=JobStatus.QUEUED,
                run_at=now + timedelta(seconds=job.repeat_seconds),
                attempts=0,
                leased_by="",
                leased_until=None,
                last_error="",
                finished_at=now,
            )
        else:
            updated = owned(job).update(
                status=JobStatus.DONE, leased_by="", leased_until=None, finished_at=now
            )
    return updated == 1


def _record_failure(job: Job, error_text: str, now: datetime) -> bool:
    """Record a failed try: retry later with backoff, or fail for good after max_attempts."""
    if job.attempts < job.max_attempts:
        updated = owned(job).update(
            status=JobStatus.QUEUED,
            run_at=now + timedelta(seconds=backoff_seconds(job.attempts)),
            leased_by="",
            leased_until=None,
            last_error=error_text,
        )
        return updated == 1
    with transaction.atomic():
        if not _reload_repeat(job):
            return False
        updated = owned(job).update(
            status=JobStatus.FAILED,
            leased_by="",
            leased_until=None,
            last_error=error_text,
            finished_at=now,
        )
        if updated == 1:
            job.status, job.last_error, job.finished_at = JobStatus.FAILED, error_text, now
            _continue_schedule(job, now)
    return updated == 1


def _continue_schedule(failed: Job, now: datetime) -> None:
    """A recurring job that failed for good keeps its schedule.

    The failed row stays as the visible record (without the key or the repeat); a fresh row
    takes over the key and the schedule.
    """
    if not failed.repeat_seconds:
        return
    key, repeat = failed.unique_key, failed.repeat_seconds
    Job.objects.filter(pk=failed.pk).update(unique_key=None, repeat_seconds=None)
    failed.unique_key, failed.repeat_seconds = None, None
    enqueue(
        failed.kind,
        failed.payload,
        run_at=now + timedelta(seconds=repeat),
        organization_id=failed.organization_id,
        unique_key=key,
        max_attempts=failed.max_attempts,
        repeat_seconds=repeat,
        queue=failed.queue,
    )


@dataclass(frozen=True)
class NextClaim:
    """Who claims the next job when a success is recorded (see execute)."""

    worker_name: str
    lease_seconds: float
    queues: Sequence[str]
    stop: threading.Event


def execute(job: Job, *, then: NextClaim | None = None) -> Job | None:
    """Run the handler of a claimed job and record the outcome (never raises for the handler).

    The lease is renewed in the background meanwhile. Recording the outcome is retried while
    the database is unreachable, until the lease would run out (then the job is retried by
    whoever reclaims it, as if this worker had died). Log lines written meanwhile carry the
    job's id, kind and organisation (mamori.core.logcontext).

    With `then` (a worker loop), a success is recorded together with the claim of the next due
    job for then.worker_name, unless then.stop is set; that job is returned, claimed and ready
    for execute.
    """
    with job_context(job.pk, job.organization_id, kind=job.kind):
        return _execute(job, then)


def _complete_and_claim(job: Job, then: NextClaim) -> tuple[bool, Job | None]:
    """Record success and claim the next job in one transaction (mamori.core.jobclaim).
    (False, None) when that failed: the caller records the success alone, with retries."""
    now = timezone.now()
    until = now + timedelta(seconds=then.lease_seconds)
    try:
        completed, following = jobclaim.complete_and_claim(
            job, now, then.worker_name, until, then.queues
        )
    except DatabaseError as error:
        if outage.is_outage(error):
            outage.report_unavailable(error, f"job {job.pk}")
        else:
            logger.warning("job %s: recording with the next claim failed: %s", job.pk, error)
        outage.drop_connection()
        return False, None
    if following is None:
        _BUSY.clear()  # the next claim reads first again
    else:
        _BUSY.set()
        following.lease_seconds = then.lease_seconds  # type: ignore[attr-defined]
    return completed, following


def _execute(job: Job, then: NextClaim | None) -> Job | None:
    lease = KEEPER.hold(job, lease_seconds_or_default(getattr(job, "lease_seconds", None)))
    job._lease = lease  # type: ignore[attr-defined]  # for lease_lost()
    following: Job | None = None
    try:
        try:
            with guarded(lease):
                function = HANDLERS.get(job.kind)
                function(job)
        except LeaseLost:
            logger.warning("job %s (%s): stopped, its lease was lost", job.pk, job.kind)
            return None
        except (Exception, SystemExit) as error:  # the worker must survive any handler failure
            if lease.lost.is_set():
                logger.warning("job %s (%s): stopped, its lease was lost", job.pk, job.kind)
                return None
            if isinstance(error, DatabaseError) and outage.is_outage(error):
                outage.report_unavailable(error, f"job {job.pk}")
                outage.drop_connection()
            logger.warning(
                "job %s (%s) attempt %s failed: %s", job.pk, job.kind, job.attempts, error
            )
            error_text = format_error(error)

            def record() -> bool:
                return _record_failure(job, error_text, timezone.now())

        else:
            if then is not None and not then.stop.is_set():
                completed, following = _complete_and_claim(job, then)
                if completed:
                    return following

            def record() -> bool:
                # The chained statement ran its conditional UPDATE already when it claimed.
                if following is not None:
                    return _complete_slowly(job, timezone.now())
                return _complete(job, timezone.now())

        try:
            recorded = outage.retry_on_outage(
                record, deadline=lease.valid_until, what=f"outcome of job {job.pk}"
            )
        except DatabaseError as error:
            logger.warning(
                "job %s: outcome not recorded before its lease ran out (%s); it will run again",
                job.pk,
                type(error).__name__,
            )
            return following
        if not recorded:
            logger.warning("job %s: lease lost before the outcome was recorded", job.pk)
        return following
    finally:
        KEEPER.drop(lease)


def run_one(
    worker_name: str, *, lease_seconds: float | None = None, queues: Iterable[str] | None = None
) -> bool:
    """Claim and run one job of these queues (all by default). False when nothing was due."""
    job = claim(worker_name, lease_seconds=lease_seconds, queues=queues)
    if job is None:
        return False
    execute(job)
    return True


def poll_seconds_for(queues: Sequence[str]) -> float:
    """The idle poll of a worker serving these queues: short when it serves the urgent queue
    (a job enqueued by another process must not wait long), JOB_POLL_SECONDS otherwise."""
    poll = float(settings.JOB_POLL_SECONDS)
    if JobQueue.URGENT in queues:
        poll = min(poll, float(settings.JOB_URGENT_POLL_SECONDS))
    return max(poll, 0.05)


def run_worker(
    stop: threading.Event,
    *,
    name: str,
    queues: Iterable[str] | None = None,
    poll_seconds: float | None = None,
    lease_seconds: float | None = None,
    once: bool = False,
) -> None:
    """Run jobs of these queues (all by default, urgent first) until `stop` is set (or, with
    once, until nothing is due). Never raises.

    When idle it sleeps for the poll interval, or until a job of its queues enqueued in this
    process comes due (mamori.core.jobwake)."""
    served = queue_list(queues)
    poll = poll_seconds_for(served) if poll_seconds is None else float(poll_seconds)
    then = NextClaim(name, lease_seconds_or_default(lease_seconds), served, stop)
    jobwake.WAKER.serve(served)
    logger.info("worker %s started (queues: %s)", name, ", ".join(served))
    following: Job | None = None  # claimed when the last job's success was recorded
    checked = 0.0
    try:
        # A job claimed with the last success runs even if stop was set meanwhile (like a claim
        # just made at the top of the loop); none is claimed once stop is set.
        while following is not None or not stop.is_set():
            started = time.monotonic()
            # Django's connection upkeep (CONN_MAX_AGE, unusable connections), as between two
            # requests; while jobs follow each other after successes, at most once a second:
            # with SQLite's CONN_MAX_AGE of 0 it reopened the database before every job.
            if following is None or started - checked >= CONNECTION_CHECK_SECONDS:
                close_old_connections()
                checked = started
            try:
                job = following or claim(name, lease_seconds=lease_seconds, queues=served)
                following = None
                if job is not None:
                    following = execute(job, then=then)
                worked = job is not None
            except DatabaseError as error:
                # Database gone: one line per outage (not per poll), drop the connection, retry.
                if outage.is_outage(error):
                    outage.report_unavailable(error, f"worker {name}")
                else:
                    logger.exception("worker %s: error while claiming a job", name)
                outage.drop_connection()
                worked = False
            except Exception:
                logger.exception("worker %s: error while claiming a job", name)
                outage.drop_connection()
                worked = False
            else:
                # Only work that began after the outage was reported shows it is over (with
                # several threads, one may finish a claim just after another saw the outage).
                outage.report_available(started)
            if not worked:
                if once:
                    break
                jobwake.WAKER.wait(served, poll, stop)
    finally:
        jobwake.WAKER.unserve(served)
        connection.close()
        logger.info("worker %s stopped", name)


def start_workers(
    stop: threading.Event,
    *,
    name: str,
    threads: int = 1,
    queues: Iterable[str] | None = None,
    urgent_threads: int = 0,
    poll_seconds: float | None = None,
    lease_seconds: float | None = None,
    once: bool = False,
) -> list[threading.Thread]:
    """Start worker threads (used by `mamori worker` and the worker embedded in `mamori serve`).

    Each thread serves `queues` (all by default) in claim order, except the first
    `urgent_threads`, which serve the urgent queue alone: a long bulk job on the other threads
    can then never hold up urgent work. Set `stop` and join the threads to shut down: each
    finishes its current job first. The threads are daemons, so a process that exits without
    joining them leaves its jobs to be reclaimed when their leases expire. Their lease holder
    names are worker_names(name, threads).
    """
    served = queue_list(queues)
    started = []
    for index, worker_name in enumerate(worker_names(name, threads)):
        own = (JobQueue.URGENT,) if index < urgent_threads else served
        thread = threading.Thread(
            target=run_worker,
            args=(stop,),
            kwargs={
                "name": worker_name,
                "queues": own,
                "poll_seconds": poll_seconds,
                "lease_seconds": lease_seconds,
                "once": once,
            },
            name=f"mamori-worker-{worker_name}",
            daemon=True,
        )
        thread.start()
        started.append(thread)
    return started


# The worker embedded in `mamori serve`: one thread for urgent work only, one for every queue
# (urgent first). One office needs no more; a long bulk job (an NVD sync, a report bundle)
# occupies the second thread, never the first.
EMBEDDED_THREADS = 2


def start_embedded_workers(stop: threading.Event, *, name: str) -> list[threading.Thread]:
    """The worker threads of `mamori serve` (names: worker_names(name, EMBEDDED_THREADS))."""
    return start_workers(stop, name=name, threads=EMBEDDED_THREADS, urgent_threads=1)


def worker_names(name: str, threads: int) -> list[str]:
    """One worker name per thread: each holds its own leases."""
    if threads == 1:
        return [name]
    return [f"{name}/{index}" for index in range(1, threads + 1)]


def release_jobs(holders: list[str]) -> int:
    """Hand back the jobs these workers hold (clean shutdown): queued again, attempt not counted.

    Handlers of this process still running those jobs are stopped (see LeaseLost).
    """
    KEEPER.abandon(holders)
    return Job.objects.filter(status=JobStatus.RUNNING, leased_by__in=holders).update(
        status=JobStatus.QUEUED,
        run_at=timezone.now(),
        leased_by="",
        leased_until=None,
        attempts=F("attempts") - 1,
    )


def failed_jobs(organization_id: int | None) -> QuerySet[Job]:
    """Failed jobs of one organisation, newest first; None means the system's own jobs."""
    if organization_id is None:
        scope = Job.objects.filter(organization_id__isnull=True)
    else:
        scope = Job.objects.filter(organization_id=organization_id)
    return scope.filter(status=JobStatus.FAILED).order_by("-finished_at", "-id")


def retry_job(job_id: int) -> Job | None:
    """Queue a failed job again with fresh attempts; None if it is not a failed job.

    If another job now holds its unique_key, that active job is returned instead.
    """
    job = Job.objects.filter(pk=job_id, status=JobStatus.FAILED).first()
    if job is None:
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            updated = Job.objects.filter(pk=job_id, status=JobStatus.FAILED).update(
                status=JobStatus.QUEUED, run_at=now, attempts=0, finished_at=None
            )
    except IntegrityError:
        return _active_with_key(job.unique_key) if job.unique_key else None
    if updated != 1:
        return None
    job.refresh_from_db()
    _wake_after_commit(job)
    return job


def prune_history(older_than: timedelta) -> int:
    """Delete done jobs that finished before now - older_than (failed ones stay until retried)."""
    cutoff = timezone.now() - older_than
    deleted, _ = Job.objects.filter(status=JobStatus.DONE, finished_at__lt=cutoff).delete()
    return deleted
