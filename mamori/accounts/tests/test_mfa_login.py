from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from mamori.audit.models import AuditEvent


def current_code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def enrol(client: Client, user: Any) -> tuple[TOTPDevice, list[str]]:
    page = client.get("/accounts/mfa/setup/")
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/mfa/setup/", {"code": current_code(device)})
    assert response.status_code == 302
    codes_page = client.get(response["Location"])
    codes = [c for c in codes_page.context["codes"]]
    device.refresh_from_db()
    return device, codes


def sign_in(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post("/accounts/login/", {"email": email, "password": password})


@pytest.mark.django_db
def test_enrol_then_login_requires_code(org: Any, members: dict[str, Any], client_as: Any) -> None:
    owner = members["owner"]
    device, codes = enrol(client_as(owner), owner)
    assert device.confirmed
    assert len(codes) == 10

    client = Client()
    response = sign_in(client, owner.email)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/verify/")
    # Not signed in yet: the dashboard sends us back to the login page.
    assert client.get(f"/o/{org.slug}/").status_code == 404

    wrong = client.post("/accounts/login/verify/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "コードが正しくない" in wrong.content.decode()

    device.refresh_from_db()
    device.last_t = -1  # allow the same time step again for the test
    device.throttling_failure_count = 0  # django-otp slows retries after a wrong code
    device.save()
    for static in StaticDevice.objects.filter(user=owner):
        static.throttle_reset(commit=True)
    ok = client.post("/accounts/login/verify/", {"code": current_code(device)})
    assert ok.status_code == 302
    assert client.get(f"/o/{org.slug}/").status_code == 200
    assert AuditEvent.objects.filter(action="mfa.enrolled", actor_id=owner.pk).exists()
    assert AuditEvent.objects.filter(
        action="login.success", actor_id=owner.pk, changes__mfa="totp"
    ).exists()


@pytest.mark.django_db
def test_recovery_code_works_once(org: Any, members: dict[str, Any], client_as: Any) -> None:
    owner = members["owner"]
    _device, codes = enrol(client_as(owner), owner)
    first = Client()
    sign_in(first, owner.email)
    assert first.post("/accounts/login/verify/", {"code": codes[0]}).status_code == 302

    second = Client()
    sign_in(second, owner.email)
    again = second.post("/accounts/login/verify/", {"code": codes[0]})
    assert again.status_code == 200  # refused: the code was used
    # A wrong code slows the next try down, and the user is told how long to wait.
    slowed = second.post("/accounts/login/verify/", {"code": codes[1]})
    assert "秒待って" in slowed.content.decode()
    for device in StaticDevice.objects.filter(user=owner):
        device.throttle_reset(commit=True)
    assert second.post("/accounts/login/verify/", {"code": codes[1]}).status_code == 302


@pytest.mark.django_db
def test_organisation_required_mfa_forces_enrolment(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    org.require_mfa = True
    org.save()
    viewer = client_as(members["viewer"])
    response = viewer.get(f"/o/{org.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/setup/")
    # After enrolling, the member gets in.
    enrol(viewer, members["viewer"])
    assert viewer.get(f"/o/{org.slug}/").status_code == 200


@pytest.mark.django_db
@override_settings(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_MAX_FAILURES_PER_IP=100)
def test_login_rate_limited_per_account(org: Any, members: dict[str, Any]) -> None:
    client = Client()
    for _ in range(3):
        assert sign_in(client, "viewer@example.jp", "wrong-password").status_code == 200
    blocked = sign_in(client, "viewer@example.jp", PASSWORD)
    assert blocked.status_code == 200
    assert "一時停止" in blocked.content.decode()
    assert AuditEvent.objects.filter(action="login.blocked").exists()
    # Another account from the same address is not affected.
    assert sign_in(Client(), "editor@example.jp", PASSWORD).status_code == 302


@pytest.mark.django_db
@override_settings(LOGIN_MAX_FAILURES_PER_ACCOUNT=100, LOGIN_MAX_FAILURES_PER_IP=4)
def test_login_rate_limited_per_ip(org: Any, members: dict[str, Any]) -> None:
    client = Client()
    for email in ["a@example.jp", "b@example.jp", "c@example.jp", "d@example.jp"]:
        sign_in(client, email, "nope-nope-nope")
    blocked = sign_in(client, "editor@example.jp", PASSWORD)
    assert blocked.status_code == 200
    assert "一時停止" in blocked.content.decode()
    other_ip = Client(REMOTE_ADDR="192.0.2.7")
    assert sign_in(other_ip, "editor@example.jp", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_failed_login_is_audited_with_ip(org: Any, members: dict[str, Any]) -> None:
    sign_in(Client(REMOTE_ADDR="198.51.100.9"), "viewer@example.jp", "bad-password-x")
    event = AuditEvent.objects.get(action="login.failure")
    assert event.ip == "198.51.100.9"
    assert event.actor_id == members["viewer"].pk


@pytest.mark.django_db
def test_sudo_required_for_role_change(org: Any, members: dict[str, Any], client_as: Any) -> None:
    from mamori.orgs.models import Membership

    owner = client_as(members["owner"], sudo=False)
    membership = Membership.objects.get(organization=org, user=members["viewer"])
    url = f"/o/{org.slug}/members/{membership.pk}/"
    response = owner.post(url, {"role": "editor"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sudo/")
    membership.refresh_from_db()
    assert membership.role == "viewer"
    wrong = owner.post("/accounts/sudo/", {"password": "not-it-at-all"})
    assert wrong.status_code == 200
    assert owner.post("/accounts/sudo/", {"password": PASSWORD, "next": url}).status_code == 302
    assert owner.post(url, {"role": "editor"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == "editor"


@pytest.mark.django_db
def test_weak_passwords_rejected_with_japanese_message(db: Any) -> None:
    response = Client().post(
        "/setup/",
        {
            "organization": "A",
            "full_name": "A",
            "email": "a@example.jp",
            "password1": "password123",
            "password2": "password123",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "よく使われる" in text or "一般的" in text
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_language_switch_per_user(org: Any, members: dict[str, Any], client_as: Any) -> None:
    client = client_as(members["viewer"])
    assert "ダッシュボード" in client.get(f"/o/{org.slug}/").content.decode()
    client.post("/accounts/settings/", {"full_name": "Jiro", "language": "en"})
    page = client.get(f"/o/{org.slug}/").content.decode()
    assert "Dashboard" in page
    assert "ダッシュボード" not in page
