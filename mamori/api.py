"""The HTTP API (django-ninja) under /api/. Bearer tokens are per user; every endpoint is
scoped to the caller's organisations and role through mamori.orgs.access."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError
from ninja.security import HttpBearer

from mamori.accounts.requirements import (
    MFA_ENROLMENT,
    PASSWORD_CHANGE,
    unmet_requirements,
    usable_organization_ids,
)
from mamori.accounts.services import profile_of, user_for_token
from mamori.audit.models import AuditEvent
from mamori.orgs.access import membership_for, organizations_of
from mamori.orgs.models import Membership, Role


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
            # Messages (validation errors) in the token owner's language.
            translation.activate(profile_of(user).language)
            if PASSWORD_CHANGE in unmet_requirements(user):
                # A temporary password: nothing works until the owner of the token chose theirs.
                raise HttpError(
                    403,
                    gettext(
                        "Your password must be changed before the API can be used. "
                        "Sign in to the web interface and change it."
                    ),
                )
        return user


api = NinjaAPI(
    title="mamori API",
    version="1",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Malformed input: say so in the caller's language, with the details for the developer."""
    return api.create_response(
        request,
        {
            "message": gettext(
                "The request has missing or malformed values. See “detail” for which ones."
            ),
            "detail": exc.errors,
        },
        status=422,
    )


def member(request: HttpRequest, slug: str, role: str = Role.VIEWER) -> Membership:
    try:
        membership = membership_for(request.auth, slug)
    except Http404:
        raise HttpError(404, "Not found") from None
    if MFA_ENROLMENT in unmet_requirements(request.auth, membership.organization):
        # The organisation requires two-step verification and the token's owner has none now.
        raise HttpError(
            403,
            gettext(
                "This organisation requires two-step verification. Set it up in the web "
                "interface; until then your API tokens do not work for this organisation."
            ),
        )
    if not membership.allows(role):
        raise HttpError(403, "Your role does not allow this")
    return membership


class MeOut(Schema):
    email: str
    name: str


class OrgOut(Schema):
    slug: str
    name: str
    role: str


class MemberOut(Schema):
    email: str
    name: str
    role: str


class EventOut(Schema):
    id: int
    created_at: datetime
    actor: str
    action: str
    object: str
    ip: str | None
    details: dict[str, Any]


@api.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.auth
    return {"email": user.email, "name": user.first_name}


@api.get("/orgs", response=list[OrgOut])
def orgs(request: HttpRequest) -> list[dict[str, Any]]:
    memberships = Membership.objects.filter(
        user=request.auth,
        organization__in=organizations_of(request.auth),
        organization_id__in=usable_organization_ids(request.auth),
    ).select_related("organization")
    return [
        {"slug": m.organization.slug, "name": m.organization.name, "role": m.role}
        for m in memberships
    ]


@api.get("/orgs/{slug}/members", response=list[MemberOut])
def members(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    membership = member(request, slug)
    rows = Membership.objects.filter(organization=membership.organization).select_related("user")
    return [{"email": m.user.email, "name": m.user.first_name, "role": m.role} for m in rows]


@api.get("/orgs/{slug}/audit", response=list[EventOut])
def audit(request: HttpRequest, slug: str, limit: int = 100) -> list[dict[str, Any]]:
    membership = member(request, slug, Role.OWNER)
    limit = max(1, min(limit, 1000))
    events = AuditEvent.objects.filter(organization_id=membership.organization_id).order_by("-id")
    return [
        {
            "id": e.id,
            "created_at": e.created_at,
            "actor": e.actor_label,
            "action": e.action,
            "object": e.object_repr,
            "ip": e.ip,
            "details": e.changes,
        }
        for e in events[:limit]
    ]


def _add_routers() -> None:
    # After `member` exists: the routers import it lazily.
    from mamori.findings.api import router as findings_router
    from mamori.inventory.api import router as inventory_router

    api.add_router("", inventory_router)
    api.add_router("", findings_router)


_add_routers()
