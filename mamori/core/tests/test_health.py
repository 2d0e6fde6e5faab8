"""/healthz and /readyz through the Django test client: no sign-in, JSON, nothing sensitive."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone

from mamori.core import health
from mamori.core.models import Job, JobStatus


@pytest.fixture
def fresh_migration_cache() -> Iterator[None]:
    health._migrations_applied = False
    yield
    health._migrations_applied = False


def _get(path: str) -> tuple[int, dict[str, Any]]:
    response = Client().get(path)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.status_code, json.loads(response.content)


def test_healthz_answers_without_the_database() -> None:
    # No django_db mark: any database access here would raise.
    status, body = _get("/healthz")
    assert (status, body) == (200, {"status": "ok"})
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_with_a_recent_worker_and_no_lag_is_ok(fresh_migration_cache: None) -> None:
    now = timezone.now()
    Job.objects.create(
        kind="prune_history", status=JobStatus.DONE, finished_at=now - timedelta(seconds=30)
    )
    Job.objects.create(kind="later", run_at=now + timedelta(hours=1))
    status, body = _get("/readyz")
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["migrations"] == {"unapplied": 0}
    assert body["worker"]["status"] == "ok"
    assert 30 <= body["worker"]["last_seen_seconds"] <= 600
    assert body["jobs"] == {"status": "ok", "oldest_due_lag_seconds": 0}


@pytest.mark.django_db
def test_readyz_a_running_job_with_a_live_lease_counts_as_a_worker(
    fresh_migration_cache: None,
) -> None:
    Job.objects.create(
        kind="sync_nvd",
        status=JobStatus.RUNNING,
        leased_by="host:1",
        leased_until=timezone.now() + timedelta(minutes=5),
    )
    status, body = _get("/readyz")
    assert status == 200 and body["worker"]["last_seen_seconds"] == 0


@pytest.mark.django_db
def test_readyz_without_a_worker_and_with_lag_is_degraded_but_serving(
    fresh_migration_cache: None,
) -> None:
    now = timezone.now()
    Job.objects.create(kind="old", status=JobStatus.DONE, finished_at=now - timedelta(hours=2))
    Job.objects.create(kind="waiting", run_at=now - timedelta(minutes=20))
    Job.objects.create(kind="waiting", run_at=now - timedelta(minutes=5))
    status, body = _get("/readyz")
    assert status == 200
    assert body["status"] == "degraded"
    assert body["worker"]["status"] == "not_seen"
    assert body["worker"]["last_seen_seconds"] >= 7200
    assert body["jobs"]["status"] == "lagging"
    assert 1200 <= body["jobs"]["oldest_due_lag_seconds"] < 1800


@pytest.mark.django_db
def test_readyz_on_an_empty_queue_has_not_seen_a_worker(fresh_migration_cache: None) -> None:
    status, body = _get("/readyz")
    assert status == 200 and body["status"] == "degraded"
    assert body["worker"]["last_seen_seconds"] is None


@pytest.mark.django_db
def test_readyz_is_not_ready_while_a_migration_is_unapplied(fresh_migration_cache: None) -> None:
    recorder = MigrationRecorder.Migration.objects
    newest = recorder.filter(app="core").order_by("-id").first()
    assert newest is not None
    newest.delete()
    status, body = _get("/readyz")
    assert status == 503
    assert body == {"status": "migrating", "database": "ok", "migrations": {"unapplied": 1}}

    recorder.create(app="core", name=newest.name)
    status, body = _get("/readyz")
    assert status == 200 and body["migrations"] == {"unapplied": 0}


@pytest.mark.django_db
def test_readyz_says_nothing_sensitive(fresh_migration_cache: None) -> None:
    Job.objects.create(
        kind="sync_nvd",
        status=JobStatus.FAILED,
        leased_by="secret-host.internal:42",
        last_error="OperationalError: password authentication failed for user mamori",
        organization_id=7,
    )
    text = Client().get("/readyz").content.decode()
    for word in ("secret-host", "password", "mamori", "sync_nvd", "OperationalError"):
        assert word not in text, word
