"""Error pages in the user's language, rendered without touching the database or the session.

The API (paths under /api/) gets the same errors as JSON ({"detail": ...}), never a page.
A database outage answers 503 and a full disk names the full place; both are logged as one line
per change of state (mamori.core.outage), not as a traceback per request.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from mamori.core import outage

logger = logging.getLogger("mamori.errors")

DISK_FULL_LOG_SECONDS = 300.0
_disk_full_logged_at = -DISK_FULL_LOG_SECONDS


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": text}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    body = render_to_string("core/error.html", {"status": status, "title": title, "text": text})
    return HttpResponse(body, status=status)


def full_place(error: BaseException) -> str:
    """Where the disk is full: the file named by the error, else the database's location."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        filename = getattr(current, "filename", None)
        if isinstance(current, OSError) and filename:
            return str(Path(str(filename)).parent)
        current = current.__cause__ or current.__context__
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return str(Path(str(database["NAME"])).parent)
    return _("the database server (%(host)s)") % {"host": database.get("HOST") or "localhost"}


def disk_full_text(error: BaseException) -> str:
    return _("The disk is full: %(path)s. Free some space there, then try again.") % {
        "path": full_place(error)
    }


def _outage_in_chain(error: BaseException) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if outage.is_outage(current):
            return current
        current = current.__cause__ or current.__context__
    return None


def fault_response(request: HttpRequest, error: BaseException) -> HttpResponse | None:
    """The answer to an outage or a full disk (logged once per state change), or None."""
    if outage.is_disk_full(error):
        global _disk_full_logged_at
        now = time.monotonic()
        if now - _disk_full_logged_at >= DISK_FULL_LOG_SECONDS:  # one line, not one per request
            _disk_full_logged_at = now
            logger.error("disk full at %s (%s)", full_place(error), type(error).__name__)
        response = _page(request, 507, _("No space left"), disk_full_text(error))
    elif (cause := _outage_in_chain(error)) is not None:
        outage.report_unavailable(cause, request.path)
        response = _page(
            request,
            503,
            _("Temporarily unavailable"),
            _(
                "The database cannot be reached at the moment. Nothing you entered was saved; "
                "please try again in a few minutes."
            ),
        )
        response["Retry-After"] = "30"
    else:
        return None
    # Logged above as one line per outage: Django must not log a traceback per request.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A session that could not be saved (SessionInterrupted) because of a full disk or an outage.
    if exception is not None:
        answer = fault_response(request, exception)
        if answer is not None:
            return answer
    return _page(request, 400, _("Bad request"), _("The request could not be understood."))


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("Not allowed"),
        _("Your role in this organisation does not allow this. Ask an owner if you need it."),
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, _("Not found"), _("There is nothing here, or you cannot see it."))


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    if error is not None:
        answer = fault_response(request, error)
        if answer is not None:
            return answer
    return _page(
        request,
        500,
        _("Something went wrong"),
        _("The error was logged. Nothing you entered was saved; please try again."),
    )
