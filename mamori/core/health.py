"""Health for load balancers and monitors: `/healthz` (the process answers) and the extra checks
`/readyz` reports after the database answers (mamori.core.dbcheck.readyz).

Neither needs authentication, so neither says anything sensitive: counts, ages in seconds and
migration names only — no host names, user names, organisation names or error text.

- unapplied migrations → not ready (503): a web process started with `serve --no-migrate`
  waits for `mamori migrate`;
- no worker seen within MAMORI_READY_WORKER_SECONDS, or the oldest due job waiting longer than
  that → "degraded" (still 200: the web pages work, but background jobs are not running).

A worker is "seen" when a job finished within the window or a running job holds a live lease;
the built-in schedules give an idle worker something to finish regularly.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

_migrations_lock = threading.Lock()
_migrations_applied = False  # once true it stays true for this process (its code is fixed)


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and answers; no database access."""
    from mamori.core.dbcheck import _json

    return _json({"status": "ok"}, 200)


def unapplied_migrations() -> list[str]:
    """Migrations this code has that the database has not applied (cached once none are left)."""
    global _migrations_applied
    if _migrations_applied:
        return []
    from mamori.core.migrate import pending_migrations

    with _migrations_lock:
        pending = pending_migrations(DEFAULT_DB_ALIAS)
        if not pending:
            _migrations_applied = True
    return pending


def _seconds_since(moment: datetime | None, now: datetime) -> int | None:
    if moment is None:
        return None
    return max(int((now - moment).total_seconds()), 0)


def worker_last_seen_seconds(now: datetime | None = None) -> int | None:
    """Seconds since a worker last showed it is alive (0 while one holds a live lease)."""
    from mamori.core.models import Job, JobStatus

    now = now or timezone.now()
    if Job.objects.filter(status=JobStatus.RUNNING, leased_until__gt=now).exists():
        return 0
    finished = Job.objects.filter(finished_at__isnull=False).aggregate(last=Max("finished_at"))
    return _seconds_since(finished["last"], now)


def oldest_due_job_lag_seconds(now: datetime | None = None, queue: str | None = None) -> int:
    """How long the oldest queued job (of one queue, or of any) whose run time has passed has
    been waiting (0: none)."""
    from mamori.core.models import QUEUE_ORDER, Job, JobStatus

    now = now or timezone.now()
    # One ordered probe of the claim index per queue, not a MIN over every queued row.
    firsts = [
        Job.objects.filter(status=JobStatus.QUEUED, queue=name, run_at__lte=now)
        .order_by("run_at")
        .values_list("run_at", flat=True)
        .first()
        for name in (QUEUE_ORDER if queue is None else (queue,))
    ]
    return _seconds_since(min((first for first in firsts if first), default=None), now) or 0


def readiness() -> tuple[int, dict[str, Any]]:
    """The status code and JSON body of /readyz once the database answered."""
    pending = unapplied_migrations()
    if pending:
        return 503, {
            "status": "migrating",
            "database": "ok",
            "migrations": {"unapplied": len(pending)},
        }
    now = timezone.now()
    window = int(settings.READY_WORKER_SECONDS)
    seen = worker_last_seen_seconds(now)
    lag = oldest_due_job_lag_seconds(now)
    worker_ok = seen is not None and seen <= window
    lag_ok = lag <= window
    return 200, {
        "status": "ok" if worker_ok and lag_ok else "degraded",
        "database": "ok",
        "migrations": {"unapplied": 0},
        "worker": {
            "status": "ok" if worker_ok else "not_seen",
            "last_seen_seconds": seen,
            "window_seconds": window,
        },
        "jobs": {"status": "ok" if lag_ok else "lagging", "oldest_due_lag_seconds": lag},
    }
