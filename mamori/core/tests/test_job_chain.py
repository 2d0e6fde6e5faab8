"""A busy worker records each success together with the claim of its next job (issue 20): one
statement on PostgreSQL, one transaction on SQLite. The claim still commits before the next
handler starts, honours stop, queue order and expired leases, and a completion whose condition
no longer holds (repeat changed, claim lost) still takes the careful path."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from mamori.core import jobs
from mamori.core.models import Job, JobQueue, JobStatus

RAN: list[tuple[int, int]] = []  # (job id, attempts) in the order handlers ran
SEEN: dict[int, tuple[str, str]] = {}  # job id -> (status, leased_by) read by another connection
STOP = threading.Event()
CONNECTIONS: list[Any] = []  # the DB-API connection each handler ran on (kept alive: no id reuse)


@jobs.handler("test.chain.note")
def note(job: Job) -> None:
    RAN.append((job.pk, job.attempts))
    CONNECTIONS.append(connection.connection)
    action = job.payload.get("then")
    if action == "stop":
        STOP.set()
    elif action == "peek":
        SEEN[job.pk] = _read_elsewhere(job.pk)
    elif action == "urgent":
        jobs.enqueue("test.chain.note", {}, queue=JobQueue.URGENT)
    elif action == "shorten":
        jobs.schedule("test.chain.note", unique_key="chain-tick", every_seconds=60)
    elif action == "expire":
        Job.objects.filter(pk=job.payload["stale"]).update(
            status=JobStatus.RUNNING,
            leased_by="dead",
            attempts=1,
            leased_until=timezone.now() - timedelta(seconds=5),
        )


def _read_elsewhere(pk: int) -> tuple[str, str]:
    """The job's row as another process would see it (a second connection)."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT status, leased_by FROM core_job WHERE id = %s", [pk])
            status, leased_by = cursor.fetchone()
    finally:
        other.close()
    return status, leased_by


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    RAN.clear()
    SEEN.clear()
    STOP.clear()
    CONNECTIONS.clear()
    yield
    STOP.clear()


def _due(then: str = "", queue: str = JobQueue.DEFAULT, **payload: Any) -> Job:
    job = jobs.enqueue("test.chain.note", {"then": then, **payload}, queue=queue)
    # Strictly ordered due times, oldest first.
    Job.objects.filter(pk=job.pk).update(
        run_at=timezone.now() - timedelta(minutes=10) + timedelta(seconds=job.pk)
    )
    return job


def _run(stop: threading.Event | None = None) -> list[tuple[str, bool]]:
    """Run a worker until nothing is due; the job-table writes it made, each with whether it was
    inside an explicit transaction."""
    writes: list[tuple[str, bool]] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "core_job" in sql and not sql.lstrip().upper().startswith("SELECT"):
            writes.append((sql, connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        jobs.run_worker(stop or threading.Event(), name="chain", once=True)
    return writes


@pytest.mark.django_db(transaction=True)
def test_each_success_is_recorded_with_the_next_claim() -> None:
    first, second, third = _due(), _due(then="peek"), _due(then="peek")
    writes = _run()
    assert RAN == [(first.pk, 1), (second.pk, 1), (third.pk, 1)]
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.DONE}
    # The claim chained to a success had committed before the next handler started: another
    # connection saw the job running under this worker's lease.
    assert SEEN == {second.pk: ("running", "chain"), third.pk: ("running", "chain")}
    if connection.vendor == "postgresql":
        # The first claim, then one statement per job: its success and the next claim.
        assert len(writes) == 4, writes
        assert all(sql.startswith("WITH") and "RETURNING" in sql for sql, _ in writes[1:])
    else:
        # The first claim, then per job the success and the next claim in one transaction.
        assert len(writes) == 7, writes
        assert [inside for _, inside in writes] == [False] + [True] * 6


@pytest.mark.django_db(transaction=True)
def test_no_next_job_is_claimed_once_the_worker_is_told_to_stop() -> None:
    first, second = _due(then="stop"), _due()
    _run(stop=STOP)
    assert RAN == [(first.pk, 1)]
    assert Job.objects.get(pk=first.pk).status == JobStatus.DONE
    left = Job.objects.get(pk=second.pk)
    assert (left.status, left.attempts, left.leased_by) == (JobStatus.QUEUED, 0, "")


@pytest.mark.django_db(transaction=True)
def test_the_chained_claim_takes_urgent_work_first() -> None:
    first, bulk = _due(then="urgent", queue=JobQueue.BULK), _due(queue=JobQueue.BULK)
    _run()
    urgent = Job.objects.get(queue=JobQueue.URGENT)
    assert RAN == [(first.pk, 1), (urgent.pk, 1), (bulk.pk, 1)]


@pytest.mark.django_db(transaction=True)
def test_an_expired_lease_is_reclaimed_before_the_next_due_job() -> None:
    stale = _due()
    Job.objects.filter(pk=stale.pk).update(run_at=timezone.now() + timedelta(hours=1))
    first, second = _due(then="expire", stale=stale.pk), _due()
    _run()
    # The chained claim leaves the due job while a lease has expired; the general claim
    # reclaims the stale job first, with its attempt counted.
    assert RAN == [(first.pk, 1), (stale.pk, 2), (second.pk, 1)]
    assert "dead" in Job.objects.get(pk=stale.pk).last_error


@pytest.mark.django_db(transaction=True)
def test_a_repeat_changed_while_running_is_honoured_and_the_next_job_still_runs() -> None:
    tick = jobs.schedule(
        "test.chain.note", unique_key="chain-tick", every_seconds=600, payload={"then": "shorten"}
    )
    Job.objects.filter(pk=tick.pk).update(run_at=timezone.now() - timedelta(hours=1))
    after = _due()
    before = timezone.now()
    _run()
    assert RAN == [(tick.pk, 1), (after.pk, 1)]
    row = Job.objects.get(pk=tick.pk)
    assert (row.status, row.attempts, row.repeat_seconds) == (JobStatus.QUEUED, 0, 60)
    assert before + timedelta(seconds=55) < row.run_at < before + timedelta(seconds=120)
    assert Job.objects.get(pk=after.pk).status == JobStatus.DONE


@pytest.mark.django_db(transaction=True)
def test_a_recurring_job_is_queued_again_by_the_chained_statement() -> None:
    tick = jobs.schedule("test.chain.note", unique_key="chain-tock", every_seconds=300)
    Job.objects.filter(pk=tick.pk).update(run_at=timezone.now() - timedelta(hours=1))
    after = _due()
    before = timezone.now()
    _run()
    assert RAN == [(tick.pk, 1), (after.pk, 1)]
    row = Job.objects.get(pk=tick.pk)
    assert (row.status, row.attempts, row.leased_by, row.leased_until) == ("queued", 0, "", None)
    assert before + timedelta(seconds=295) < row.run_at < before + timedelta(seconds=360)
    assert row.finished_at is not None and row.finished_at >= before


@pytest.mark.django_db(transaction=True)
def test_jobs_that_follow_each_other_share_one_connection() -> None:
    # SQLite's CONN_MAX_AGE is 0: the connection upkeep between jobs closed it before each job.
    for _ in range(3):
        _due()
    _run()
    assert len(RAN) == 3
    assert CONNECTIONS[0] is not None
    assert all(each is CONNECTIONS[0] for each in CONNECTIONS)
