"""The one place that scopes requests and queries to an organisation.

Views receive the organisation from the URL (`/o/<slug>/…`). A user who is not a member gets
404 (no hint that the organisation exists); a member whose role is too low for a write gets 403.
Every organisation-scoped query goes through `scoped()`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from mamori.core.logcontext import set_organization

from .models import Membership, Organization, Role

M = TypeVar("M", bound=models.Model)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def membership_for(user: Any, slug: str) -> Membership:
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def require_role(request: HttpRequest, role: str) -> None:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if not membership.allows(role):
        raise PermissionDenied


def org_view(
    read: str = Role.VIEWER, write: str = Role.EDITOR
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view taking `org_slug`: resolves the organisation, checks the role.

    `read` is the lowest role for safe methods, `write` for everything else.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, org_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = membership_for(request.user, org_slug)
            request.membership = membership  # type: ignore[attr-defined]
            request.org = membership.organization  # type: ignore[attr-defined]
            set_organization(membership.organization.pk)
            needed = read if request.method in SAFE_METHODS else write
            require_role(request, needed)
            if request.session.get("current_org") != org_slug:  # write the session only on change
                request.session["current_org"] = org_slug
            return view(request, *args, **kwargs)

        wrapper.org_roles = (read, write)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def scoped(model: type[M], organization: Organization) -> models.QuerySet[M]:
    """All rows of an organisation-owned model belonging to this organisation."""
    return model._default_manager.filter(organization=organization)


def organizations_of(user: Any) -> models.QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("name")
