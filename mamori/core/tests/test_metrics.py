"""Prometheus /metrics through the Django test client: off without a token, bearer-only, and the
figures an operator alerts on, with no organisation, user or URL in them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from mamori.core.models import Job, JobStatus
from mamori.intel.models import Feed, SyncState
from mamori.mailcheck.models import CheckedMail
from mamori.monitoring.models import WatchedPage

TOKEN = "scrape-token-for-tests"  # noqa: S105 - test fixture
SAMPLE = re.compile(r'^([a-z_]+)(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (-?[0-9.e+]+)$')


def _scrape(token: str | None = TOKEN) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return Client().get("/metrics", headers=headers)


def _samples(text: str) -> dict[str, float]:
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("# "):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
            continue
        match = SAMPLE.match(line)
        assert match, line
        key = line.rsplit(" ", 1)[0]
        samples[key] = float(match.group(4))
    return samples


@pytest.mark.django_db
def test_without_a_token_setting_there_is_no_metrics_page() -> None:
    with override_settings(METRICS_TOKEN=""):
        assert _scrape().status_code == 404
        assert _scrape(None).status_code == 404


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_need_the_bearer_token() -> None:
    assert _scrape(None).status_code == 401
    assert _scrape("wrong").status_code == 401
    assert Client().get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    response = _scrape()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert (
        Client().post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 405
    )


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_report_jobs_feeds_sync_mail_and_monitors(org: Any) -> None:
    now = timezone.now()
    Job.objects.create(kind="fetch_feed", run_at=now - timedelta(minutes=10))
    Job.objects.create(kind="fetch_feed", run_at=now + timedelta(hours=1))
    Job.objects.create(
        kind="sync_nvd", status=JobStatus.FAILED, last_error="TimeoutError: x", finished_at=now
    )
    Job.objects.create(kind="sync_nvd", last_error="ConnectError: y", run_at=now + timedelta(1))
    Job.objects.create(
        kind="check_page",
        status=JobStatus.RUNNING,
        leased_by="node-a:1",
        leased_until=now - timedelta(minutes=1),
    )
    SyncState.objects.create(source="nvd", last_success_at=now - timedelta(hours=3))
    SyncState.objects.create(source="kev", last_error="HTTP 503")
    Feed.objects.create(
        organization=org,
        name="社内向けニュース",
        url="https://news.example.jp/feed",
        last_success_at=now - timedelta(hours=2),
        next_fetch_at=now - timedelta(minutes=1),
    )
    Feed.objects.create(
        organization=org,
        name="b",
        url="https://b.example.jp/feed",
        error_count=2,
        next_fetch_at=now + timedelta(hours=1),
    )
    Feed.objects.create(organization=org, name="off", url="https://c.example.jp/", enabled=False)
    for verdict in ("danger", "danger", "safe"):
        CheckedMail.objects.create(
            organization=org, source="upload", sha256="0" * 64, verdict=verdict
        )
    WatchedPage.objects.create(organization=org, url="https://www.example.jp/")  # never checked
    WatchedPage.objects.create(
        organization=org,
        url="https://shop.example.jp/",
        interval_minutes=60,
        last_checked_at=now - timedelta(minutes=5),
        state="ok",
    )
    WatchedPage.objects.create(
        organization=org,
        url="https://old.example.jp/",
        interval_minutes=30,
        last_checked_at=now - timedelta(hours=1),
        state="changed",
    )

    response = _scrape()
    text = response.content.decode()
    samples = _samples(text)

    assert samples['mamori_jobs{kind="fetch_feed",state="queued"}'] == 2
    assert samples['mamori_jobs{kind="fetch_feed",state="failed"}'] == 0
    assert samples['mamori_jobs{kind="sync_nvd",state="failed"}'] == 1
    assert samples["mamori_jobs_due"] == 1
    assert 600 <= samples["mamori_job_oldest_due_lag_seconds"] < 900
    assert samples['mamori_jobs_retrying{kind="sync_nvd"}'] == 1
    assert samples["mamori_jobs_lease_expired"] == 1
    assert samples["mamori_worker_last_seen_seconds"] < 300
    assert 3 * 3600 <= samples['mamori_advisory_sync_age_seconds{source="nvd"}'] < 4 * 3600
    assert 'mamori_advisory_sync_age_seconds{source="kev"}' not in samples  # never synced
    assert samples['mamori_advisory_sync_failing{source="kev"}'] == 1
    assert samples['mamori_advisory_sync_failing{source="nvd"}'] == 0
    assert samples["mamori_feeds"] == 2
    assert samples["mamori_feeds_failing"] == 1
    assert samples["mamori_feeds_due"] == 1
    assert samples["mamori_feeds_never_synced"] == 1
    assert 2 * 3600 <= samples["mamori_feed_sync_oldest_age_seconds"] < 3 * 3600
    assert samples['mamori_mails_checked_total{source="upload",verdict="danger"}'] == 2
    assert samples['mamori_mails_checked_total{source="upload",verdict="safe"}'] == 1
    assert samples["mamori_monitors"] == 3
    assert samples["mamori_monitors_due"] == 2
    assert samples['mamori_monitors_by_state{state="changed"}'] == 1

    # The slug ("org" in the fixture) is part of route names such as "orgs:members": it must
    # not appear as a label value or in a path.
    assert f'"{org.slug}"' not in text and f"/o/{org.slug}" not in text
    for private in (
        org.name,
        "example.jp",
        "社内向け",
        "node-a",
        "TimeoutError",
        "HTTP 503",
    ):
        assert private not in text, private


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_report_jobs_by_queue() -> None:
    now = timezone.now()
    Job.objects.create(kind="notify.deliver", queue="urgent", run_at=now - timedelta(minutes=3))
    Job.objects.create(kind="sync_nvd", queue="bulk", run_at=now - timedelta(minutes=40))
    Job.objects.create(kind="sync_nvd", queue="bulk", run_at=now - timedelta(minutes=1))
    Job.objects.create(kind="sync_jvn", queue="bulk", run_at=now + timedelta(hours=1))
    Job.objects.create(kind="check_page", status=JobStatus.FAILED, finished_at=now)

    samples = _samples(_scrape().content.decode())

    assert samples['mamori_queue_jobs{queue="urgent",state="queued"}'] == 1
    assert samples['mamori_queue_jobs{queue="bulk",state="queued"}'] == 3
    assert samples['mamori_queue_jobs{queue="default",state="failed"}'] == 1
    assert samples['mamori_queue_jobs{queue="default",state="queued"}'] == 0
    assert samples['mamori_queue_due{queue="urgent"}'] == 1
    assert samples['mamori_queue_due{queue="bulk"}'] == 2
    assert samples['mamori_queue_due{queue="default"}'] == 0
    assert 180 <= samples['mamori_queue_oldest_due_lag_seconds{queue="urgent"}'] < 600
    assert 2400 <= samples['mamori_queue_oldest_due_lag_seconds{queue="bulk"}'] < 3000
    assert samples['mamori_queue_oldest_due_lag_seconds{queue="default"}'] == 0
    # The totals over every queue are unchanged: the oldest due job is the bulk one.
    assert samples["mamori_jobs_due"] == 3
    assert 2400 <= samples["mamori_job_oldest_due_lag_seconds"] < 3000
