"""Issue 8's "done when": a watched page that gains <script src="https://evil.example/x.js">
raises a 危険 finding within one interval, and a message arrives at the configured webhook and in
the owner's mailbox (a local page server, a local webhook receiver and an aiosmtpd mailbox)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from mamori.core import jobs
from mamori.core.models import Job
from mamori.findings.models import Finding, Status
from mamori.monitoring.models import PageState, WatchedPage
from mamori.monitoring.services import save_page
from mamori.notify.models import Channel, ChannelKind, DeliveryStatus, Notification

from .servers import SAFE_HEADERS, page_server, smtp_mailbox, webhook_receiver

HOME = "<html><body><h1>テスト商店</h1><p>営業時間 9:00-18:00</p></body></html>"
DEFACED = (
    '<html><head><script src="https://evil.example/x.js"></script></head>'
    "<body><h1>テスト商店</h1><p>営業時間 9:00-18:00</p></body></html>"
)


def run_due_jobs(capture: Any) -> int:
    """Run every due job as a worker would, firing after-commit hooks as they happen."""
    jobs.load_handlers()
    ran = 0
    while True:
        with capture(execute=True):
            worked = jobs.run_one("test-worker")
        if not worked:
            return ran
        ran += 1


@pytest.mark.django_db
def test_injected_script_alerts_webhook_and_owner_mailbox(
    org: Any, members: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with (
        page_server() as (base, pages),
        webhook_receiver() as (hook_port, received),
        smtp_mailbox() as (smtp_port, mailbox),
        override_settings(OUTBOUND_ALLOW_NETWORKS=["127.0.0.0/8"]),
    ):
        pages.set("/", HOME, headers=SAFE_HEADERS)
        Channel.objects.create(
            organization=org,
            name="Webhook",
            kind=ChannelKind.CHAT,
            apprise_url=f"json://127.0.0.1:{hook_port}/hook",
            min_severity="high",
        )
        Channel.objects.create(
            organization=org,
            name="Mail",
            kind=ChannelKind.EMAIL,
            use_server_mail=False,
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            smtp_starttls=False,
            min_severity="high",
            from_email="mamori@example.jp",
        )
        page = save_page(None, org, WatchedPage(url=base + "/", interval_minutes=5))

        # First interval: the baseline.
        assert run_due_jobs(django_capture_on_commit_callbacks) >= 1
        page.refresh_from_db()
        assert page.state == PageState.OK and page.baseline is not None
        assert received.bodies == [] and mailbox.messages == []

        # The page is defaced; the next interval comes round.
        pages.set("/", DEFACED, headers=SAFE_HEADERS)
        job = Job.objects.get(unique_key=page.job_key)
        assert job.repeat_seconds == 5 * 60
        Job.objects.filter(pk=job.pk).update(run_at=timezone.now())
        run_due_jobs(django_capture_on_commit_callbacks)

        page.refresh_from_db()
        assert page.state == PageState.DANGER
        finding = Finding.objects.get(organization=org, kind="monitoring.defacement")
        assert finding.severity == "critical" and finding.status == Status.OPEN
        assert "evil.example" in finding.params["changes"]

        assert len(received.bodies) == 1
        payload = json.loads(received.bodies[0])
        assert "evil.example" in payload["message"]
        assert "ホームページ" in payload["title"]

        owner_email = members["owner"].email
        assert any(owner_email in rcpts for rcpts in mailbox.recipients)
        mail = mailbox.messages[0]
        assert "危険" in mail["Subject"] or "緊急" in mail["Subject"]
        assert "evil.example" in mail.get_content()
        statuses = set(Notification.objects.values_list("status", flat=True))
        assert statuses == {DeliveryStatus.SENT}
