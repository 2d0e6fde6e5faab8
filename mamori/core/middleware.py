"""Strict Content-Security-Policy on every response: no inline script or style anywhere.

Also: the session middleware that writes a session only when it changed (or, at most once a
minute, to keep idle expiry), and the outage middleware that notices the database is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from mamori.core import outage

logger = logging.getLogger("mamori.sessions")

# The session key holding the time of the last recorded activity (seconds since the epoch).
ACTIVITY_KEY = "_mamori_active_at"

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/docs"):
            # The interactive API docs page needs its own script bundle; still no inline code.
            response.setdefault("Content-Security-Policy", POLICY)
        else:
            response["Content-Security-Policy"] = POLICY
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def activity_refresh_seconds() -> int:
    """How often a session in use is written just to push its idle expiry back."""
    return max(1, min(60, int(settings.SESSION_COOKIE_AGE) // 10))


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, writing the session only when it changed.

    Idle expiry (MAMORI_SESSION_IDLE_SECONDS) still works: a session in use is saved again, with
    a fresh expiry and cookie, when its last recorded activity is older than
    activity_refresh_seconds(). Only that refresh is allowed to fail (disk full, database away):
    the page is answered anyway, so read-only pages keep working on a full disk.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        refresh_only = False
        if session is not None and session.accessed:
            try:
                if not session.is_empty():
                    now = int(time.time())
                    if session.modified:  # saved anyway: note the activity with it
                        session[ACTIVITY_KEY] = now
                    elif now - int(session.get(ACTIVITY_KEY, 0)) >= activity_refresh_seconds():
                        session[ACTIVITY_KEY] = now
                        refresh_only = True
            except (DatabaseError, ValueError, TypeError):
                refresh_only = False
        try:
            return super().process_response(request, response)
        except (SuspiciousOperation, DatabaseError) as error:
            if not refresh_only:
                raise
            if outage.is_disk_full(error) or outage.is_outage(error.__context__ or error):
                logger.info("session expiry not refreshed (%s)", type(error).__name__)
            return response


class DatabaseOutageMiddleware:
    """While an outage is reported, each answered request checks whether the database is back
    (one quick query), so the "back" line is logged once it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if outage.is_down() and response.status_code < 500:
            outage.check_available()
        return response
