"""The organisation's report mailbox over a real IMAP exchange with a server started by the test,
run through the recurring job that the settings page schedules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail as django_mail
from django.test.utils import override_settings
from django.utils import timezone

from mamori.core import jobs
from mamori.core.models import Job
from mamori.mailcheck import mailbox, services
from mamori.mailcheck.models import CheckedMail, MailCheckSettings, Source
from mamori.orgs.models import Membership, Role

from .builders import rfc822_attachment
from .imap_server import ImapTestServer, Mailbox
from .labelled import bec_payee_change_eucjp, macro_docm_emotet_style

pytestmark = pytest.mark.django_db

REPORT_BOX = "report@our-office.co.jp"
PASSWORD = "imap-Pass-9876"  # noqa: S105 - test fixture


@pytest.fixture
def staff(org: Any, make_user: Any) -> Any:
    user = make_user("suzuki@our-office.co.jp", name="鈴木 一郎")
    Membership.objects.create(organization=org, user=user, role=Role.VIEWER)
    return user


def _configure(org: Any, port: int, password: str = PASSWORD) -> None:
    services.update_settings(
        None,
        org,
        {
            "imap_enabled": True,
            "imap_host": "127.0.0.1",
            "imap_port": port,
            "imap_use_ssl": False,
            "imap_username": REPORT_BOX,
            "imap_folder": "INBOX",
        },
        new_password=password,
    )


@override_settings(
    OUTBOUND_ALLOW_NETWORKS=["127.0.0.0/8"], MAIL_TRUSTED_AUTHSERV_IDS=["mx.our-office.co.jp"]
)
def test_job_polls_the_mailbox_replies_to_members_and_stores_the_checks(
    org: Any, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    box = Mailbox(REPORT_BOX, PASSWORD)
    # The mailbox's server checked the member's DKIM signature and recorded it.
    verified = (
        b"Authentication-Results: mx.our-office.co.jp; dkim=pass header.d=our-office.co.jp\r\n"
    )
    box.add(
        verified
        + rfc822_attachment(("鈴木 一郎", staff.email), "Fwd: 至急", bec_payee_change_eucjp())
    )
    box.add(rfc822_attachment(("他人", "x@elsewhere.example"), "Fwd: x", macro_docm_emotet_style()))
    django_mail.outbox.clear()
    with ImapTestServer(box) as port:
        with django_capture_on_commit_callbacks(execute=True):
            _configure(org, port)
        job = Job.objects.get(unique_key=services.poll_job_key(org.pk))
        assert job.repeat_seconds >= 60 and job.organization_id == org.pk
        Job.objects.filter(pk=job.pk).update(run_at=timezone.now() - timedelta(seconds=1))
        jobs.load_handlers()
        assert jobs.run_one("test-worker")
    job.refresh_from_db()
    assert job.status == "queued" and job.last_error in ("", None)
    # The member got a verdict; the stranger's mail was read but neither stored nor answered.
    assert [m.to for m in django_mail.outbox] == [[staff.email]]
    assert "partner-tradng.co.jp" in django_mail.outbox[0].body
    assert django_mail.outbox[0].from_email == REPORT_BOX
    checked = CheckedMail.objects.get(organization=org)
    assert checked.source == Source.IMAP and checked.reporter == staff
    assert all("\\Seen" in m.flags for m in box.mails)
    own = MailCheckSettings.objects.get(organization=org)
    assert own.imap_last_polled_at is not None and own.imap_last_error == ""


def test_private_addresses_are_refused_unless_allowed(org: Any, staff: Any) -> None:
    box = Mailbox(REPORT_BOX, PASSWORD)
    with ImapTestServer(box) as port:
        _configure(org, port)
        assert mailbox.poll_organisation(org.pk, timeout=5) is None
    own = MailCheckSettings.objects.get(organization=org)
    assert own.imap_last_error.startswith("refused")
    assert box.commands == []  # never connected


@override_settings(OUTBOUND_ALLOW_NETWORKS=["127.0.0.0/8"])
def test_wrong_password_is_recorded_without_the_password(org: Any, staff: Any) -> None:
    box = Mailbox(REPORT_BOX, PASSWORD)
    with ImapTestServer(box) as port:
        _configure(org, port, password="Wrong-Secret-55")
        with pytest.raises(RuntimeError) as failed:
            mailbox.poll_organisation(org.pk, timeout=5)
    own = MailCheckSettings.objects.get(organization=org)
    assert own.imap_last_error and "Wrong-Secret-55" not in own.imap_last_error
    assert "Wrong-Secret-55" not in str(failed.value)


def test_unreadable_password_is_reported(org: Any, staff: Any) -> None:
    _configure(org, 143)
    MailCheckSettings.objects.filter(organization=org).update(imap_password_encrypted="garbage")
    assert mailbox.poll_organisation(org.pk) is None
    assert (
        MailCheckSettings.objects.get(organization=org).imap_last_error == mailbox.UNREADABLE_NOTE
    )


def test_disabling_the_mailbox_cancels_the_job(
    org: Any, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _configure(org, 143)
    assert Job.objects.filter(unique_key=services.poll_job_key(org.pk)).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_settings(None, org, {"imap_enabled": False})
    assert not Job.objects.filter(unique_key=services.poll_job_key(org.pk)).exists()
