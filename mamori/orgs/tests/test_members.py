from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from mamori.accounts.models import ApiToken, hash_api_token
from mamori.audit.models import AuditEvent
from mamori.orgs.models import Invitation, Membership, Role


@pytest.fixture
def invite(django_capture_on_commit_callbacks: Any) -> Any:
    def send(client: Client, org: Any, email: str, role: str = "viewer") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/o/{org.slug}/members/invite/", {"email": email, "role": role})
        assert response.status_code == 302, response.content.decode()[:500]
        link = re.search(r"https?://\S+/invite/\S+/", mail.outbox[-1].body).group(0)
        return link.split("://", 1)[1].split("/", 1)[1]

    return send


@pytest.mark.django_db
def test_invitation_signup_then_single_use(
    org: Any, members: dict[str, Any], client_as: Any, invite: Any
) -> None:
    owner = client_as(members["owner"])
    path = "/" + invite(owner, org, "newbie@example.jp")
    assert mail.outbox[-1].to == ["newbie@example.jp"]
    assert "招待" in mail.outbox[-1].subject

    guest = Client()
    form = guest.get(path)
    assert form.status_code == 200
    response = guest.post(
        path,
        {
            "full_name": "新人",
            "email": "newbie@example.jp",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(organization=org, user__email="newbie@example.jp")
    assert membership.role == Role.VIEWER
    # The link works once.
    assert Client().get(path).status_code == 410
    assert AuditEvent.objects.filter(action="member.invited", organization_id=org.pk).exists()
    assert AuditEvent.objects.filter(action="member.joined", organization_id=org.pk).exists()


@pytest.mark.django_db
def test_expired_invitation_refused(
    org: Any, members: dict[str, Any], client_as: Any, invite: Any
) -> None:
    owner = client_as(members["owner"])
    path = "/" + invite(owner, org, "late@example.jp")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().post(
        path,
        {
            "full_name": "x",
            "email": "late@example.jp",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 410
    assert "有効期限切れ" in response.content.decode()
    assert not Membership.objects.filter(user__email="late@example.jp").exists()


@pytest.mark.django_db
def test_existing_user_accepts_invitation_only_as_themselves(
    org: Any, members: dict[str, Any], client_as: Any, invite: Any
) -> None:
    owner = client_as(members["owner"])
    path = "/" + invite(owner, org, "outsider@example.com", "editor")
    stranger = client_as(members["viewer"])
    assert stranger.post(path).status_code == 403
    outsider = client_as(members["outsider"])
    assert outsider.post(path).status_code == 302
    assert Membership.objects.get(organization=org, user=members["outsider"]).role == "editor"


@pytest.mark.django_db
def test_removing_member_ends_sessions_and_revokes_tokens(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = members["viewer"]
    viewer_client = client_as(viewer)
    assert viewer_client.get(f"/o/{org.slug}/").status_code == 200
    token = ApiToken.objects.create(
        user=viewer, name="script", prefix="mmr_x", token_hash=hash_api_token("mmr_secret")
    )
    api = Client(HTTP_AUTHORIZATION="Bearer mmr_secret")
    assert api.get("/api/me").status_code == 200

    membership = Membership.objects.get(organization=org, user=viewer)
    owner = client_as(members["owner"])
    assert owner.post(f"/o/{org.slug}/members/{membership.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    # The removed member's open session is ended at the next request.
    response = viewer_client.get("/accounts/settings/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/me").status_code == 401
    event = AuditEvent.objects.get(action="member.removed")
    assert event.changes["email"] == "viewer@example.jp"


@pytest.mark.django_db
def test_last_owner_cannot_be_removed_or_demoted(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner_membership = Membership.objects.get(organization=org, role=Role.OWNER)
    owner = client_as(members["owner"])
    owner.post(f"/o/{org.slug}/members/{owner_membership.pk}/remove/")
    assert Membership.objects.filter(pk=owner_membership.pk).exists()
    response = owner.post(f"/o/{org.slug}/members/{owner_membership.pk}/", {"role": "viewer"})
    assert response.status_code == 200
    assert "最後の所有者" in response.content.decode()
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


@pytest.mark.django_db
def test_owner_creates_account_with_temporary_password(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    page = owner.post(
        f"/o/{org.slug}/members/new/",
        {"full_name": "パート 一郎", "email": "part@example.jp", "role": "viewer"},
    )
    assert page.status_code == 200
    password = page.context["password"]
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"email": "part@example.jp", "password": password}
        ).status_code
        == 302
    )
    # The temporary password must be changed before anything else.
    forced = client.get(f"/o/{org.slug}/")
    assert forced.status_code == 302 and forced["Location"] == "/accounts/password/"


@pytest.mark.django_db
def test_bad_invite_input_gets_message_and_saves_nothing(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    response = owner.post(
        f"/o/{org.slug}/members/invite/", {"email": "not-an-email", "role": "king"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "有効なメールアドレス" in text
    assert "正しく選択" in text or "選択してください" in text
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_user_switches_between_organisations(
    members: dict[str, Any], client_as: Any, org: Any
) -> None:
    from mamori.orgs.services import create_organization

    second = create_organization("二つ目の会社", members["editor"])
    client = client_as(members["editor"])
    response = client.get(f"/switch/?org={second.slug}")
    assert response.status_code == 302 and response["Location"] == f"/o/{second.slug}/"
    assert client.get("/")["Location"] == f"/o/{second.slug}/"
    assert client.get(f"/switch/?org={org.slug}")["Location"] == f"/o/{org.slug}/"
    assert client_as(members["viewer"]).get(f"/switch/?org={second.slug}").status_code == 404
