"""The role matrix on every organisation view: outsider 404, viewer 403 on writes,
editor/owner as designed. A new organisation URL without a role declaration fails here."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from mamori.orgs.models import Invitation, Membership, Role  # noqa: F401

RANK = {"viewer": 1, "editor": 2, "owner": 3}


def org_patterns() -> list[tuple[str, Any]]:
    found = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                if "<slug:org_slug>" in route:
                    name = f"{namespace}:{entry.name}" if namespace else entry.name
                    found.append((name, entry.callback))

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_organisation_view_declares_its_roles() -> None:
    patterns = org_patterns()
    assert len(patterns) >= 10
    undeclared = [name for name, view in patterns if not hasattr(view, "org_roles")]
    assert undeclared == []


# Each app that adds organisation views lists a module here with `role_args(org, members)`
# returning {url name: extra URL kwargs} for objects it creates.
ROLE_ARG_MODULES = [
    "mamori.orgs.tests.role_args",
    "mamori.core.tests.role_args",
    "mamori.inventory.tests.role_args",
    "mamori.findings.tests.role_args",
    "mamori.intel.tests.role_args",
    "mamori.monitoring.tests.role_args",
    "mamori.notify.tests.role_args",
    "mamori.assessments.tests.role_args",
    "mamori.incidents.tests.role_args",
    "mamori.mailcheck.tests.role_args",
    "mamori.licences.tests.role_args",
    "mamori.payees.tests.role_args",
    "mamori.privacy.tests.role_args",
    "mamori.routines.tests.role_args",
    "mamori.training.tests.role_args",
    "mamori.continuity.tests.role_args",
]


def url_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    import importlib

    merged: dict[str, dict[str, Any]] = {}
    for name in ROLE_ARG_MODULES:
        merged.update(importlib.import_module(name).role_args(org, members))
    return merged


@pytest.mark.django_db
def test_role_matrix(org: Any, members: dict[str, Any], client_as: Any) -> None:
    from django.urls import reverse

    extra = url_args(org, members)
    checked = 0
    for name, view in org_patterns():
        read, write = view.org_roles
        try:
            url = reverse(name, kwargs={"org_slug": org.slug, **extra.get(name, {})})
        except Exception as error:  # noqa: BLE001 - say which app must add its role_args
            pytest.fail(f"{name}: add its URL arguments to a role_args module ({error})")
        # Outsider: nothing here, whatever the method.
        outsider = client_as(members["outsider"])
        assert outsider.get(url).status_code == 404, name
        assert outsider.post(url).status_code == 404, name
        # Anonymous: 404 as well (no hint that the organisation exists).
        from django.test import Client

        assert Client().get(url).status_code == 404, name
        for role in ("viewer", "editor"):
            client = client_as(members[role])
            if RANK[role] < RANK[read]:
                assert client.get(url).status_code == 403, (name, role)
            if RANK[role] < RANK[write]:
                assert client.post(url).status_code == 403, (name, role)
        owner = client_as(members["owner"])
        assert owner.get(url).status_code in {200, 302, 405}, name
        checked += 1
    assert checked >= 10


@pytest.mark.django_db
def test_viewer_reads_dashboard_and_members_but_cannot_invite(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = client_as(members["viewer"])
    assert viewer.get(f"/o/{org.slug}/").status_code == 200
    page = viewer.get(f"/o/{org.slug}/members/")
    assert page.status_code == 200
    assert "editor@example.jp" in page.content.decode()
    response = viewer.post(
        f"/o/{org.slug}/members/invite/", {"email": "x@example.jp", "role": "owner"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.filter(email="x@example.jp").exists()


@pytest.mark.django_db
def test_editor_cannot_change_roles(org: Any, members: dict[str, Any], client_as: Any) -> None:
    membership = Membership.objects.get(organization=org, user=members["viewer"])
    editor = client_as(members["editor"])
    response = editor.post(f"/o/{org.slug}/members/{membership.pk}/", {"role": "owner"})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER
