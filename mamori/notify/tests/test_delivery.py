"""Notifications end to end: alerts for critical findings, retries after a failed delivery, a
broken channel not blocking the others, quiet hours, opt-outs, no secrets in any message."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from mamori.audit.models import AuditEvent
from mamori.core import jobs
from mamori.core.models import Job, JobStatus
from mamori.findings.rules import FindingSpec
from mamori.findings.services import sync
from mamori.monitoring.tests.servers import free_port, smtp_mailbox, webhook_receiver
from mamori.notify import services
from mamori.notify.models import (
    Channel,
    ChannelKind,
    DeliveryStatus,
    Notification,
    Preference,
)

LOOPBACK = ["127.0.0.0/8"]
SECRET_TOKEN = "s3cr3t-T0ken-abcdef"  # noqa: S105 - test value
SMTP_PASSWORD = "pw-Very-Secret-42"  # noqa: S105 - test value


def run_all(capture: Any) -> int:
    jobs.load_handlers()
    ran = 0
    while True:
        with capture(execute=True):
            worked = jobs.run_one("t")
        if not worked:
            return ran
        ran += 1


def open_finding(org: Any, capture: Any, *, kind: str, severity: str, key: str = "k1") -> None:
    with capture(execute=True):
        sync(
            org,
            kind,
            [
                FindingSpec(
                    key=f"{kind}:{key}",
                    subject="www.example.jp",
                    params={
                        "page": "p",
                        "changes": "c",
                        "error": "e",
                        "host": "h",
                        "expires_on": "x",
                        "days_left": 1,
                        "missing": "m",
                    },
                )
            ],
            default_severity=severity,
            complete=False,
        )


def hook_channel(org: Any, port: int, **fields: Any) -> Channel:
    return Channel.objects.create(
        organization=org,
        name=f"hook {port}",
        kind=ChannelKind.CHAT,
        apprise_url=f"json://127.0.0.1:{port}/hook/{SECRET_TOKEN}",
        **fields,
    )


def mail_channel(org: Any, port: int, **fields: Any) -> Channel:
    defaults = {
        "name": "mail",
        "kind": ChannelKind.EMAIL,
        "use_server_mail": False,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_starttls": False,
        "smtp_username": "",
        "from_email": "mamori@example.jp",
    }
    defaults.update(fields)
    return Channel.objects.create(organization=org, **defaults)


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=LOOPBACK)
def test_failed_webhook_is_retried_with_backoff_and_then_delivered(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with webhook_receiver() as (port, received):
        received.fail_next = 1
        channel = hook_channel(org, port)
        open_finding(
            org,
            django_capture_on_commit_callbacks,
            kind="monitoring.defacement",
            severity="critical",
        )
        run_all(django_capture_on_commit_callbacks)
        notification = Notification.objects.get()
        assert notification.status == DeliveryStatus.RETRYING
        assert notification.attempts == 1
        channel.refresh_from_db()
        assert channel.is_broken and channel.last_error
        job = Job.objects.get(kind=services.DELIVER_JOB)
        assert job.status == JobStatus.QUEUED and job.run_at > timezone.now()
        assert received.bodies == []

        Job.objects.filter(pk=job.pk).update(run_at=timezone.now())
        run_all(django_capture_on_commit_callbacks)
        notification.refresh_from_db()
        channel.refresh_from_db()
        assert notification.status == DeliveryStatus.SENT and notification.attempts == 2
        assert not channel.is_broken
        assert len(received.bodies) == 1


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=LOOPBACK)
def test_a_broken_channel_does_not_block_the_others(
    org: Any, members: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with smtp_mailbox() as (smtp_port, mailbox):
        hook_channel(org, free_port())  # nothing listens there
        mail_channel(org, smtp_port, smtp_password=SMTP_PASSWORD)
        open_finding(
            org, django_capture_on_commit_callbacks, kind="inventory.leaver_access", severity="high"
        )
        run_all(django_capture_on_commit_callbacks)
        by_kind = {n.channel.kind: n for n in Notification.objects.select_related("channel")}
        assert by_kind[ChannelKind.EMAIL].status == DeliveryStatus.SENT
        assert by_kind[ChannelKind.CHAT].status == DeliveryStatus.RETRYING
        assert len(mailbox.messages) == 1
        assert set(mailbox.recipients[0]) == {
            members[role].email for role in ("owner", "editor", "viewer")
        }


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=LOOPBACK)
def test_messages_and_audit_never_carry_channel_secrets(
    org: Any, members: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import RequestFactory

    with webhook_receiver() as (port, received):
        channel = Channel(
            name="hook",
            kind=ChannelKind.CHAT,
            apprise_url=f"json://127.0.0.1:{port}/hook/{SECRET_TOKEN}",
            smtp_password=SMTP_PASSWORD,
        )
        request = RequestFactory().post("/")
        request.user = members["owner"]
        services.save_channel(request, org, channel)
        open_finding(
            org,
            django_capture_on_commit_callbacks,
            kind="monitoring.defacement",
            severity="critical",
        )
        run_all(django_capture_on_commit_callbacks)
        assert len(received.bodies) == 1
        texts = [received.bodies[0].decode()]
        texts += [
            f"{n.subject} {n.body} {n.recipients} {n.last_error}"
            for n in Notification.objects.all()
        ]
        texts += [
            json.dumps(e.changes, ensure_ascii=False) + e.object_repr
            for e in AuditEvent.objects.all()
        ]
        for text in texts:
            assert SECRET_TOKEN not in text and SMTP_PASSWORD not in text
        payload = json.loads(received.bodies[0])
        assert "/findings/" in payload["message"]
        assert "invitation" not in payload["message"]


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=LOOPBACK)
def test_quiet_hours_hold_alerts_until_they_end_but_let_critical_through(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    zone = ZoneInfo(org.time_zone)
    local_now = timezone.now().astimezone(zone)
    start = (local_now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local_now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    with webhook_receiver() as (port, received):
        hook_channel(org, port, quiet_start=start, quiet_end=end, min_severity="medium")
        open_finding(
            org, django_capture_on_commit_callbacks, kind="inventory.leaver_access", severity="high"
        )
        run_all(django_capture_on_commit_callbacks)
        held = Notification.objects.get()
        assert held.status == DeliveryStatus.HELD
        assert received.bodies == []
        waiting = Job.objects.get(kind=services.DELIVER_JOB, status=JobStatus.QUEUED)
        expected_end = datetime.combine(local_now.date(), end, tzinfo=zone)
        if expected_end <= local_now:
            expected_end += timedelta(days=1)
        assert waiting.run_at == expected_end

        open_finding(
            org,
            django_capture_on_commit_callbacks,
            kind="monitoring.defacement",
            severity="critical",
            key="k2",
        )
        run_all(django_capture_on_commit_callbacks)
        assert len(received.bodies) == 1
        assert "ホームページ" in json.loads(received.bodies[0])["title"]

        # When the quiet hours are over, the held alert goes out.
        Job.objects.filter(pk=waiting.pk).update(run_at=timezone.now())
        with override_settings():
            from mamori.notify.models import Channel as ChannelModel

            ChannelModel.objects.update(quiet_start=None, quiet_end=None)
            run_all(django_capture_on_commit_callbacks)
        held.refresh_from_db()
        assert held.status == DeliveryStatus.SENT
        assert len(received.bodies) == 2


def test_quiet_window_over_midnight() -> None:
    from mamori.orgs.models import Organization

    channel = Channel(quiet_start=time(22, 0), quiet_end=time(7, 0))
    channel.organization = Organization(time_zone="Asia/Tokyo")
    tokyo = ZoneInfo("Asia/Tokyo")
    at_23 = datetime(2026, 1, 5, 23, 30, tzinfo=tokyo)
    assert services.quiet_until(channel, at_23) == datetime(2026, 1, 6, 7, 0, tzinfo=tokyo)
    at_3 = datetime(2026, 1, 6, 3, 0, tzinfo=tokyo)
    assert services.quiet_until(channel, at_3) == datetime(2026, 1, 6, 7, 0, tzinfo=tokyo)
    assert services.quiet_until(channel, datetime(2026, 1, 6, 12, 0, tzinfo=tokyo)) is None


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=LOOPBACK)
def test_opt_out_and_minimum_severity(
    org: Any, members: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with smtp_mailbox() as (smtp_port, mailbox):
        mail_channel(org, smtp_port, min_severity="critical")
        Preference.objects.create(organization=org, user=members["viewer"], alerts=False)
        # High is below this channel's minimum; a low finding is no critical event at all.
        open_finding(
            org, django_capture_on_commit_callbacks, kind="inventory.leaver_access", severity="high"
        )
        open_finding(
            org,
            django_capture_on_commit_callbacks,
            kind="monitoring.page_changed",
            severity="low",
            key="k3",
        )
        run_all(django_capture_on_commit_callbacks)
        assert Notification.objects.count() == 0
        open_finding(
            org,
            django_capture_on_commit_callbacks,
            kind="mailcheck.dangerous_mail",
            severity="critical",
            key="k4",
        )
        run_all(django_capture_on_commit_callbacks)
        assert len(mailbox.messages) == 1
        assert members["viewer"].email not in mailbox.recipients[0]
        assert members["owner"].email in mailbox.recipients[0]


@pytest.mark.django_db
def test_refused_destinations_and_services(org: Any) -> None:
    from mamori.notify.delivery import DeliveryError, chat_plugin, send_chat

    with (
        override_settings(OUTBOUND_ALLOW_NETWORKS=[]),
        pytest.raises(DeliveryError, match="refused"),
    ):
        send_chat("json://127.0.0.1:9/hook", "t", "b")
    with (
        override_settings(OUTBOUND_ALLOW_NETWORKS=[]),
        pytest.raises(DeliveryError, match="refused"),
    ):
        send_chat("json://169.254.169.254/latest", "t", "b")
    for url in ("windows://", "mailto://user:pw@example.jp", "not a url", ""):
        with pytest.raises(DeliveryError):
            chat_plugin(url)


@pytest.mark.django_db
def test_digest_lists_new_findings_and_due_actions(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from mamori.accounts.services import profile_of
    from mamori.orgs.models import Membership

    channel = Channel.objects.create(
        organization=org,
        name="digest",
        kind=ChannelKind.EMAIL,
        digest="daily",
        extra_recipients="it-team@example.jp",
    )
    owner = Membership.objects.get(organization=org).user
    profile = profile_of(owner)
    profile.language = "en"
    profile.save()
    open_finding(
        org, django_capture_on_commit_callbacks, kind="monitoring.page_changed", severity="low"
    )
    Channel.objects.filter(pk=channel.pk).update(
        next_digest_at=timezone.now() - timedelta(minutes=1)
    )
    assert services.send_due_digests() == 1
    # One mail per language, each in one language only.
    japanese = Notification.objects.get(kind="digest", recipients="it-team@example.jp")
    english = Notification.objects.get(kind="digest", recipients=owner.email)
    assert "ホームページの表示内容が変わりました" in japanese.body
    assert "The text of a watched page has changed" not in japanese.body
    assert "The text of a watched page has changed" in english.body
    assert "ホームページ" not in english.body and "まとめ" not in english.subject
    channel.refresh_from_db()
    assert channel.next_digest_at > timezone.now()
    assert services.send_due_digests() == 0


def test_which_findings_are_critical_events() -> None:
    from mamori.findings.models import Finding

    def finding(kind: str, severity: str, **params: Any) -> Finding:
        return Finding(kind=kind, severity=severity, params=params)

    assert services.is_immediate(finding("intel.vulnerable_software", "high", kev_listed=True))
    assert not services.is_immediate(finding("intel.vulnerable_software", "high", kev_listed=False))
    assert services.is_immediate(finding("inventory.leaver_access", "high"))
    assert services.is_immediate(finding("mailcheck.dangerous_mail", "medium"))
    assert services.is_immediate(finding("monitoring.defacement", "critical"))
    assert services.is_immediate(finding("inventory.old_link_share", "critical"))
    assert not services.is_immediate(finding("monitoring.page_changed", "low"))
    assert not services.is_immediate(finding("monitoring.security_headers", "high"))


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=LOOPBACK)
def test_webhook_redirects_are_not_followed() -> None:
    from http.server import BaseHTTPRequestHandler

    from mamori.monitoring.tests.servers import serve
    from mamori.notify.delivery import DeliveryError, send_chat

    with webhook_receiver() as (target_port, received):

        class Redirect(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                self.send_response(307)
                self.send_header("Location", f"http://127.0.0.1:{target_port}/internal")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        with serve(Redirect) as port, pytest.raises(DeliveryError):
            send_chat(f"json://127.0.0.1:{port}/hook", "t", "b")
        assert received.bodies == []


@pytest.mark.django_db
def test_many_critical_findings_at_once_make_one_message(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    channel = Channel.objects.create(organization=org, name="m", kind=ChannelKind.EMAIL)
    specs = [FindingSpec(key=f"leaver:{n}", subject=f"退職者 {n}", params={}) for n in range(12)]
    with django_capture_on_commit_callbacks(execute=True):
        sync(org, "inventory.leaver_access", specs, default_severity="high")
    [notification] = Notification.objects.filter(channel=channel)
    assert "12" in notification.subject
    assert all(f"退職者 {n}" in notification.body for n in range(12))
    with django_capture_on_commit_callbacks(execute=True):
        sync(org, "inventory.leaver_access", specs[:3], default_severity="high", complete=False)
    assert Notification.objects.filter(channel=channel).count() == 1  # nothing newly opened


@pytest.mark.django_db
def test_alert_mail_per_member_language(
    org: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """An alert goes as one mail per language: each member reads only their own."""
    from mamori.accounts.services import profile_of
    from mamori.orgs.models import Membership, Role

    english = make_user("en-member@example.jp", name="Alex")
    Membership.objects.create(organization=org, user=english, role=Role.EDITOR)
    profile = profile_of(english)
    profile.language = "en"
    profile.save()
    Channel.objects.create(organization=org, name="mail", kind=ChannelKind.EMAIL)
    open_finding(
        org, django_capture_on_commit_callbacks, kind="inventory.leaver_access", severity="critical"
    )
    alerts = list(Notification.objects.filter(kind="alert"))
    assert len(alerts) == 2
    by_recipient = {n.recipients: n for n in alerts}
    en = by_recipient["en-member@example.jp"]
    ja = by_recipient["owner@example.jp"]
    assert " / " not in en.subject and " / " not in ja.subject
    assert "退職者" not in en.body and "Someone who has left still has access" in en.body
    assert "退職者のアカウントが残っています" in ja.body and "Someone who has left" not in ja.body
