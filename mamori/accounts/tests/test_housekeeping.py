"""Issue 11, housekeeping: old login attempts, expired sessions, used/withdrawn/expired
invitations and abandoned enrolments are pruned daily through the job queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from mamori.accounts.models import LoginAttempt
from mamori.accounts.tasks import PRUNE
from mamori.core import jobs, schedules
from mamori.core.models import Job
from mamori.orgs.models import Invitation, Role


def _invitation(org: Any, email: str, **fields: Any) -> Invitation:
    values = {"expires_at": timezone.now() + timedelta(days=3), **fields}
    return Invitation.objects.create(
        organization=org, email=email, role=Role.VIEWER, token_hash=email.ljust(64, "0"), **values
    )


@pytest.mark.django_db
def test_daily_prune_runs_from_the_queue_and_keeps_what_still_matters(
    org: Any, members: dict[str, Any]
) -> None:
    assert "mamori.accounts.tasks" in jobs.TASK_MODULES
    assert "mamori.accounts.tasks:ensure_schedules" in schedules.SYSTEM_SCHEDULES
    now = timezone.now()
    # Login attempts: real sign-ins (one failed), then one made to look two days old.
    Client().post("/accounts/login/", {"email": "viewer@example.jp", "password": "wrong-one-1"})
    assert (
        Client()
        .post("/accounts/login/", {"email": "viewer@example.jp", "password": PASSWORD})
        .status_code
        == 302
    )
    old = LoginAttempt.objects.create(username="viewer@example.jp", succeeded=False)
    LoginAttempt.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=2))
    # Sessions: the real ones stay; one that has expired goes.
    live_sessions = set(Session.objects.values_list("session_key", flat=True))
    assert live_sessions
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=now - timedelta(1))
    # Invitations: open stays; accepted, withdrawn, expired go.
    open_one = _invitation(org, "open@example.jp")
    _invitation(org, "used@example.jp", accepted_at=now)
    _invitation(org, "withdrawn@example.jp", revoked_at=now)
    _invitation(org, "late@example.jp", expires_at=now - timedelta(minutes=1))
    # An enrolment started two days ago and never confirmed goes; today's stays.
    stale = TOTPDevice.objects.create(user=members["editor"], name="a", confirmed=False)
    TOTPDevice.objects.filter(pk=stale.pk).update(created_at=now - timedelta(days=2))
    fresh = TOTPDevice.objects.create(user=members["viewer"], name="a", confirmed=False)

    schedules.ensure_all()
    job = Job.objects.get(unique_key=PRUNE)
    assert job.repeat_seconds == 24 * 60 * 60
    Job.objects.exclude(pk=job.pk).delete()  # only the prune, here
    Job.objects.filter(pk=job.pk).update(run_at=now - timedelta(seconds=1))
    jobs.load_handlers()
    assert jobs.run_one("test-worker")

    assert not LoginAttempt.objects.filter(pk=old.pk).exists()
    assert LoginAttempt.objects.filter(username="viewer@example.jp").count() == 2
    assert set(Session.objects.values_list("session_key", flat=True)) == live_sessions
    assert list(Invitation.objects.values_list("pk", flat=True)) == [open_one.pk]
    assert list(TOTPDevice.objects.values_list("pk", flat=True)) == [fresh.pk]
    job.refresh_from_db()
    assert job.status == "queued" and job.run_at > now  # again tomorrow
