from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from mamori.core.navigation import ORG_NAVIGATION_GROUPS

from .access import organizations_of


def current_organization(request: HttpRequest) -> dict[str, Any]:
    """The organisation being viewed, its navigation (groups, each with the entries the
    member's role allows), and the other organisations the user can switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"org": None, "membership": None, "my_orgs": [], "nav": []}
    org = getattr(request, "org", None)
    membership = getattr(request, "membership", None)
    nav: list[dict[str, Any]] = []
    if org is not None and membership is not None:
        dashboard = reverse("core:dashboard", kwargs={"org_slug": org.slug})
        for group in ORG_NAVIGATION_GROUPS:
            items = []
            for item in group.items:
                if not membership.allows(item.min_role):
                    continue
                url = reverse(item.url_name, kwargs={"org_slug": org.slug})
                active = request.path == url or (url != dashboard and request.path.startswith(url))
                items.append({"label": item.label, "url": url, "active": active})
            if items:
                nav.append(
                    {
                        "label": group.label,
                        "url": items[0]["url"],
                        "active": any(entry["active"] for entry in items),
                        "items": items,
                    }
                )
    return {"org": org, "membership": membership, "my_orgs": organizations_of(user), "nav": nav}
