"""Test-wide fixtures shared by every app: an organisation with one member of each role,
an outsider, and logged-in clients for each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone


def pytest_configure(config: pytest.Config) -> None:
    from mamori.core.i18n import compile_catalogs

    compile_catalogs()
    # Django may already have loaded (and cached) the catalogue as it was before compiling —
    # in a fresh clone that is no catalogue at all — so drop the cache.
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None


PASSWORD = "correct-horse-battery-42"  # noqa: S105 - test fixture


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from mamori.orgs.services import create_user

    def make(email: str, password: str = PASSWORD, name: str = "") -> Any:
        return create_user(email, password, full_name=name or email.split("@")[0])

    return make


@pytest.fixture
def org(db: Any, make_user: Callable[..., Any]) -> Any:
    from mamori.orgs.services import create_organization

    owner = make_user("owner@example.jp", name="所有 太郎")
    return create_organization("テスト株式会社", owner)


@pytest.fixture
def members(org: Any, make_user: Callable[..., Any]) -> dict[str, Any]:
    """owner, editor, viewer of `org`, and an outsider who belongs to another organisation."""
    from mamori.orgs.models import Membership, Role
    from mamori.orgs.services import create_organization

    owner = Membership.objects.get(organization=org, role=Role.OWNER).user
    editor = make_user("editor@example.jp", name="編集 花子")
    viewer = make_user("viewer@example.jp", name="閲覧 次郎")
    outsider = make_user("outsider@example.com", name="Outsider")
    Membership.objects.create(organization=org, user=editor, role=Role.EDITOR)
    Membership.objects.create(organization=org, user=viewer, role=Role.VIEWER)
    create_organization("Other Org", outsider)
    return {"owner": owner, "editor": editor, "viewer": viewer, "outsider": outsider}


@pytest.fixture
def client_as(db: Any) -> Callable[..., Client]:
    """A client signed in as `user`, recently re-authenticated (sudo) unless told otherwise."""

    def make(user: Any, *, sudo: bool = True) -> Client:
        client = Client()
        client.force_login(user)
        session = client.session
        session["login_at"] = timezone.now().timestamp()
        # As after a real sign-in and a first page: activity noted and the current
        # organisation stored, so a test's first request does not save the session (query
        # counts compare first and later requests).
        from mamori.core.middleware import ACTIVITY_KEY
        from mamori.orgs.models import Membership

        session[ACTIVITY_KEY] = int(timezone.now().timestamp())
        first = Membership.objects.filter(user=user).select_related("organization").first()
        if first is not None:
            session["current_org"] = first.organization.slug
        if sudo:
            session["sudo_until"] = timezone.now().timestamp() + 600
        session.save()
        return client

    return make
