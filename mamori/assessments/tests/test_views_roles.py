"""The role matrix for this app's URLs alone (the project-wide matrix in tests/test_roles.py
covers every app; this one keeps our views checked while other apps are in progress)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_roles import RANK, org_patterns

from .role_args import role_args


@pytest.mark.django_db
def test_assessment_views_role_matrix(org: Any, members: dict[str, Any], client_as: Any) -> None:
    extra = role_args(org, members)
    patterns = [(n, v) for n, v in org_patterns() if n.startswith("assessments:")]
    assert len(patterns) == 15
    for name, view in patterns:
        read, write = view.org_roles
        url = reverse(name, kwargs={"org_slug": org.slug, **extra.get(name, {})})
        outsider = client_as(members["outsider"])
        assert outsider.get(url).status_code == 404, name
        assert outsider.post(url).status_code == 404, name
        assert Client().get(url).status_code == 404, name
        for role in ("viewer", "editor"):
            client = client_as(members[role])
            if RANK[role] < RANK[read]:
                assert client.get(url).status_code == 403, (name, role)
            else:
                assert client.get(url).status_code in {200, 302, 405}, (name, role)
            if RANK[role] < RANK[write]:
                assert client.post(url).status_code == 403, (name, role)
        assert client_as(members["owner"]).get(url).status_code in {200, 302, 405}, name
