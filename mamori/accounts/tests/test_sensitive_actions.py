"""Issue 11 item 3: every view that accepts a POST is reviewed in mamori/accounts/sensitive.py,
and every sensitive one refuses an owner who has not re-authenticated (sudo)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mamori.accounts import sensitive
from mamori.accounts.models import ApiToken
from tests.test_roles import url_args


def _allowed_methods(callback: Any) -> set[str] | None:
    """The methods a view accepts, from its decorators (None: any method)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    allowed: set[str] | None = None
    function, seen = callback, set()
    while function is not None and id(function) not in seen:
        seen.add(id(function))
        if getattr(function, "__closure__", None):
            # django.views.decorators.http.require_http_methods keeps its list in the closure.
            methods = inspect.getclosurevars(function).nonlocals.get("request_method_list")
            if methods is not None:
                allowed = set(methods) if allowed is None else allowed & set(methods)
        function = getattr(function, "__wrapped__", None)
    return allowed


def post_views() -> dict[str, tuple[str, Any]]:
    """url name -> (route, callback) of every URL pattern outside the API that accepts a POST."""
    found: dict[str, tuple[str, Any]] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if str(entry.pattern).startswith("api/"):
                    continue  # the API: see test_api_offers_no_sensitive_action
                walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                methods = _allowed_methods(entry.callback)
                if methods is None or "POST" in methods:
                    name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
                    found[name] = (prefix + str(entry.pattern), entry.callback)

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_post_view_is_reviewed() -> None:
    views = post_views()
    assert len(views) > 50
    assert "orgs:member_edit" in views and "accounts:logout" in views
    unreviewed = sorted(name for name in views if sensitive.classification(name) is None)
    assert unreviewed == [], (
        "Classify these views in mamori/accounts/sensitive.py (sensitive ones need "
        f"@sudo_required): {unreviewed}"
    )


def test_every_sensitive_view_carries_sudo() -> None:
    views = post_views()
    missing = sorted(
        name
        for name in sensitive.SENSITIVE_ACTIONS
        if not getattr(views[name][1], "requires_sudo", False)
    )
    assert missing == []
    # Nothing else claims sudo without being on the list (the list is the one place).
    unlisted = sorted(
        name
        for name, (_route, view) in views.items()
        if getattr(view, "requires_sudo", False) and name not in sensitive.SENSITIVE_ACTIONS
    )
    assert unlisted == []


@pytest.mark.django_db
def test_owner_without_sudo_is_sent_to_reauthenticate(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = members["owner"]
    token = ApiToken.objects.create(user=owner, name="t", prefix="mmr_x", token_hash="0" * 64)
    extra = url_args(org, members)
    extra["accounts:token_revoke"] = {"token_id": token.pk}
    views = post_views()
    for name in sensitive.SENSITIVE_ACTIONS:
        route, _view = views[name]
        kwargs = dict(extra.get(name, {}))
        if "<slug:org_slug>" in route:
            kwargs["org_slug"] = org.slug
        url = reverse(name, kwargs=kwargs)
        response = client_as(owner, sudo=False).post(url, {"role": "owner", "name": "x"})
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith("/accounts/sudo/"), (name, response["Location"])
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_inviting_or_creating_an_owner_needs_sudo(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from django.contrib.auth import get_user_model

    from mamori.orgs.models import Invitation

    owner = client_as(members["owner"], sudo=False)
    invite = owner.post(
        f"/o/{org.slug}/members/invite/", {"email": "boss@example.jp", "role": "owner"}
    )
    assert invite["Location"].startswith("/accounts/sudo/")
    create = owner.post(
        f"/o/{org.slug}/members/new/",
        {"full_name": "Boss", "email": "boss@example.jp", "role": "owner"},
    )
    assert create["Location"].startswith("/accounts/sudo/")
    assert not Invitation.objects.filter(email="boss@example.jp").exists()
    assert not get_user_model().objects.filter(username="boss@example.jp").exists()


def test_api_offers_no_sensitive_action() -> None:
    from mamori.api import api

    writes = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if set(operation.methods) - {"GET", "HEAD", "OPTIONS"}:
                    writes.add(operation.view_func.__name__)
    assert writes, "expected at least one API write"
    assert sorted(writes - set(sensitive.API_WRITES)) == [], (
        "Review the new API write in mamori/accounts/sensitive.py API_WRITES: the API cannot "
        "re-authenticate, so it must not change roles, credentials, secrets or destinations."
    )
