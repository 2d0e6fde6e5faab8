"""Log lines an operator can follow: every line carries the request id, job id (and kind) and
organisation id it belongs to, and `MAMORI_LOG_FORMAT=json` writes one JSON object per line for a log
collector.

What we log is ids and outcomes, never secrets or personal data; as a second line of defence the
formatter masks anything that looks like a credential or a mail address before it is written
(tested in core/tests/test_logcontext.py).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # settings import this module: nothing from Django at import time
    from django.http import HttpRequest, HttpResponse

request_id: ContextVar[str] = ContextVar("mamori_request_id", default="")
job_id: ContextVar[str] = ContextVar("mamori_job_id", default="")
job_kind: ContextVar[str] = ContextVar("mamori_job_kind", default="")
org_id: ContextVar[str] = ContextVar("mamori_org_id", default="")

# A request id given by the proxy in front is kept only when it looks like one (no log injection).
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

_SECRETS = [
    # key=value and "key": "value" forms of passwords, tokens and keys
    (
        re.compile(
            r"(?i)(\"?(?:password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie|"
            r"sessionid|csrftoken)\"?\s*[:=]\s*)(\"?)(?:Bearer\s+)?[^\s\"',;&]+"
        ),
        r"\1\2[redacted]",
    ),
    (re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer [redacted]"),
    # URL credentials: scheme://user:password@host
    (re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@"), r"\1[redacted]@"),
    # mail addresses (personal data)
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[address]"),
]


# Set when `mamori serve` runs several web processes: every line then names the process that
# wrote it (pid), so an operator can tell the processes apart in one log.
_show_process = False


def show_process_id() -> None:
    global _show_process
    _show_process = True


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class ContextFilter(logging.Filter):
    """Adds request_id, job_id, job_kind and org_id to every record (empty outside a request or
    job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.job_id = job_id.get()
        record.job_kind = job_kind.get()
        record.org_id = org_id.get()
        return True


class PlainFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            f"{name}={value}"
            for name, value in (
                ("request", getattr(record, "request_id", "")),
                ("job", getattr(record, "job_id", "")),
                ("kind", getattr(record, "job_kind", "")),
                ("org", getattr(record, "org_id", "")),
            )
            if value
        ]
        if _show_process:
            parts.insert(0, f"pid={record.process}")
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in ("request_id", "job_id", "job_kind", "org_id"):
            value = getattr(record, name, "")
            if value:
                entry[name] = value
        if _show_process:
            entry["pid"] = record.process
        for name in ("method", "route", "status", "duration_ms"):
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    formatter = "json" if log_format == "json" else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "mamori.core.logcontext.ContextFilter"}},
        "formatters": {
            "plain": {"()": "mamori.core.logcontext.PlainFormatter"},
            "json": {"()": "mamori.core.logcontext.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.request": {"level": "ERROR"}},
    }


@contextmanager
def job_context(job_pk: Any, organization_pk: Any = None, *, kind: str = "") -> Iterator[None]:
    """Log lines inside the block carry the job's id and kind (and its organisation's id)."""
    job_token = job_id.set(str(job_pk))
    kind_token = job_kind.set(kind)
    org_token = org_id.set(str(organization_pk) if organization_pk else "")
    try:
        yield
    finally:
        job_id.reset(job_token)
        job_kind.reset(kind_token)
        org_id.reset(org_token)


def set_organization(organization_pk: Any) -> None:
    org_id.set(str(organization_pk))


access_logger = logging.getLogger("mamori.requests")


class RequestContextMiddleware:
    """First in the chain: gives each request an id (kept from X-Request-ID when sane), returns
    it in the response, and writes one access line per request at INFO with the route name —
    never the path, whose query string may carry a token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        rid_token = request_id.set(rid)
        org_token = org_id.set("")
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            elapsed = time.perf_counter() - started
            route = _route(request)
            from mamori.core.latency import observe

            observe(route, elapsed)
            access_logger.info(
                "%s %s %s %.1f ms",
                request.method,
                route,
                response.status_code,
                elapsed * 1000,
                extra={
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            return response
        finally:
            request_id.reset(rid_token)
            org_id.reset(org_token)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.view_name:
        return "unmatched"
    return match.view_name
