"""Issue 11 item 2: an open session alone (a borrowed or stolen browser) cannot take the
account over, and a password change or reset ends every other session and every API token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from mamori.accounts.models import ApiToken
from mamori.audit.models import AuditEvent

from .test_mfa_login import enrol

NEW_PASSWORD = "atarashii-aikotoba-77"  # noqa: S105 - test value


def _signed_in(email: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"email": email, "password": password})
    assert response.status_code == 302, response.status_code
    return client


def _token(client_as: Any, user: Any) -> Client:
    page = client_as(user).post("/accounts/tokens/", {"name": "sync"})
    return Client(HTTP_AUTHORIZATION=f"Bearer {page.context['new_secret']}")


@pytest.mark.django_db
def test_password_change_needs_the_current_password(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = members["viewer"]
    stolen = client_as(viewer)  # an open session, even one fresh from sudo
    response = stolen.post(
        "/accounts/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 200
    viewer.refresh_from_db()
    assert viewer.check_password(PASSWORD)
    wrong = stolen.post(
        "/accounts/password/",
        {
            "current_password": "guessed-wrong-1",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 200
    assert "パスワードが正しくありません" in wrong.content.decode()
    viewer.refresh_from_db()
    assert viewer.check_password(PASSWORD)
    # A wrong current password counts as a failed sign-in (rate limited and audited).
    assert AuditEvent.objects.filter(
        action="login.failure", changes__reason="password change"
    ).exists()


@pytest.mark.django_db
def test_password_change_ends_other_sessions_and_revokes_tokens(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = members["viewer"]
    api = _token(client_as, viewer)
    assert api.get("/api/me").status_code == 200
    other = _signed_in(viewer.email)  # e.g. a session left open on another PC
    assert other.get(f"/o/{org.slug}/").status_code == 200

    me = _signed_in(viewer.email)
    done = me.post(
        "/accounts/password/",
        {"current_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    page = done.content.decode()
    assert "パスワードを変更しました" in page
    assert "ほかのセッションはすべてログアウト" in page
    # This session goes on; the other one and the token are finished.
    assert me.get(f"/o/{org.slug}/").status_code == 200
    assert other.get(f"/o/{org.slug}/").status_code in {302, 404}
    assert other.get("/accounts/settings/").status_code == 302
    assert api.get("/api/me").status_code == 401
    assert not ApiToken.objects.filter(user=viewer, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="password.changed")
    assert event.actor_id == viewer.pk
    assert event.changes["tokens_revoked"] == 1


@pytest.mark.django_db
def test_authenticator_and_recovery_codes_need_reauthentication(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = members["owner"]
    device, codes = enrol(client_as(owner), owner)
    stolen = client_as(owner, sudo=False)
    # Re-enrolment would delete the authenticator and the recovery codes: not without sudo.
    stolen.get("/accounts/mfa/setup/")
    pending = TOTPDevice.objects.get(user=owner, confirmed=False)
    from .test_mfa_login import current_code

    response = stolen.post("/accounts/mfa/setup/", {"code": current_code(pending)})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sudo/")
    assert TOTPDevice.objects.get(user=owner, confirmed=True).pk == device.pk
    assert StaticToken.objects.filter(device__user=owner, token=codes[1]).exists()
    new_codes = stolen.post("/accounts/mfa/recovery-codes/new/")
    assert new_codes["Location"].startswith("/accounts/sudo/")
    removed = stolen.post("/accounts/mfa/reset/")
    assert removed["Location"].startswith("/accounts/sudo/")
    assert StaticToken.objects.filter(device__user=owner, token=codes[1]).exists()


@pytest.mark.django_db
def test_password_reset_ends_sessions_revokes_tokens_and_is_audited(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = members["viewer"]
    api = _token(client_as, viewer)
    open_session = _signed_in(viewer.email)
    client = Client()
    client.post("/accounts/password-reset/", {"email": "viewer@example.jp"})
    assert AuditEvent.objects.filter(action="password.reset_requested", actor_id=viewer.pk).exists()
    link = re.search(r"https?://\S+/accounts/password-reset/\S+/", mail.outbox[0].body).group(0)
    form = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert done.status_code == 200
    assert "ほかのセッションはすべてログアウト" in done.content.decode()
    assert api.get("/api/me").status_code == 401
    assert open_session.get(f"/o/{org.slug}/").status_code in {302, 404}
    event = AuditEvent.objects.get(action="password.reset")
    assert event.actor_id == viewer.pk
    assert event.changes["tokens_revoked"] == 1
    _signed_in(viewer.email, NEW_PASSWORD)
