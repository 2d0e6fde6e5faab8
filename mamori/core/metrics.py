"""Prometheus `/metrics` (text exposition format 0.0.4), for the operator of the install.

Off unless MAMORI_METRICS_TOKEN is set (then 404, as if there were no such page); with it, the
scraper sends `Authorization: Bearer <token>`. Figures are install-wide counts and ages — no
organisation, user, host or URL appears in a label. Every figure is read from the database at
scrape time — request latencies from every web process's file in the data directory — so any
number of web processes answer the same.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Exposition:
    """Collects metric families and writes them in the text format."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(
        self,
        name: str,
        kind: str,
        help_text: str,
        samples: Iterable[tuple[dict[str, str], float | int | None]],
    ) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            if value is None:
                continue
            label_text = ",".join(f'{key}="{_escape(val)}"' for key, val in sorted(labels.items()))
            suffix = f"{{{label_text}}}" if label_text else ""
            self.lines.append(f"{name}{suffix} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _number(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def _age(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else max((now - moment).total_seconds(), 0.0)


def _job_metrics(out: Exposition, now: datetime) -> None:
    from mamori.core.health import oldest_due_job_lag_seconds, worker_last_seen_seconds
    from mamori.core.models import Job, JobStatus

    # One grouped count over the job table serves both the per-kind and the per-queue figures
    # (the table keeps history, so each scan grows with it).
    rows = list(Job.objects.values("kind", "queue", "status").annotate(n=Count("id")).order_by())
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["kind"], row["status"])
        counts[key] = counts.get(key, 0) + row["n"]
    kinds = sorted({kind for kind, _status in counts})
    out.family(
        "mamori_jobs",
        "gauge",
        "Job rows by kind and state (queued, running, done, failed).",
        (
            ({"kind": kind, "state": str(state)}, counts.get((kind, str(state)), 0))
            for kind in kinds
            for state in JobStatus
        ),
    )
    due = Job.objects.filter(status=JobStatus.QUEUED, run_at__lte=now)
    out.family(
        "mamori_jobs_due", "gauge", "Queued jobs whose run time has passed.", [({}, due.count())]
    )
    _queue_metrics(out, now, rows)
    out.family(
        "mamori_job_oldest_due_lag_seconds",
        "gauge",
        "How long the oldest due job has waited for a worker.",
        [({}, oldest_due_job_lag_seconds(now))],
    )
    retrying = (
        Job.objects.filter(status=JobStatus.QUEUED)
        .exclude(last_error="")
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    out.family(
        "mamori_jobs_retrying",
        "gauge",
        "Queued jobs waiting for another try after a failed one, by kind.",
        (({"kind": row["kind"]}, row["n"]) for row in retrying),
    )
    expired = Job.objects.filter(status=JobStatus.RUNNING, leased_until__lt=now).count()
    out.family(
        "mamori_jobs_lease_expired",
        "gauge",
        "Running jobs whose lease has expired (their worker stopped or stalled).",
        [({}, expired)],
    )
    out.family(
        "mamori_worker_last_seen_seconds",
        "gauge",
        "Seconds since a worker last finished a job or held a live lease (absent: never).",
        [({}, worker_last_seen_seconds(now))],
    )


def _queue_metrics(out: Exposition, now: datetime, rows: list[dict[str, Any]]) -> None:
    """The same by named queue (urgent, default, bulk): a backlog in bulk is expected at night,
    one in urgent means its worker is missing or overloaded."""
    from mamori.core.health import oldest_due_job_lag_seconds
    from mamori.core.models import QUEUE_ORDER, Job, JobStatus

    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["queue"], row["status"])
        counts[key] = counts.get(key, 0) + row["n"]
    out.family(
        "mamori_queue_jobs",
        "gauge",
        "Job rows by queue and state (queued, running, done, failed).",
        (
            ({"queue": queue, "state": str(state)}, counts.get((queue, str(state)), 0))
            for queue in QUEUE_ORDER
            for state in JobStatus
        ),
    )
    out.family(
        "mamori_queue_due",
        "gauge",
        "Queued jobs whose run time has passed, by queue.",
        (
            (
                {"queue": queue},
                Job.objects.filter(status=JobStatus.QUEUED, queue=queue, run_at__lte=now).count(),
            )
            for queue in QUEUE_ORDER
        ),
    )
    out.family(
        "mamori_queue_oldest_due_lag_seconds",
        "gauge",
        "How long the oldest due job of each queue has waited for a worker.",
        (({"queue": queue}, oldest_due_job_lag_seconds(now, queue)) for queue in QUEUE_ORDER),
    )


