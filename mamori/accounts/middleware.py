from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext

from .hashers import PasswordHasherBusy, busy_message
from .requirements import MFA_ENROLMENT, PASSWORD_CHANGE, unmet_requirements
from .services import has_mfa, profile_of

# Paths with no signed-in user of their own or with their own authentication: static files, the
# language switch, the first-run page, invitation links, and the API (bearer tokens, which check
# the same requirements per organisation: mamori.api).
OPEN_PREFIXES = ("/static/", "/i18n/", "/setup/", "/api/", "/invite/")

# The only pages a signed-in user who still owes the guard something may reach: those that let
# them finish it (or leave). Everything else — token creation and the other account pages
# included — waits until the requirements are met.
REQUIREMENT_PAGES = frozenset(
    {
        "accounts:login",
        "accounts:login_verify",
        "accounts:logout",
        "accounts:sudo",
        "accounts:password_change",
        "accounts:mfa_setup",
        "accounts:recovery_codes",
        "accounts:password_reset",
        "accounts:password_reset_done",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
    }
)


def _is_requirement_page(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in REQUIREMENT_PAGES


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
            if not request.path.startswith(OPEN_PREFIXES) and not _is_requirement_page(
                request.path_info
            ):
                unmet = unmet_requirements(user)
                if PASSWORD_CHANGE in unmet:
                    return redirect(reverse("accounts:password_change"))
                if MFA_ENROLMENT in unmet:
                    return redirect(reverse("accounts:mfa_setup") + "?required=1")
                if self._mfa_required(user) and not user.is_verified():
                    # Enrolled, but this session was not verified with the second factor.
                    if has_mfa(user):
                        logout(request)
                        return redirect(reverse("accounts:login"))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A password hash that found no free slot anywhere (sign-in pages handle it on their
        form): a clear "try again" page, never a server error."""
        if isinstance(exception, PasswordHasherBusy):
            if request.path.startswith("/api/"):
                response: HttpResponse = JsonResponse({"detail": busy_message()}, status=503)
            else:
                title = gettext("Try again in a moment")
                context = {"status": 503, "title": title, "text": busy_message()}
                response = render(request, "core/error.html", context, status=503)
            response["Retry-After"] = "5"
            return response
        return None

    @staticmethod
    def _mfa_required(user: object) -> bool:
        from mamori.orgs.models import Membership

        return Membership.objects.filter(user=user, organization__require_mfa=True).exists()
