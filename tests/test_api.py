from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mamori.accounts.models import ApiToken


def token_client(client_as: Any, user: Any) -> Client:
    web = client_as(user)
    page = web.post("/accounts/tokens/", {"name": "script"})
    assert page.status_code == 200
    secret = page.context["new_secret"]
    assert secret.startswith("mmr_")
    token = ApiToken.objects.get(user=user)
    assert token.token_hash != secret and secret not in token.token_hash
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.django_db
def test_api_scoped_to_callers_organisations(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = token_client(client_as, members["viewer"])
    assert viewer.get("/api/me").json()["email"] == "viewer@example.jp"
    assert [o["slug"] for o in viewer.get("/api/orgs").json()] == [org.slug]
    members_json = viewer.get(f"/api/orgs/{org.slug}/members").json()
    assert {m["email"] for m in members_json} >= {"owner@example.jp", "viewer@example.jp"}
    # Owner-only endpoint: viewer 403; outsider 404; owner 200.
    assert viewer.get(f"/api/orgs/{org.slug}/audit").status_code == 403
    outsider = token_client(client_as, members["outsider"])
    assert outsider.get(f"/api/orgs/{org.slug}/members").status_code == 404
    owner = token_client(client_as, members["owner"])
    assert owner.get(f"/api/orgs/{org.slug}/audit").status_code == 200
    token = ApiToken.objects.get(user=members["viewer"])
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_api_refuses_missing_bad_and_revoked_tokens(
    members: dict[str, Any], client_as: Any
) -> None:
    assert Client().get("/api/me").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer mmr_nope").get("/api/me").status_code == 401
    api = token_client(client_as, members["viewer"])
    token = ApiToken.objects.get(user=members["viewer"])
    web = client_as(members["viewer"])
    assert web.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert api.get("/api/me").status_code == 401


@pytest.mark.django_db
def test_openapi_document_published(db: Any) -> None:
    doc = Client().get("/api/openapi.json")
    assert doc.status_code == 200
    paths = doc.json()["paths"]
    assert "/api/orgs/{slug}/members" in paths


@pytest.mark.django_db
def test_inventory_api_create_and_list_with_roles(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = token_client(client_as, members["editor"])
    created = editor.post(
        f"/api/orgs/{org.slug}/inventory/people",
        data={"name": "API 太郎", "email": "api@example.jp", "employment_type": "regular"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    bad = editor.post(
        f"/api/orgs/{org.slug}/inventory/people",
        data={"name": "", "email": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "有効なメールアドレス" in " ".join(bad.json()["errors"]["email"])
    viewer = token_client(client_as, members["viewer"])
    listing = viewer.get(f"/api/orgs/{org.slug}/inventory/people").json()
    assert [p["name"] for p in listing] == ["API 太郎"]
    assert (
        viewer.post(
            f"/api/orgs/{org.slug}/inventory/people",
            data={"name": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
    outsider = token_client(client_as, members["outsider"])
    assert outsider.get(f"/api/orgs/{org.slug}/inventory/people").status_code == 404
    assert viewer.get(f"/api/orgs/{org.slug}/inventory/nope").status_code == 404


@pytest.mark.django_db
def test_findings_api_lists_open_findings(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.findings.services import run_rules
    from mamori.inventory.models import Account, Person

    person = Person.objects.create(organization=org, name="辞めた人", left_on="2020-01-01")
    Account.objects.create(organization=org, person=person, username="gone")
    run_rules(org)
    viewer = token_client(client_as, members["viewer"])
    rows = viewer.get(f"/api/orgs/{org.slug}/findings").json()
    leaver = next(r for r in rows if r["kind"] == "inventory.leaver_access")
    assert leaver["title"] == "退職者のアカウントが残っています"
    assert leaver["severity"] == "critical"


@pytest.mark.django_db
def test_malformed_input_is_explained_in_the_callers_language(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = token_client(client_as, members["owner"])
    response = owner.get(f"/api/orgs/{org.slug}/audit?limit=lots")
    assert response.status_code == 422
    body = response.json()
    assert "値が足りないか" in body["message"]
    assert body["detail"]
