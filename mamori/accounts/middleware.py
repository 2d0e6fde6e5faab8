from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from mamori.orgs.models import Membership

from .services import has_mfa, profile_of

# Paths a signed-in user may reach before finishing what the guard asks for.
OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/setup/", "/api/", "/invite/")


class SessionGuardMiddleware:
    """Applies the user's language, ends revoked sessions, forces a password change, and enforces organisation-required MFA."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            profile = profile_of(user)
            if profile.language:
                translation.activate(profile.language)
                request.LANGUAGE_CODE = profile.language
            login_at = float(request.session.get("login_at", 0))
            revoked = profile.sessions_revoked_at
            if revoked is not None and login_at < revoked.timestamp():
                logout(request)
                return redirect(reverse("accounts:login"))
            if not request.path.startswith(OPEN_PREFIXES):
                if profile.must_change_password:
                    return redirect(reverse("accounts:password_change"))
                mfa_required = Membership.objects.filter(
                    user=user, organization__require_mfa=True
                ).exists()
                if mfa_required and not user.is_verified():
                    if has_mfa(user):
                        logout(request)
                        return redirect(reverse("accounts:login"))
                    return redirect(reverse("accounts:mfa_setup") + "?required=1")
        return self.get_response(request)
