"""Issue 11 item 1: an organisation's requirements (two-step verification, no temporary
password) cannot be bypassed through API tokens or any other way around the session guard."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from mamori.accounts.models import ApiToken
from mamori.orgs.models import Membership, Role
from mamori.orgs.services import create_organization

from .test_mfa_login import enrol


def _make_token(web: Client) -> str:
    page = web.post("/accounts/tokens/", {"name": "script"})
    assert page.status_code == 200, page.status_code
    return str(page.context["new_secret"])


def _api(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.django_db
def test_member_without_mfa_cannot_create_a_token_when_the_org_requires_it(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    org.require_mfa = True
    org.save()
    web = client_as(members["viewer"])
    response = web.post("/accounts/tokens/", {"name": "bypass"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/setup/")
    assert not ApiToken.objects.filter(user=members["viewer"]).exists()
    # The other account pages wait as well; the enrolment page is reachable.
    assert web.get("/accounts/tokens/").status_code == 302
    assert web.get("/accounts/settings/").status_code == 302
    assert web.get("/accounts/mfa/setup/").status_code == 200


@pytest.mark.django_db
def test_token_stops_working_for_an_org_that_starts_requiring_mfa(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = members["viewer"]
    other = create_organization("MFA不要の会社", members["outsider"])
    Membership.objects.create(organization=other, user=viewer, role=Role.VIEWER)
    api = _api(_make_token(client_as(viewer)))
    assert api.get(f"/api/orgs/{org.slug}/members").status_code == 200

    # The owner turns the requirement on (through the settings page, with sudo).
    owner = client_as(members["owner"])
    saved = owner.post(
        f"/o/{org.slug}/settings/",
        {"name": org.name, "time_zone": "Asia/Tokyo", "require_mfa": "on"},
    )
    assert saved.status_code == 302
    refused = api.get(f"/api/orgs/{org.slug}/members")
    assert refused.status_code == 403
    assert "多要素認証" in refused.json()["detail"]
    assert api.get(f"/api/orgs/{org.slug}/findings").status_code == 403
    assert api.post(
        f"/api/orgs/{org.slug}/inventory/devices", {"name": "x"}, content_type="application/json"
    ).status_code in {403}
    assert [o["slug"] for o in api.get("/api/orgs").json()] == [other.slug]
    # The organisation that does not require it still works.
    assert api.get(f"/api/orgs/{other.slug}/members").status_code == 200

    # Once the member enrols, the token works again for the organisation.
    web = client_as(viewer)
    enrol(web, viewer)
    assert api.get(f"/api/orgs/{org.slug}/members").status_code == 200


@pytest.mark.django_db
def test_temporary_password_blocks_token_creation_and_use(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    created = owner.post(
        f"/o/{org.slug}/members/new/",
        {"full_name": "臨時 三郎", "email": "temp@example.jp", "role": "editor"},
    )
    temporary = created.context["password"]
    web = Client()
    assert (
        web.post(
            "/accounts/login/", {"email": "temp@example.jp", "password": temporary}
        ).status_code
        == 302
    )
    response = web.post("/accounts/tokens/", {"name": "bypass"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert not ApiToken.objects.filter(user__username="temp@example.jp").exists()

    # A token that exists while the password is temporary does not work anywhere.
    viewer = members["viewer"]
    api = _api(_make_token(client_as(viewer)))
    profile = viewer.profile
    profile.must_change_password = True
    profile.save()
    refused = api.get("/api/me")
    assert refused.status_code == 403
    assert "パスワード" in refused.json()["detail"]
    assert api.get(f"/api/orgs/{org.slug}/members").status_code == 403


@pytest.mark.django_db
def test_calendar_feed_follows_the_requirements(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    """The same hole elsewhere: a calendar address is a token, too."""
    from django.conf import settings

    web = client_as(members["editor"])
    page = web.post(f"/o/{org.slug}/notifications/calendar/")
    feed_url = page.context["feed_url"].removeprefix(settings.BASE_URL)
    assert Client().get(feed_url).status_code == 200
    org.require_mfa = True
    org.save()
    assert Client().get(feed_url).status_code == 404
    enrol(web, members["editor"])
    assert Client().get(feed_url).status_code == 200


@pytest.mark.django_db
def test_enrolled_member_still_signs_in_and_uses_tokens(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    """The guard lets a compliant member through: the fix blocks only the bypass."""
    org.require_mfa = True
    org.save()
    owner = members["owner"]
    web = client_as(owner)
    enrol(web, owner)
    api = _api(_make_token(web))
    assert api.get(f"/api/orgs/{org.slug}/audit").status_code == 200
    assert (
        Client()
        .post("/accounts/login/", {"email": owner.email, "password": PASSWORD})["Location"]
        .startswith("/accounts/login/verify/")
    )
