"""The database-backed job queue: claims, leases, retries, recurring jobs, real worker processes.

Runs on SQLite by default and on PostgreSQL with DATABASE_URL set.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mamori.core import jobs
from mamori.core.commands import worker as worker_command
from mamori.core.models import LAST_ERROR_MAX_CHARS, Job, JobStatus
from mamori.core.tests.job_fixtures import WORKER_BOOTSTRAP  # also registers the test handlers

REPO_DIR = Path(__file__).resolve().parents[3]


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Poll until predicate() holds; the bound is generous and only stops a hung test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


def log_lines(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [line.split() for line in path.read_text().splitlines()]


# --- enqueue and unique keys -------------------------------------------------------------


@pytest.mark.django_db
def test_enqueue_stores_a_due_queued_job() -> None:
    job = jobs.enqueue("test.record", {"path": "x"}, organization_id=7, max_attempts=3)
    stored = Job.objects.get(pk=job.pk)
    assert stored.status == JobStatus.QUEUED
    assert stored.payload == {"path": "x"}
    assert stored.organization_id == 7
    assert stored.attempts == 0
    assert stored.max_attempts == 3
    assert stored.run_at <= timezone.now()


@pytest.mark.django_db
def test_unique_key_returns_the_active_job_and_frees_the_key_when_finished() -> None:
    first = jobs.enqueue("test.record", {"path": "a"}, unique_key="feed:1")
    again = jobs.enqueue("test.record", {"path": "b"}, unique_key="feed:1")
    assert again.pk == first.pk
    assert Job.objects.filter(unique_key="feed:1").count() == 1

    claimed = jobs.claim("w")
    assert claimed is not None and claimed.pk == first.pk
    while_running = jobs.enqueue("test.record", {"path": "c"}, unique_key="feed:1")
    assert while_running.pk == first.pk

    Job.objects.filter(pk=first.pk).update(status=JobStatus.DONE)
    after = jobs.enqueue("test.record", {"path": "d"}, unique_key="feed:1")
    assert after.pk != first.pk
    assert after.status == JobStatus.QUEUED
    other_key = jobs.enqueue("test.record", {"path": "e"}, unique_key="feed:2")
    assert other_key.pk not in {first.pk, after.pk}


@pytest.mark.django_db
def test_database_refuses_two_active_jobs_with_one_key() -> None:
    Job.objects.create(kind="k", unique_key="same", status=JobStatus.DONE)
    Job.objects.create(kind="k", unique_key="same", status=JobStatus.FAILED)
    Job.objects.create(kind="k", unique_key="same", status=JobStatus.QUEUED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind="k", unique_key="same", status=JobStatus.RUNNING)
    # Jobs without a key never conflict.
    Job.objects.create(kind="k", unique_key=None)
    Job.objects.create(kind="k", unique_key=None)


# --- claims and leases --------------------------------------------------------------------


@pytest.mark.django_db
def test_claim_takes_due_jobs_oldest_first_and_leaves_future_ones() -> None:
    now = timezone.now()
    newer = jobs.enqueue("test.record", run_at=now - timedelta(minutes=1))
    older = jobs.enqueue("test.record", run_at=now - timedelta(minutes=5))
    future = jobs.enqueue("test.record", run_at=now + timedelta(hours=1))

    first = jobs.claim("w1", lease_seconds=30)
    second = jobs.claim("w1", lease_seconds=30)
    assert [first.pk, second.pk] == [older.pk, newer.pk]  # type: ignore[union-attr]
    assert jobs.claim("w1") is None
    assert Job.objects.get(pk=future.pk).status == JobStatus.QUEUED

    row = Job.objects.get(pk=older.pk)
    assert row.status == JobStatus.RUNNING
    assert row.leased_by == "w1"
    assert row.attempts == 1
    assert row.leased_until is not None and row.leased_until > row.run_at


@pytest.mark.django_db
def test_expired_lease_is_reclaimed_and_the_old_owner_loses_it(tmp_path: Path) -> None:
    # A path in the test's own folder: should any worker ever run it, nothing lands in the repo.
    job = jobs.enqueue("test.record", {"path": str(tmp_path / "unused")})
    mine = jobs.claim("dead-worker", lease_seconds=30)
    assert mine is not None
    later = timezone.now() + timedelta(seconds=31)

    # Another worker sees nothing while the lease is valid …
    assert jobs.claim("other", lease_seconds=30) is None
    # … and takes the job once it has expired.
    theirs = jobs.claim("other", lease_seconds=30, now=later)
    assert theirs is not None and theirs.pk == job.pk
    assert theirs.attempts == 2
    assert theirs.leased_by == "other"
    assert "dead-worker" in theirs.last_error
    assert Job.objects.get(pk=job.pk).error_summary.startswith("LeaseExpired")

    # The first claim can neither extend nor finish what it no longer holds.
    assert jobs.heartbeat(mine) is False
    jobs.execute(mine)
    row = Job.objects.get(pk=job.pk)
    assert row.status == JobStatus.RUNNING
    assert row.leased_by == "other"


@pytest.mark.django_db
def test_heartbeat_keeps_a_long_job_from_being_reclaimed() -> None:
    jobs.enqueue("test.record")
    mine = jobs.claim("slow", lease_seconds=30)
    assert mine is not None
    assert jobs.heartbeat(mine, lease_seconds=600) is True
    assert jobs.claim("other", now=timezone.now() + timedelta(seconds=60)) is None
    assert Job.objects.get(pk=mine.pk).leased_by == "slow"


@pytest.mark.django_db
def test_lease_expiring_on_the_last_attempt_fails_the_job() -> None:
    job = jobs.enqueue("test.record", max_attempts=1)
    assert jobs.claim("dead", lease_seconds=5) is not None
    assert jobs.claim("other", now=timezone.now() + timedelta(seconds=10)) is None
    row = Job.objects.get(pk=job.pk)
    assert row.status == JobStatus.FAILED
    assert row.finished_at is not None
    assert row.error_summary.startswith("LeaseExpired")
    assert "dead" in row.last_error


def _claim_until_empty(name: str, claimed: list[int], errors: list[BaseException]) -> None:
    try:
        while (job := jobs.claim(name, lease_seconds=60)) is not None:
            claimed.append(job.pk)
    except BaseException as error:  # reported by the test
        errors.append(error)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_hand_out_a_job_twice() -> None:
    Job.objects.bulk_create(Job(kind="test.record") for _ in range(80))
    expected = set(Job.objects.values_list("pk", flat=True))
    results: dict[str, list[int]] = {f"t{i}": [] for i in range(4)}
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_claim_until_empty, args=(name, claimed, errors))
        for name, claimed in results.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    every_claim = [pk for claimed in results.values() for pk in claimed]
    assert len(every_claim) == len(set(every_claim))
    assert set(every_claim) == expected
    owners = dict(Job.objects.values_list("pk", "leased_by"))
    for name, claimed in results.items():
        assert all(owners[pk] == name for pk in claimed)


# --- outcomes: success, retry with backoff, failure --------------------------------------


@pytest.mark.django_db
def test_success_marks_the_job_done(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    job = jobs.enqueue("test.record", {"path": str(log)})
    assert jobs.run_one("w") is True
    assert jobs.run_one("w") is False
    row = Job.objects.get(pk=job.pk)
    assert row.status == JobStatus.DONE
    assert row.finished_at is not None
    assert row.leased_by == "" and row.leased_until is None
    assert [line[:3] for line in log_lines(log)] == [
        ["start", str(job.pk), "1"],
        ["done", str(job.pk), "1"],
    ]


def _make_due(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(run_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_failures_are_recorded_retried_with_growing_backoff_then_failed() -> None:
    job = jobs.enqueue("test.fail", {"message": "kaboom"}, organization_id=3, max_attempts=4)
    for attempt in range(1, 4):
        before = timezone.now()
        assert jobs.run_one("w") is True
        after = timezone.now()
        row = Job.objects.get(pk=job.pk)
        assert row.status == JobStatus.QUEUED
        assert row.attempts == attempt
        assert row.error_summary == "ValueError: kaboom"
        assert "job_fixtures.py" in row.last_error  # the traceback summary names the handler
        full = jobs.RETRY_BASE_SECONDS * 2 ** (attempt - 1)
        assert before + timedelta(seconds=full / 2) <= row.run_at
        assert row.run_at <= after + timedelta(seconds=full)
        assert jobs.run_one("w") is False  # not due until the backoff has passed
        _make_due(row)

    assert jobs.run_one("w") is True
    row = Job.objects.get(pk=job.pk)
    assert row.status == JobStatus.FAILED
    assert row.attempts == 4
    assert row.finished_at is not None
    assert row.error_summary == "ValueError: kaboom"
    assert list(jobs.failed_jobs(3)) == [row]


@pytest.mark.django_db
def test_a_job_that_fails_twice_then_succeeds_ends_done() -> None:
    job = jobs.enqueue("test.fail_until", {"succeed_on": 3})
    for _ in range(3):
        assert jobs.run_one("w") is True
        _make_due(job)
    row = Job.objects.get(pk=job.pk)
    assert row.status == JobStatus.DONE
    assert row.attempts == 3


@pytest.mark.django_db
def test_a_kind_without_handler_is_a_recorded_failure() -> None:
    job = jobs.enqueue("test.no_such_handler", max_attempts=1)
    assert jobs.run_one("w") is True
    row = Job.objects.get(pk=job.pk)
    assert row.status == JobStatus.FAILED
    assert "test.no_such_handler" in row.error_summary


@pytest.mark.django_db
def test_a_handler_calling_sys_exit_is_a_recorded_failure_not_a_dead_worker() -> None:
    job = jobs.enqueue("test.exit", max_attempts=1)
    assert jobs.run_one("w") is True
    row = Job.objects.get(pk=job.pk)
    assert row.status == JobStatus.FAILED
    assert row.error_summary == "SystemExit: 3"


@pytest.mark.django_db
def test_enqueue_refuses_a_repeat_below_one_second() -> None:
    with pytest.raises(ValueError, match="repeat_seconds"):
        jobs.enqueue("test.record", repeat_seconds=0)
    assert Job.objects.count() == 0


@pytest.mark.django_db
def test_prune_history_deletes_only_old_done_jobs() -> None:
    now = timezone.now()
    old_done = Job.objects.create(
        kind="k", status=JobStatus.DONE, finished_at=now - timedelta(days=40)
    )
    recent_done = Job.objects.create(
        kind="k", status=JobStatus.DONE, finished_at=now - timedelta(days=1)
    )
    old_failed = Job.objects.create(
        kind="k", status=JobStatus.FAILED, finished_at=now - timedelta(days=40)
    )
    queued = Job.objects.create(kind="k", run_at=now - timedelta(days=40))
    assert jobs.prune_history(timedelta(days=30)) == 1
    remaining = set(Job.objects.values_list("pk", flat=True))
    assert remaining == {recent_done.pk, old_failed.pk, queued.pk}
    assert old_done.pk not in remaining


@hypothesis_settings(max_examples=200, deadline=None)
@given(attempts=st.integers(min_value=1, max_value=200), seed=st.integers(0, 2**32))
def test_backoff_is_exponential_capped_and_jittered(attempts: int, seed: int) -> None:
    rng = random.Random(seed)
    delay = jobs.backoff_seconds(attempts, base=10, cap=3600, rng=rng)
    full = min(10 * 2 ** (attempts - 1), 3600)
    assert full / 2 <= delay <= full


def test_backoff_jitter_spreads_retries() -> None:
    rng = random.Random(1)
    delays = {round(jobs.backoff_seconds(5, rng=rng), 3) for _ in range(20)}
    assert len(delays) > 1


def test_error_text_is_summarised_and_truncated() -> None:
    try:
        raise ValueError("x" * 50_000 + "\nsecond line")
    except ValueError as error:
        text = jobs.format_error(error)
    assert len(text) <= LAST_ERROR_MAX_CHARS
    first, rest = text.split("\n", 1)
    assert first.startswith("ValueError: xxx")
    assert "second line" not in rest
    assert "test_jobs.py" in rest


# --- failed jobs: listing and retry -------------------------------------------------------


@pytest.mark.django_db
def test_failed_jobs_are_scoped_to_one_organization_or_the_system() -> None:
    ours = Job.objects.create(kind="k", organization_id=1, status=JobStatus.FAILED)
    Job.objects.create(kind="k", organization_id=2, status=JobStatus.FAILED)
    Job.objects.create(kind="k", organization_id=1, status=JobStatus.DONE)
    system = Job.objects.create(kind="k", organization_id=None, status=JobStatus.FAILED)
    assert list(jobs.failed_jobs(1)) == [ours]
    assert list(jobs.failed_jobs(None)) == [system]
    assert list(jobs.failed_jobs(99)) == []


@pytest.mark.django_db
def test_retry_job_queues_a_failed_job_with_fresh_attempts(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    job = jobs.enqueue("test.record", {"path": str(log)})
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, attempts=5, last_error="E: x", finished_at=timezone.now()
    )
    retried = jobs.retry_job(job.pk)
    assert retried is not None and retried.pk == job.pk
    assert retried.status == JobStatus.QUEUED
    assert retried.attempts == 0
    assert retried.finished_at is None
    assert jobs.retry_job(job.pk) is None  # no longer failed
    assert jobs.retry_job(10**9) is None
    assert jobs.run_one("w") is True
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE


@pytest.mark.django_db
def test_retry_defers_to_an_active_job_holding_the_same_key() -> None:
    failed = Job.objects.create(kind="k", unique_key="site:1", status=JobStatus.FAILED)
    active = jobs.enqueue("k", unique_key="site:1")
    assert jobs.retry_job(failed.pk) == active
    assert Job.objects.get(pk=failed.pk).status == JobStatus.FAILED


# --- recurring jobs -----------------------------------------------------------------------


@pytest.mark.django_db
def test_recurring_job_is_queued_again_after_it_finishes(tmp_path: Path) -> None:
    job = jobs.enqueue(
        "test.record", {"path": str(tmp_path / "log")}, repeat_seconds=600, unique_key="r"
    )
    assert jobs.run_one("w") is True
    row = Job.objects.get(pk=job.pk)
    assert row.status == JobStatus.QUEUED
    assert row.finished_at is not None
    assert row.run_at == row.finished_at + timedelta(seconds=600)
    assert row.attempts == 0
    assert jobs.run_one("w") is False
    assert Job.objects.count() == 1


@pytest.mark.django_db
def test_recurring_job_that_fails_for_good_keeps_its_schedule() -> None:
    job = jobs.enqueue(
        "test.fail", organization_id=4, repeat_seconds=120, unique_key="mon:4", max_attempts=1
    )
    assert jobs.run_one("w") is True
    failed = Job.objects.get(pk=job.pk)
    assert failed.status == JobStatus.FAILED
    assert failed.unique_key is None and failed.repeat_seconds is None
    assert list(jobs.failed_jobs(4)) == [failed]
    successor = Job.objects.get(status=JobStatus.QUEUED)
    assert successor.unique_key == "mon:4"
    assert successor.repeat_seconds == 120
    assert successor.organization_id == 4
    assert failed.finished_at is not None
    assert successor.run_at == failed.finished_at + timedelta(seconds=120)


@pytest.mark.django_db
def test_schedule_creates_one_recurring_job_and_keeps_it_up_to_date() -> None:
    first = jobs.schedule("test.record", unique_key="site:9", every_seconds=3600)
    again = jobs.schedule("test.record", unique_key="site:9", every_seconds=3600)
    assert again.pk == first.pk
    assert Job.objects.count() == 1

    Job.objects.filter(pk=first.pk).update(run_at=timezone.now() + timedelta(hours=1))
    before = timezone.now()
    changed = jobs.schedule(
        "test.record", unique_key="site:9", every_seconds=60, payload={"url": "x"}
    )
    row = Job.objects.get(pk=first.pk)
    assert changed.pk == first.pk
    assert (row.repeat_seconds, row.payload) == (60, {"url": "x"})
    # The shorter interval applies now rather than after the old hour.
    assert before + timedelta(seconds=60) <= row.run_at <= timezone.now() + timedelta(seconds=60)


@pytest.mark.django_db
def test_interval_changed_while_running_applies_when_it_finishes(tmp_path: Path) -> None:
    jobs.schedule(
        "test.record",
        unique_key="feed:3",
        every_seconds=3600,
        payload={"path": str(tmp_path / "l")},
    )
    running = jobs.claim("w")
    assert running is not None
    jobs.schedule(
        "test.record", unique_key="feed:3", every_seconds=90, payload={"path": str(tmp_path / "l")}
    )
    jobs.execute(running)
    row = Job.objects.get(pk=running.pk)
    assert row.status == JobStatus.QUEUED
    assert row.finished_at is not None
    assert row.run_at == row.finished_at + timedelta(seconds=90)


@pytest.mark.django_db
def test_cancel_removes_a_queued_schedule_and_stops_a_running_one(tmp_path: Path) -> None:
    path = {"path": str(tmp_path / "l")}
    jobs.schedule("test.record", unique_key="a", every_seconds=60, payload=path)
    assert jobs.cancel("a") == 1
    assert Job.objects.count() == 0

    jobs.schedule("test.record", unique_key="b", every_seconds=60, payload=path)
    running = jobs.claim("w")
    assert running is not None
    assert jobs.cancel("b") == 1
    jobs.execute(running)
    row = Job.objects.get(pk=running.pk)
    assert row.status == JobStatus.DONE
    assert not Job.objects.filter(status=JobStatus.QUEUED).exists()
    assert jobs.cancel("nothing") == 0


# --- the worker loop and the command, in this process ------------------------------------


@pytest.mark.django_db
def test_release_jobs_hands_claims_back_without_counting_the_attempt() -> None:
    job = jobs.enqueue("test.record")
    jobs.enqueue("test.record")
    assert jobs.claim("w1") is not None
    assert jobs.claim("w2") is not None
    assert jobs.release_jobs(["w1"]) == 1
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.attempts, row.leased_by) == (JobStatus.QUEUED, 0, "")
    assert Job.objects.filter(status=JobStatus.RUNNING, leased_by="w2").count() == 1


@pytest.mark.django_db(transaction=True)
def test_run_worker_survives_failing_handlers_and_stops_when_told(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    good = [jobs.enqueue("test.record", {"path": str(log)}) for _ in range(3)]
    bad = jobs.enqueue("test.fail", max_attempts=1)
    stop = threading.Event()
    thread = threading.Thread(
        target=jobs.run_worker, args=(stop,), kwargs={"name": "loop", "poll_seconds": 0.05}
    )
    thread.start()
    try:
        wait_until(
            lambda: Job.objects.filter(status__in=["done", "failed"]).count() == 4,
            "the worker loop to finish every job",
        )
    finally:
        stop.set()
        thread.join()
    assert not thread.is_alive()
    assert {job.status for job in Job.objects.filter(pk__in=[j.pk for j in good])} == {"done"}
    assert Job.objects.get(pk=bad.pk).status == JobStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_worker_command_once_runs_due_jobs_and_returns(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    for _ in range(6):
        jobs.enqueue("test.record", {"path": str(log)})
    assert worker_command.main(["--once", "--threads", "2", "--name", "cli"]) == 0
    assert Job.objects.filter(status=JobStatus.DONE).count() == 6
    runners = {line[3] for line in log_lines(log)}
    assert runners <= {"cli/1", "cli/2"}


def test_worker_command_rejects_zero_threads(capsys: pytest.CaptureFixture[str]) -> None:
    assert worker_command.main(["--threads", "0"]) == 2
    assert "--threads" in capsys.readouterr().err


def test_each_thread_gets_its_own_worker_name() -> None:
    assert jobs.worker_names("host:1", 1) == ["host:1"]
    assert jobs.worker_names("host:1", 3) == ["host:1/1", "host:1/2", "host:1/3"]


# --- real worker processes sharing the database -------------------------------------------


def worker_environment() -> dict[str, str]:
    """Point a child process at the test database this test is using."""
    env = dict(os.environ)
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["MAMORI_SQLITE_PATH"] = str(db["NAME"])
    else:
        password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
        user = quote(str(db["USER"]), safe="")
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    env["MAMORI_LOG_LEVEL"] = "INFO"
    return env


class WorkerProcess:
    def __init__(
        self, name: str, log_dir: Path, *options: str, env: dict[str, str] | None = None
    ) -> None:
        self.name = name
        self.stderr_path = log_dir / f"{name}.stderr"
        command = [sys.executable, "-c", WORKER_BOOTSTRAP, "--name", name, "--poll-seconds"]
        command += ["0.1", *options]
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_DIR,
                env={**worker_environment(), **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_for_log(self, text: str) -> None:
        def seen() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"worker {self.name} exited early:\n{self.stderr()}")
            return text in self.stderr()

        wait_until(seen, f"{text!r} in the log of worker {self.name}")

    def wait(self) -> int:
        return self.process.wait(timeout=120)


@pytest.fixture
def spawn_worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def spawn(name: str, *options: str, env: dict[str, str] | None = None) -> WorkerProcess:
        worker = WorkerProcess(name, tmp_path, *options, env=env)
        started.append(worker)
        return worker

    yield spawn
    # Never leave a process holding the test database open.
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
        worker.process.wait(timeout=60)


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_run_each_job_exactly_once(
    tmp_path: Path, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    log = tmp_path / "runs.log"
    first = spawn_worker("alpha", "--threads", "2")
    second = spawn_worker("beta", "--threads", "2")
    for worker in (first, second):
        for index in (1, 2):
            worker.wait_for_log(f"worker {worker.name}/{index} started")

    # Four barrier jobs for four threads: both processes must be claiming at the same time.
    arrivals = tmp_path / "arrivals.log"
    earlier = timezone.now() - timedelta(seconds=1)
    Job.objects.bulk_create(
        Job(kind="test.barrier", payload={"path": str(arrivals), "parties": 4}, run_at=earlier)
        for _ in range(4)
    )
    count = 240
    Job.objects.bulk_create(
        Job(kind="test.record", payload={"path": str(log), "sleep": 0.005}) for _ in range(count)
    )
    wait_until(
        lambda: Job.objects.filter(status=JobStatus.DONE).count() == count + 4,
        "every job to be done",
    )
    for worker in (first, second):
        worker.process.send_signal(signal.SIGTERM)
    assert [first.wait(), second.wait()] == [0, 0]

    lines = log_lines(log)
    starts = Counter(line[1] for line in lines if line[0] == "start")
    dones = Counter(line[1] for line in lines if line[0] == "done")
    recorded = Job.objects.filter(kind="test.record").values_list("pk", flat=True)
    expected = {str(pk): 1 for pk in recorded}
    assert dict(starts) == expected
    assert dict(dones) == expected
    # (The worker also makes sure of the system schedules: those rows have not run yet.)
    ours = Job.objects.filter(kind__in=["test.record", "test.barrier"])
    assert set(ours.values_list("attempts", flat=True)) == {1}
    # Every thread of both processes held a barrier job at once: the claims were concurrent.
    holders = sorted(line[3] for line in log_lines(arrivals))
    assert holders == ["alpha/1", "alpha/2", "beta/1", "beta/2"]


@pytest.mark.django_db(transaction=True)
def test_job_of_a_killed_worker_runs_again_after_its_lease_expires(
    tmp_path: Path, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    log = tmp_path / "runs.log"
    job = jobs.enqueue("test.record", {"path": str(log), "sleep": 600})
    doomed = spawn_worker("doomed", "--lease-seconds", "2")
    wait_until(lambda: len(log_lines(log)) >= 1, "the first worker to start the job")
    lease_end = Job.objects.get(pk=job.pk).leased_until
    assert lease_end is not None
    doomed.process.kill()
    assert doomed.wait() == -signal.SIGKILL

    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.leased_by, row.attempts) == (JobStatus.RUNNING, "doomed", 1)

    spawn_worker("rescuer", "--lease-seconds", "2")
    wait_until(lambda: Job.objects.get(pk=job.pk).status == JobStatus.DONE, "the job to run again")
    lines = log_lines(log)
    assert [line[:4] for line in lines] == [
        ["start", str(job.pk), "1", "doomed"],
        ["start", str(job.pk), "2", "rescuer"],
        ["done", str(job.pk), "2", "rescuer"],
    ]
    # The second run began only after the first run's lease had ended.
    assert float(lines[1][4]) >= lease_end.timestamp()
    row = Job.objects.get(pk=job.pk)
    assert row.attempts == 2
    assert "doomed" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_the_current_job_finish(
    tmp_path: Path, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    log, release = tmp_path / "runs.log", tmp_path / "release"
    job = jobs.enqueue("test.record", {"path": str(log), "release_file": str(release)})
    worker = spawn_worker("polite")
    wait_until(lambda: len(log_lines(log)) >= 1, "the worker to start the job")
    worker.process.send_signal(signal.SIGTERM)
    worker.wait_for_log("stopping after the current jobs")
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    release.touch()  # only now may the job end, so it was in progress when the signal came
    assert worker.wait() == 0
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
    assert [line[0] for line in log_lines(log)] == ["start", "done"]


@pytest.mark.django_db(transaction=True)
def test_sigterm_hands_back_a_job_still_running_after_the_grace_period(
    tmp_path: Path, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    log = tmp_path / "runs.log"
    job = jobs.enqueue("test.record", {"path": str(log), "sleep": 600})
    worker = spawn_worker("graceful", env={"MAMORI_SHUTDOWN_GRACE_SECONDS": "1"})
    wait_until(lambda: len(log_lines(log)) >= 1, "the worker to start the job")
    worker.process.send_signal(signal.SIGTERM)
    assert worker.wait() == 0
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.attempts, row.leased_by) == (JobStatus.QUEUED, 0, "")
    assert "grace period of 1.0 s over, released 1 job(s)" in worker.stderr()


@pytest.mark.django_db(transaction=True)
def test_second_sigterm_releases_the_current_job(
    tmp_path: Path, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    log = tmp_path / "runs.log"
    job = jobs.enqueue("test.record", {"path": str(log), "sleep": 600})
    worker = spawn_worker("hasty")
    wait_until(lambda: len(log_lines(log)) >= 1, "the worker to start the job")
    worker.process.send_signal(signal.SIGTERM)
    worker.wait_for_log("stopping after the current jobs")
    worker.process.send_signal(signal.SIGTERM)
    assert worker.wait() == 1
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.attempts, row.leased_by) == (JobStatus.QUEUED, 0, "")
    assert [line[0] for line in log_lines(log)] == ["start"]


@pytest.mark.django_db(transaction=True)
def test_mamori_worker_runs_from_the_command_line() -> None:
    # The real entry point loads only the project's TASK_MODULES, so a test kind is unknown there.
    job = jobs.enqueue("test.unknown_to_the_cli", max_attempts=1)
    result = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "worker", "--once", "--name", "cli-test"],
        cwd=REPO_DIR,
        env=worker_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "worker cli-test started" in result.stderr
    row = Job.objects.get(pk=job.pk)
    assert row.status == JobStatus.FAILED
    assert "test.unknown_to_the_cli" in row.error_summary


# --- lease renewal ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_long_job_at_once(
    tmp_path: Path, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    """A job running for several times its lease keeps it (renewed in the background): the
    other worker, polling all along, never claims it."""
    log = tmp_path / "runs.log"
    first = spawn_worker("alpha", "--lease-seconds", "1")
    second = spawn_worker("beta", "--lease-seconds", "1")
    for worker in (first, second):
        worker.wait_for_log(f"worker {worker.name} started")
    job = jobs.enqueue("test.record", {"path": str(log), "sleep": 5})
    wait_until(lambda: Job.objects.get(pk=job.pk).status == JobStatus.DONE, "the job to finish")
    for worker in (first, second):
        worker.process.send_signal(signal.SIGTERM)
    assert [first.wait(), second.wait()] == [0, 0]
    lines = log_lines(log)
    assert [line[0] for line in lines] == ["start", "done"]
    assert Job.objects.get(pk=job.pk).attempts == 1
    assert "lease" not in first.stderr() + second.stderr()


@pytest.mark.django_db(transaction=True)
def test_a_job_that_lost_its_lease_stops_writing(
    tmp_path: Path, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    log = tmp_path / "runs.log"
    job = jobs.enqueue("test.ticker", {"path": str(log), "ticks": 600})
    worker = spawn_worker("loser", "--lease-seconds", "1")
    wait_until(lambda: len(log_lines(log)) >= 3, "the job to tick")
    # Another worker takes the job over (as after an expired lease).
    taken = Job.objects.filter(pk=job.pk, leased_by="loser").update(
        leased_by="thief", attempts=F("attempts") + 1
    )
    assert taken == 1

    def stopped_or_done() -> bool:
        lost = "stopped, its lease was lost" in worker.stderr()
        return lost or "done" in [line[0] for line in log_lines(log)]

    wait_until(stopped_or_done, "the job to stop (or, wrongly, to finish)")
    worker.process.send_signal(signal.SIGTERM)
    assert worker.wait() == 0
    assert "done" not in [line[0] for line in log_lines(log)]
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.leased_by, row.attempts) == (JobStatus.RUNNING, "thief", 2)
    assert "another worker took it over" in worker.stderr()


# --- housekeeping ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_job_history_is_pruned_on_a_schedule_made_at_start(tmp_path: Path) -> None:
    from mamori.core import tasks
    from mamori.core.schedules import ensure_all

    jobs.load_handlers()
    ensure_all()
    prune = Job.objects.get(unique_key=tasks.PRUNE_KEY)
    assert (prune.kind, prune.repeat_seconds) == (tasks.PRUNE_JOB, 24 * 60 * 60)

    long_ago = timezone.now() - timedelta(days=settings.JOB_HISTORY_DAYS + 1)
    old = Job.objects.create(kind="test.record", status=JobStatus.DONE, finished_at=long_ago)
    recent = Job.objects.create(
        kind="test.record", status=JobStatus.DONE, finished_at=timezone.now()
    )
    failed = Job.objects.create(kind="test.record", status=JobStatus.FAILED, finished_at=long_ago)
    Job.objects.filter(pk=prune.pk).update(run_at=timezone.now() - timedelta(seconds=1))
    Job.objects.exclude(pk__in=[prune.pk, old.pk, recent.pk, failed.pk]).delete()
    assert jobs.run_one("housekeeper")
    remaining = set(Job.objects.values_list("pk", flat=True))
    assert old.pk not in remaining
    assert {recent.pk, failed.pk, prune.pk} <= remaining
    assert Job.objects.get(pk=prune.pk).status == JobStatus.QUEUED  # due again tomorrow