def _intel_metrics(out: Exposition, now: datetime) -> None:
    from mamori.intel.models import Feed, SyncState

    states = list(SyncState.objects.order_by("source").values("source", "last_success_at"))
    out.family(
        "mamori_advisory_sync_age_seconds",
        "gauge",
        "Seconds since each advisory source (nvd, jvn, kev) was last synced successfully.",
        (({"source": row["source"]}, _age(row["last_success_at"], now)) for row in states),
    )
    out.family(
        "mamori_advisory_sync_failing",
        "gauge",
        "1 when the last sync of the advisory source failed.",
        (
            ({"source": row["source"]}, int(bool(row["last_error"])))
            for row in SyncState.objects.order_by("source").values("source", "last_error")
        ),
    )
    enabled = Feed.objects.filter(enabled=True)
    figures = enabled.aggregate(
        total=Count("id"),
        failing=Count("id", filter=Q(error_count__gt=0)),
        never=Count("id", filter=Q(last_success_at__isnull=True)),
        due=Count("id", filter=Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now)),
        oldest=Min("last_success_at"),
    )
    out.family("mamori_feeds", "gauge", "News feeds switched on.", [({}, figures["total"])])
    out.family(
        "mamori_feeds_failing",
        "gauge",
        "Feeds whose last fetch failed.",
        [({}, figures["failing"])],
    )
    out.family(
        "mamori_feeds_due",
        "gauge",
        "Feeds whose next fetch time has passed.",
        [({}, figures["due"])],
    )
    out.family(
        "mamori_feeds_never_synced",
        "gauge",
        "Feeds switched on that never fetched successfully.",
        [({}, figures["never"])],
    )
    out.family(
        "mamori_feed_sync_oldest_age_seconds",
        "gauge",
        "Seconds since the least recently synced feed last fetched successfully.",
        [({}, _age(figures["oldest"], now))],
    )


def _mail_metrics(out: Exposition) -> None:
    from mamori.mailcheck.models import CheckedMail

    rows = CheckedMail.objects.values("verdict", "source").annotate(n=Count("id"))
    rows = rows.order_by("verdict", "source")
    out.family(
        "mamori_mails_checked_total",
        "counter",
        "Mails checked (still on record), by verdict and how they arrived.",
        (({"verdict": row["verdict"], "source": row["source"]}, row["n"]) for row in rows),
    )


def _monitor_metrics(out: Exposition, now: datetime) -> None:
    from mamori.monitoring.models import WatchedPage

    pages = WatchedPage.objects.filter(enabled=True).values_list(
        "interval_minutes", "last_checked_at", "state"
    )
    total = due = 0
    by_state: dict[str, int] = {}
    for interval, checked, state in pages.iterator():
        total += 1
        by_state[state] = by_state.get(state, 0) + 1
        if checked is None or (now - checked).total_seconds() >= interval * 60:
            due += 1
    out.family("mamori_monitors", "gauge", "Watched pages switched on.", [({}, total)])
    out.family(
        "mamori_monitors_due",
        "gauge",
        "Watched pages whose check interval has passed since their last check.",
        [({}, due)],
    )
    out.family(
        "mamori_monitors_by_state",
        "gauge",
        "Watched pages switched on, by state.",
        (({"state": state}, n) for state, n in sorted(by_state.items())),
    )


def _rule_metrics(out: Exposition) -> None:
    from django.db.models import F, Sum

    from mamori.findings.models import RuleCorrection

    changed = F("opened") + F("reopened") + F("resolved")
    total = RuleCorrection.objects.aggregate(n=Sum(changed))["n"]
    out.family(
        "mamori_rule_corrections_total",
        "counter",
        "Findings the nightly full rule run had to change although no date had passed: changes "
        "the incremental runs after saves missed (should stay 0).",
        [({}, int(total or 0))],
    )


def _latency_metrics(out: Exposition) -> None:
    """Request durations per route, added up over every web process (core/latency.py)."""
    from mamori.core.latency import BUCKETS, merged

    name = "mamori_http_request_duration_seconds"
    out.lines.append(f"# HELP {name} Time to answer a request, per route name.")
    out.lines.append(f"# TYPE {name} histogram")
    for route, entry in sorted(merged().items()):
        cumulative = 0
        for bound, count in zip(BUCKETS, entry["buckets"], strict=True):
            cumulative += count
            out.lines.append(
                f'{name}_bucket{{le="{_number(bound)}",route="{_escape(route)}"}} {cumulative}'
            )
        out.lines.append(f'{name}_bucket{{le="+Inf",route="{_escape(route)}"}} {entry["count"]}')
        out.lines.append(f'{name}_sum{{route="{_escape(route)}"}} {_number(entry["sum"])}')
        out.lines.append(f'{name}_count{{route="{_escape(route)}"}} {entry["count"]}')


def exposition(now: datetime | None = None) -> str:
    now = now or timezone.now()
    out = Exposition()
    _job_metrics(out, now)
    _intel_metrics(out, now)
    _mail_metrics(out)
    _monitor_metrics(out, now)
    _rule_metrics(out)
    _latency_metrics(out)
    return out.text()


def _authorised(request: HttpRequest, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _space, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    token = str(getattr(settings, "METRICS_TOKEN", "") or "")
    if not token:
        raise Http404
    if not _authorised(request, token):
        response = HttpResponse("unauthorised\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="mamori metrics"'
        return response
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
