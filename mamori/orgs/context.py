from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from mamori.core.navigation import ORG_NAVIGATION

from .access import organizations_of


def current_organization(request: HttpRequest) -> dict[str, Any]:
    """The organisation being viewed, its navigation, and the others the user can switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"org": None, "membership": None, "my_orgs": [], "nav": []}
    org = getattr(request, "org", None)
    membership = getattr(request, "membership", None)
    nav = []
    if org is not None and membership is not None:
        for item in ORG_NAVIGATION:
            if membership.allows(item.min_role):
                url = reverse(item.url_name, kwargs={"org_slug": org.slug})
                active = request.path == url or (
                    url != reverse("core:dashboard", kwargs={"org_slug": org.slug})
                    and request.path.startswith(url)
                )
                nav.append({"label": item.label, "url": url, "active": active})
    return {"org": org, "membership": membership, "my_orgs": organizations_of(user), "nav": nav}
