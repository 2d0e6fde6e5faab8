from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mamori.core.commands.demo import main as demo_main
from mamori.orgs.models import Membership


@pytest.mark.django_db
def test_demo_creates_signable_users_for_each_role(capsys: Any) -> None:
    assert demo_main([]) == 0
    out = capsys.readouterr().out
    roles = {m.role for m in Membership.objects.filter(organization__slug="demo")}
    assert roles == {"owner", "editor", "viewer"}
    line = next(line for line in out.splitlines() if "demo-viewer@example.jp" in line)
    password = line.split()[-1]
    client = Client()
    response = client.post(
        "/accounts/login/", {"email": "demo-viewer@example.jp", "password": password}
    )
    assert response.status_code == 302
    assert client.get("/o/demo/").status_code == 200
    # Running it again resets the organisation instead of failing.
    assert demo_main([]) == 0
    assert Membership.objects.filter(organization__slug="demo").count() == 3
