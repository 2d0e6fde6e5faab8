"""Leases of running jobs: a claim is held under (leased_by, leased_until) and renewed in the
background while its handler runs.

One daemon thread per process (LeaseKeeper) renews the leases of every job the process runs,
first after a third of the lease, so a short job costs no extra statement. A job whose lease was
lost (the worker stalled, the database was away too long, another worker reclaimed it) is
stopped: its next database statement raises LeaseLost, so it never writes beside the worker that
reclaimed it. Split from mamori.core.jobs, which re-exports the public names.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.utils import timezone

from mamori.core import outage
from mamori.core.models import Job, JobStatus

logger = logging.getLogger("mamori.jobs")


def lease_seconds_or_default(lease_seconds: float | None) -> float:
    value = settings.JOB_LEASE_SECONDS if lease_seconds is None else lease_seconds
    return max(float(value), 0.1)


class LeaseLost(Exception):  # noqa: N818  (a state, not a programming error)
    """The running job's lease was taken over or ran out: the handler must stop."""


class Lease:
    """A running job's claim as its worker sees it: renewed in the background until dropped."""

    def __init__(self, job: Job, seconds: float) -> None:
        self.job = job
        self.seconds = seconds
        self.lost = threading.Event()
        now = time.monotonic()
        # The local clock's view of when the claim ends; a margin covers the claim's round trip.
        self.valid_until = now + seconds * 0.9
        self.next_renewal = now + seconds / 3


class LeaseKeeper:
    """One daemon thread per process renewing the leases of every job its workers run.

    It sleeps until the earliest renewal is due, so jobs shorter than a third of their lease
    never cause a renewal statement. A renewal that finds the row taken over marks the lease
    lost; one that cannot reach the database retries soon and marks the lease lost only when
    the lease has run out by the local clock.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._leases: dict[int, Lease] = {}
        self._thread: threading.Thread | None = None
        # When the thread wakes by itself (monotonic; inf: only when notified). A lease renewed
        # later than that needs no wake-up, so a short job does not hand the GIL to this thread.
        self._wake_at = math.inf
        # The thread has renewed since it last closed its connection.
        self._connected = False

    def hold(self, job: Job, seconds: float) -> Lease:
        lease = Lease(job, seconds)
        with self._condition:
            self._leases[id(lease)] = lease
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="mamori-lease-keeper", daemon=True
                )
                self._thread.start()
            if lease.next_renewal < self._wake_at:
                self._condition.notify()
        return lease

    def drop(self, lease: Lease) -> None:
        with self._condition:
            self._leases.pop(id(lease), None)
            # Woken only to close a connection it holds; otherwise it finds the lease gone when
            # it wakes by itself.
            if not self._leases and self._connected:
                self._condition.notify()

    def abandon(self, holders: list[str]) -> None:
        """Mark the leases of these worker names lost (their claims were handed back)."""
        with self._condition:
            leases = [lease for lease in self._leases.values() if lease.job.leased_by in holders]
        for lease in leases:
            self._lose(lease, "its claim was handed back at shutdown")

    def _due(self) -> list[Lease]:
        """Wait until at least one held lease needs renewing; return those that do."""
        with self._condition:
            while True:
                if not self._leases:
                    if self._connected:
                        outage.drop_connection()  # hold no idle connection between jobs
                        self._connected = False
                    self._wake_at = math.inf
                    self._condition.wait()
                    continue
                now = time.monotonic()
                soonest = min(lease.next_renewal for lease in self._leases.values())
                if soonest > now:
                    self._wake_at = soonest
                    self._condition.wait(soonest - now)
                    continue
                self._wake_at = -math.inf  # renewing: hold() need not wake it
                self._connected = True
                return [lease for lease in self._leases.values() if lease.next_renewal <= now]

    def _run(self) -> None:
        while True:
            for lease in self._due():
                self._renew(lease)

    def _renew(self, lease: Lease) -> None:
        job = lease.job
        started = time.monotonic()
        try:
            held = heartbeat(job, lease_seconds=lease.seconds)
        except DatabaseError as error:
            if outage.is_outage(error):
                outage.report_unavailable(error, "lease renewal")
            else:
                logger.warning("job %s: lease renewal failed: %s", job.pk, error)
            outage.drop_connection()
            now = time.monotonic()
            if now >= lease.valid_until:
                self._lose(lease, "its lease ran out while the database was unreachable")
            else:
                lease.next_renewal = now + min(1.0, lease.seconds / 10)
            return
        outage.report_available()
        if not held:
            self._lose(lease, "another worker took it over")
            return
        lease.valid_until = started + lease.seconds * 0.9
        lease.next_renewal = time.monotonic() + lease.seconds / 3

    def _lose(self, lease: Lease, why: str) -> None:
        if not lease.lost.is_set():
            logger.warning("job %s: lease lost (%s); stopping the job", lease.job.pk, why)
        lease.lost.set()
        self.drop(lease)


KEEPER = LeaseKeeper()


def lease_lost(job: Job) -> bool:
    """True when the running job's lease is lost (check before a side effect outside the
    database, such as sending a mail)."""
    lease: Lease | None = getattr(job, "_lease", None)
    return lease is not None and (lease.lost.is_set() or time.monotonic() >= lease.valid_until)


def ensure_lease(job: Job) -> None:
    """Raise LeaseLost if the job no longer holds its lease."""
    if lease_lost(job):
        raise LeaseLost(f"job {job.pk} lost its lease")


@contextmanager
def guarded(lease: Lease) -> Iterator[None]:
    """While the handler runs, every statement on its connection first checks the lease."""

    def guard(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if lease.lost.is_set():
            raise LeaseLost(f"job {lease.job.pk} lost its lease; statement not run")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(guard):
        yield


def owned(job: Job) -> QuerySet[Job]:
    """The job's row, only while this claim still holds it (not reclaimed by another worker)."""
    return Job.objects.filter(
        pk=job.pk, status=JobStatus.RUNNING, leased_by=job.leased_by, attempts=job.attempts
    )


def heartbeat(job: Job, *, lease_seconds: float | None = None) -> bool:
    """Extend a running job's lease. False means the lease was lost: the handler should stop."""
    lease = lease_seconds if lease_seconds is not None else getattr(job, "lease_seconds", None)
    until = timezone.now() + timedelta(seconds=lease_seconds_or_default(lease))
    if owned(job).update(leased_until=until) != 1:
        return False
    job.leased_until = until
    return True
