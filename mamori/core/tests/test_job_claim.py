"""The common claim is one statement and success one more (issue 20); the rare cases (an expired
lease, a repeat changed while the job ran) keep their own path."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mamori.core import jobclaim, jobs
from mamori.core.models import Job, JobStatus
from mamori.core.tests import job_fixtures  # noqa: F401  (registers the test handlers)


def _due(kind: str = "test.record", **fields: object) -> Job:
    job = jobs.enqueue(kind, fields.pop("payload", {"path": "/dev/null"}), **fields)  # type: ignore[arg-type]
    Job.objects.filter(pk=job.pk).update(run_at=timezone.now() - timedelta(minutes=1))
    return job


@pytest.mark.django_db
def test_claim_and_success_take_one_statement_each_in_the_common_case(tmp_path: Path) -> None:
    assert jobclaim.supported()
    log = tmp_path / "log"
    first = _due(payload={"path": str(log), "n": [1, "二"]})
    _due(payload={"path": str(log)})
    jobs._BUSY.set()  # as after a claim that found work (an idle worker reads first)
    with CaptureQueriesContext(connection) as claiming:
        job = jobs.claim("w1")
    assert job is not None and job.pk == first.pk
    statements = [q["sql"] for q in claiming.captured_queries]
    # PostgreSQL: the UPDATE … RETURNING alone; SQLite: a plain read first (an idle poll must not
    # take the write lock), then the same UPDATE.
    assert len(statements) == (1 if connection.vendor == "postgresql" else 2), statements
    assert statements[-1].startswith("UPDATE") and "RETURNING" in statements[-1]
    # The returned row is a proper Job: converted values, this claim's lease.
    assert job.payload == {"path": str(log), "n": [1, "二"]}
    assert job.status == JobStatus.RUNNING and job.leased_by == "w1" and job.attempts == 1
    assert job.leased_until is not None and job.leased_until > timezone.now()
    stored = Job.objects.get(pk=job.pk)
    assert (stored.status, stored.leased_by, stored.attempts) == ("running", "w1", 1)
    assert stored.leased_until == job.leased_until

    with CaptureQueriesContext(connection) as finishing:
        jobs.execute(job)
    writes = [q["sql"] for q in finishing.captured_queries if "core_job" in q["sql"]]
    assert len(writes) == 1 and writes[0].startswith("UPDATE"), writes
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
    assert [line.split()[0] for line in log.read_text().splitlines()] == ["start", "done"]


@pytest.mark.django_db
def test_an_expired_lease_is_still_reclaimed_before_due_jobs() -> None:
    due = _due()
    stale = _due()
    Job.objects.filter(pk=stale.pk).update(
        status=JobStatus.RUNNING,
        leased_by="dead",
        attempts=1,
        leased_until=timezone.now() - timedelta(seconds=5),
        run_at=timezone.now() - timedelta(seconds=1),
    )
    job = jobs.claim("w2")
    assert job is not None and job.pk == stale.pk and job.attempts == 2
    assert "dead" in job.last_error
    nxt = jobs.claim("w2")
    assert nxt is not None and nxt.pk == due.pk


@pytest.mark.django_db
def test_a_repeat_changed_while_the_job_ran_is_honoured() -> None:
    job = jobs.schedule(
        "test.record", unique_key="tick", every_seconds=600, payload={"path": "/dev/null"}
    )
    Job.objects.filter(pk=job.pk).update(run_at=timezone.now() - timedelta(seconds=1))
    claimed = jobs.claim("w3")
    assert claimed is not None and claimed.repeat_seconds == 600
    # schedule() shortens the interval while it runs: the completion re-reads it.
    jobs.schedule("test.record", unique_key="tick", every_seconds=60, payload={"path": "/dev/null"})
    before = timezone.now()
    jobs.execute(claimed)
    row = Job.objects.get(pk=job.pk)
    assert row.status == JobStatus.QUEUED and row.attempts == 0
    assert before + timedelta(seconds=55) < row.run_at < before + timedelta(seconds=120)
    # cancel() while running: it ends done and is not queued again.
    Job.objects.filter(pk=job.pk).update(run_at=timezone.now() - timedelta(seconds=1))
    claimed = jobs.claim("w3")
    assert claimed is not None
    jobs.cancel("tick")
    jobs.execute(claimed)
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE


@pytest.mark.django_db
def test_nothing_due_claims_nothing() -> None:
    jobs.enqueue("test.record", {"path": "/dev/null"}, run_at=timezone.now() + timedelta(hours=1))
    assert jobs.claim("w4") is None
    assert Job.objects.get().status == JobStatus.QUEUED
