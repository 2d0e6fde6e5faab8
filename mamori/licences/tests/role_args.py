from __future__ import annotations

from typing import Any

from mamori.licences.models import DiscoveredApp


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    app = DiscoveredApp.objects.create(organization=org, name="Role test app", users=1)
    return {"licences:shadow_it_review": {"pk": app.pk}}
