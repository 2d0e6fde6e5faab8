"""Named job queues (issue 19): urgent before default before bulk, workers serving some or all
of them, the embedded worker's thread kept for urgent work, waking on enqueue, and the job's
context in its log lines. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import io
import json
import logging
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mamori.core import jobs, jobwake
from mamori.core.commands import worker as worker_command
from mamori.core.logcontext import ContextFilter, JsonFormatter
from mamori.core.models import QUEUE_ORDER, Job, JobQueue, JobStatus
from mamori.core.tests import test_jobs
from mamori.core.tests.job_fixtures import signal_event
from mamori.core.tests.test_jobs import WorkerProcess, log_lines, wait_until

spawn_worker = test_jobs.spawn_worker  # the fixture starting real `mamori worker` processes


def _due(queue: str, minutes_ago: float = 1, kind: str = "test.record") -> Job:
    job = jobs.enqueue(kind, {"path": "/dev/null"}, queue=queue)
    Job.objects.filter(pk=job.pk).update(run_at=timezone.now() - timedelta(minutes=minutes_ago))
    return job


@pytest.fixture
def busy_claims() -> Iterator[None]:
    """As after a claim that found work: PostgreSQL claims go straight to the one statement."""
    jobs._BUSY.set()
    yield
    jobs._BUSY.clear()


# --- claiming by queue --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("busy", [False, True])
def test_a_claim_for_urgent_never_returns_a_bulk_or_default_job(busy: bool) -> None:
    if busy:
        jobs._BUSY.set()
    try:
        bulk = _due(JobQueue.BULK, minutes_ago=10)
        default = _due(JobQueue.DEFAULT, minutes_ago=5)
        assert jobs.claim("u", queues=[JobQueue.URGENT]) is None
        urgent = _due(JobQueue.URGENT)
        claimed = jobs.claim("u", queues=[JobQueue.URGENT])
        assert claimed is not None and claimed.pk == urgent.pk
        assert jobs.claim("u", queues=[JobQueue.URGENT]) is None
        stored = {job.pk: job.status for job in Job.objects.filter(pk__in=[bulk.pk, default.pk])}
        assert stored == {bulk.pk: JobStatus.QUEUED, default.pk: JobStatus.QUEUED}
        claimed = jobs.claim("b", queues=[JobQueue.BULK])
        assert claimed is not None and claimed.pk == bulk.pk
    finally:
        jobs._BUSY.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("busy", [False, True])
def test_a_worker_serving_all_takes_urgent_then_default_then_bulk(busy: bool) -> None:
    if busy:
        jobs._BUSY.set()
    try:
        bulk = _due(JobQueue.BULK, minutes_ago=30)
        default_old = _due(JobQueue.DEFAULT, minutes_ago=20)
        default_new = _due(JobQueue.DEFAULT, minutes_ago=10)
        urgent_new = _due(JobQueue.URGENT, minutes_ago=1)
        urgent_old = _due(JobQueue.URGENT, minutes_ago=2)
        _due(JobQueue.URGENT, minutes_ago=-5)  # not due yet: never claimed here
        order = []
        while (job := jobs.claim("all")) is not None:
            order.append(job.pk)
        # The queue is the priority; within a queue, the job that waited longest goes first.
        assert order == [urgent_old.pk, urgent_new.pk, default_old.pk, default_new.pk, bulk.pk]
    finally:
        jobs._BUSY.clear()


@pytest.mark.django_db
def test_the_claim_for_several_queues_is_still_one_statement(busy_claims: None) -> None:
    default = _due(JobQueue.DEFAULT)
    _due(JobQueue.BULK, minutes_ago=60)
    with CaptureQueriesContext(connection) as claiming:
        job = jobs.claim("w", queues=[JobQueue.URGENT, JobQueue.DEFAULT, JobQueue.BULK])
    assert job is not None and job.pk == default.pk  # urgent had nothing: the next queue
    statements = [q["sql"] for q in claiming.captured_queries]
    assert len(statements) == (1 if connection.vendor == "postgresql" else 2), statements
    claim_sql = statements[-1]
    assert claim_sql.startswith("UPDATE") and "RETURNING" in claim_sql
    assert "COALESCE" in claim_sql


@pytest.mark.django_db
def test_an_expired_lease_is_reclaimed_only_by_a_worker_of_its_queue() -> None:
    bulk = _due(JobQueue.BULK)
    claimed = jobs.claim("dead", queues=[JobQueue.BULK], lease_seconds=60)
    assert claimed is not None and claimed.pk == bulk.pk
    Job.objects.filter(pk=bulk.pk).update(leased_until=timezone.now() - timedelta(seconds=1))
    urgent = _due(JobQueue.URGENT)
    # An urgent-only worker must not pick up (and be held by) a long bulk job.
    taken = jobs.claim("urgent-worker", queues=[JobQueue.URGENT])
    assert taken is not None and taken.pk == urgent.pk
    assert jobs.claim("urgent-worker", queues=[JobQueue.URGENT]) is None
    assert Job.objects.get(pk=bulk.pk).leased_by == "dead"
    rescued = jobs.claim("bulk-worker", queues=[JobQueue.BULK])
    assert rescued is not None and rescued.pk == bulk.pk and rescued.attempts == 2


@pytest.mark.django_db
def test_unknown_queue_names_are_refused() -> None:
    with pytest.raises(ValueError):
        jobs.enqueue("test.record", {"path": "/dev/null"}, queue="fast")
    with pytest.raises(ValueError):
        jobs.claim("w", queues=["fast"])
    with pytest.raises(ValueError):
        jobs.handler("test.never_registered", queue="later")


# --- which queue a job goes to -------------------------------------------------------------


def test_every_handler_declares_one_of_the_queues_and_the_classification_holds() -> None:
    jobs.load_handlers()
    assert set(jobs.HANDLERS) <= set(jobs.HANDLER_QUEUES)
    assert set(jobs.HANDLER_QUEUES.values()) <= set(QUEUE_ORDER)
    expected = {
        "notify.deliver": "urgent",
        "findings.rerun_rules": "urgent",
        "notify.periodic": "default",
        "monitoring.check_page": "default",
        "mailcheck.poll_mailbox": "default",
        "intel.rematch": "default",
        "intel.sync_nvd": "bulk",
        "intel.sync_jvn": "bulk",
        "intel.fetch_feed": "bulk",
        "findings.run_all_rules": "bulk",
        "core.prune_job_history": "bulk",
        "accounts.prune": "bulk",
        "mailcheck.purge": "bulk",
    }
    assert {kind: jobs.HANDLER_QUEUES[kind] for kind in expected} == expected


@pytest.mark.django_db
def test_enqueue_takes_the_handlers_queue_unless_told() -> None:
    from mamori.findings.tasks import RERUN

    assert jobs.enqueue(RERUN, organization_id=None).queue == JobQueue.URGENT
    assert jobs.enqueue("intel.sync_nvd").queue == JobQueue.BULK
    assert jobs.enqueue("test.record").queue == JobQueue.DEFAULT
    assert jobs.enqueue("intel.sync_nvd", queue="urgent").queue == JobQueue.URGENT
    # Stored as such, not only on the returned object.
    assert set(Job.objects.values_list("queue", flat=True)) == {"urgent", "bulk", "default"}


@pytest.mark.django_db
def test_schedule_moves_an_existing_recurring_job_to_its_handlers_queue() -> None:
    job = jobs.enqueue("intel.sync_nvd", unique_key="sync", repeat_seconds=3600, queue="default")
    again = jobs.schedule("intel.sync_nvd", unique_key="sync", every_seconds=3600)
    assert again.pk == job.pk and again.queue == JobQueue.BULK
    assert Job.objects.get(pk=job.pk).queue == JobQueue.BULK


@pytest.mark.django_db
def test_a_recurring_job_that_failed_for_good_keeps_its_queue() -> None:
    job = jobs.enqueue(
        "test.fail", unique_key="k", repeat_seconds=60, max_attempts=1, queue=JobQueue.BULK
    )
    Job.objects.filter(pk=job.pk).update(run_at=timezone.now() - timedelta(seconds=1))
    assert jobs.run_one("w", queues=[JobQueue.BULK])
    successor = Job.objects.get(unique_key="k")
    assert successor.pk != job.pk and successor.queue == JobQueue.BULK


# --- the worker command --------------------------------------------------------------------


def test_worker_command_refuses_an_unknown_queue(capsys: pytest.CaptureFixture[str]) -> None:
    assert worker_command.main(["--queues", "urgent,later", "--once"]) == 2
    assert "--queues" in capsys.readouterr().err


def test_worker_command_reads_queue_lists() -> None:
    assert worker_command._parse_queues("") == ()
    assert worker_command._parse_queues("bulk, Urgent") == ("urgent", "bulk")
    assert worker_command._parse_queues("urgent,,default") == ("urgent", "default")
    assert worker_command._parse_queues("normal") is None
    assert worker_command.QUEUE_NAMES == QUEUE_ORDER


@pytest.mark.django_db(transaction=True)
def test_worker_command_once_serves_only_its_queues(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    bulk = jobs.enqueue("test.record", {"path": str(log)}, queue=JobQueue.BULK)
    urgent = jobs.enqueue("test.record", {"path": str(log)}, queue=JobQueue.URGENT)
    assert worker_command.main(["--queues", "urgent", "--once", "--name", "u"]) == 0
    assert Job.objects.get(pk=urgent.pk).status == JobStatus.DONE
    assert Job.objects.get(pk=bulk.pk).status == JobStatus.QUEUED


# --- a long bulk job does not hold up urgent work --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_long_bulk_job_in_one_worker_process_does_not_delay_urgent_work_in_another(
    tmp_path: Path, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    log, release = tmp_path / "runs.log", tmp_path / "release"
    bulk_worker = spawn_worker("bulky", "--queues", "bulk")
    urgent_worker = spawn_worker("quick", "--queues", "urgent")
    for worker in (bulk_worker, urgent_worker):
        worker.wait_for_log(f"worker {worker.name} started")
    long_job = jobs.enqueue(
        "test.record", {"path": str(log), "release_file": str(release)}, queue="bulk"
    )
    wait_until(lambda: len(log_lines(log)) >= 1, "the bulk worker to start the long job")
    urgent = jobs.enqueue("test.record", {"path": str(log)}, queue="urgent")
    wait_until(
        lambda: Job.objects.get(pk=urgent.pk).status == JobStatus.DONE, "the urgent job to run"
    )
    # The urgent job was done by the urgent worker while the bulk job was still running.
    assert Job.objects.get(pk=long_job.pk).status == JobStatus.RUNNING
    assert [line[:4] for line in log_lines(log)] == [
        ["start", str(long_job.pk), "1", "bulky"],
        ["start", str(urgent.pk), "1", "quick"],
        ["done", str(urgent.pk), "1", "quick"],
    ]
    release.touch()
    wait_until(
        lambda: Job.objects.get(pk=long_job.pk).status == JobStatus.DONE, "the bulk job to end"
    )
    for worker in (bulk_worker, urgent_worker):
        worker.process.send_signal(signal.SIGTERM)
        assert worker.wait() == 0


@pytest.mark.django_db(transaction=True)
def test_the_embedded_worker_runs_urgent_work_while_long_bulk_jobs_wait(tmp_path: Path) -> None:
    log, release = tmp_path / "runs.log", tmp_path / "release"
    stop = threading.Event()
    threads = jobs.start_embedded_workers(stop, name="serve")
    try:
        # Two long bulk jobs: with two threads serving every queue, both would be taken and
        # urgent work would wait for one of them to finish.
        long_jobs = [
            jobs.enqueue(
                "test.record", {"path": str(log), "release_file": str(release)}, queue="bulk"
            )
            for _ in range(2)
        ]
        wait_until(lambda: len(log_lines(log)) >= 1, "the embedded worker to start a long job")
        default = jobs.enqueue("test.record", {"path": str(log)})
        urgent = jobs.enqueue("test.record", {"path": str(log)}, queue="urgent")
        wait_until(lambda: Job.objects.get(pk=urgent.pk).status == JobStatus.DONE, "the urgent job")
        statuses = [Job.objects.get(pk=job.pk).status for job in long_jobs]
        assert statuses == [JobStatus.RUNNING, JobStatus.QUEUED]
        # The thread kept for urgent work ran it; default work waits for the general thread.
        assert Job.objects.get(pk=default.pk).status == JobStatus.QUEUED
        runs = [line[:4] for line in log_lines(log)]
        assert runs == [
            ["start", str(long_jobs[0].pk), "1", "serve/2"],
            ["start", str(urgent.pk), "1", "serve/1"],
            ["done", str(urgent.pk), "1", "serve/1"],
        ]
        release.touch()
        # Then the general thread takes default work before the second bulk job.
        wait_until(lambda: Job.objects.get(pk=long_jobs[1].pk).status == JobStatus.DONE, "the rest")
        starts = [line[1] for line in log_lines(log) if line[0] == "start"]
        assert starts[2:] == [str(default.pk), str(long_jobs[1].pk)]
    finally:
        release.touch()
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)


# --- waking the worker of this process ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_an_enqueue_wakes_the_idle_worker_of_this_process(delay: float) -> None:
    stop = threading.Event()
    worker = threading.Thread(
        target=jobs.run_worker,
        args=(stop,),
        kwargs={"name": "sleepy", "poll_seconds": 60},
        daemon=True,
    )
    worker.start()
    try:
        # Let it make its first (empty) claim and fall asleep for the 60 s poll.
        wait_until(lambda: set(QUEUE_ORDER) <= set(jobwake.WAKER._serving), "the worker")
        assert not stop.wait(1.0)
        token = uuid.uuid4().hex
        run_at = timezone.now() + timedelta(seconds=delay)  # a debounced job wakes it when due
        job = jobs.enqueue("test.signal", {"token": token}, run_at=run_at)
        # Far below the 60 s poll: only the wake-up can have run it.
        assert signal_event(token).wait(timeout=20), "the worker was not woken"
        wait_until(lambda: Job.objects.get(pk=job.pk).status == JobStatus.DONE, "the outcome")
        assert Job.objects.get(pk=job.pk).finished_at >= run_at
    finally:
        stop.set()
        worker.join(timeout=60)
    assert not worker.is_alive()


@pytest.mark.django_db(transaction=True)
def test_the_wake_up_comes_after_commit_and_only_for_queues_served_here() -> None:
    waker = jobwake.WAKER
    waker.serve([JobQueue.URGENT])
    try:
        with transaction.atomic():
            jobs.enqueue("test.record", {"path": "/dev/null"}, queue="urgent")
            assert not waker._due.get(JobQueue.URGENT)  # not before the row is visible
        assert waker._due.get(JobQueue.URGENT)
        jobs.enqueue("test.record", {"path": "/dev/null"}, queue="bulk")
        assert JobQueue.BULK not in waker._due  # nobody here serves bulk: nothing kept
        stop = threading.Event()
        waker.wait([JobQueue.URGENT], timeout=60, stop=stop)  # returns at once: one is due
        assert not waker._due.get(JobQueue.URGENT)
    finally:
        waker.unserve([JobQueue.URGENT])


def test_an_idle_worker_still_stops_promptly() -> None:
    stop = threading.Event()
    waiter = threading.Thread(target=jobwake.WAKER.wait, args=(["bulk"], 600, stop), daemon=True)
    waiter.start()
    stop.set()
    waiter.join(timeout=30)
    assert not waiter.is_alive()


# --- the job's context in its log lines ------------------------------------------------------


@pytest.mark.django_db
def test_log_lines_of_a_handler_carry_the_job_and_its_organisation() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("mamori.test")
    logger.addHandler(handler)
    try:
        job = jobs.enqueue(
            "test.log",
            {"secret": "hunter2-Sw0rdfish", "address": "taro@example.co.jp"},
            organization_id=4242,
        )
        assert jobs.run_one("w")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    entry = lines[0]
    assert entry["job_id"] == str(job.pk)
    assert entry["job_kind"] == "test.log"
    assert entry["org_id"] == "4242"
    assert "hunter2" not in stream.getvalue() and "taro@" not in stream.getvalue()
    assert entry["message"] == "handled password=[redacted] for [address]"
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
