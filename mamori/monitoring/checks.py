"""Site checks beside defacement: security headers, HTTP→HTTPS redirect, certificate expiry."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from mamori.monitoring.compare import same_site
from mamori.monitoring.texts import Reason, reason

HSTS_MIN_SECONDS = 180 * 86400
CERT_STAGES = ((7, "7"), (14, "14"), (30, "30"))
_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d{1,12})", re.IGNORECASE)
_FRAME_ANCESTORS = re.compile(r"(?:^|;)\s*frame-ancestors\s", re.IGNORECASE)


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(key).lower(): str(value) for key, value in headers.items()}


def check_headers(headers: Mapping[str, str], *, https: bool = True) -> list[Reason]:
    """Missing or weak basic security headers of a page response (level "info")."""
    found = _lower_keys(headers)
    issues: list[Reason] = []
    if https:
        hsts = found.get("strict-transport-security")
        if hsts is None:
            issues.append(reason("hsts_missing"))
        else:
            match = _MAX_AGE.search(hsts)
            seconds = int(match.group(1)) if match else 0
            if seconds < HSTS_MIN_SECONDS:
                issues.append(reason("hsts_short", [hsts], days=seconds // 86400))
    csp = found.get("content-security-policy")
    if not csp:
        issues.append(reason("csp_missing"))
    if found.get("x-content-type-options", "").strip().lower() != "nosniff":
        issues.append(
            reason("nosniff_missing", [found["x-content-type-options"]])
            if "x-content-type-options" in found
            else reason("nosniff_missing")
        )
    xfo = found.get("x-frame-options", "").strip().lower()
    if xfo not in ("deny", "sameorigin") and not (csp and _FRAME_ANCESTORS.search(csp)):
        issues.append(reason("framing_unprotected"))
    if not found.get("referrer-policy", "").strip():
        issues.append(reason("referrer_policy_missing"))
    return issues


def check_https_redirect(http_url: str, final_url: str, status: int) -> Reason | None:
    """Judge the result of fetching the http:// address of a site.

    ``final_url`` and ``status`` come from ``mamori.core.http.fetch(http_url)``. No answer at all
    (status 0: port 80 closed) is fine; staying on http:// is not; landing on another site is
    reported so the owner can confirm it.
    """
    if status == 0:
        return None
    try:
        start = urlsplit(http_url)
        final = urlsplit(final_url)
    except ValueError:
        return None
    if start.scheme.lower() != "http":
        return None
    if final.scheme.lower() != "https":
        return reason("https_redirect_missing", [final_url], url=final_url)
    start_host = (start.hostname or "").lower()
    final_host = (final.hostname or "").lower()
    if start_host and final_host and not same_site(final_host, start_host):
        return reason("https_redirect_offsite", [final_url], url=final_url)
    return None


def expiry_stage(days_left: int | None) -> str:
    """Which warning stage a certificate is in: expired, 7, 14, 30 or ok (unknown → ok)."""
    if days_left is None:
        return "ok"
    if days_left < 0:
        return "expired"
    for limit, stage in CERT_STAGES:
        if days_left <= limit:
            return stage
    return "ok"


@dataclass(frozen=True)
class CertificateVerdict:
    stage: str
    level: str
    issues: tuple[Reason, ...]


def classify_certificate(
    not_after: datetime | None,
    days_left: int | None,
    *,
    verified: bool = True,
    verify_error: str | None = None,
) -> CertificateVerdict:
    """Expiry stage (30/14/7 days, expired) and trust of a certificate as bilingual issues."""
    stage = expiry_stage(days_left)
    issues: list[Reason] = []
    date = not_after.strftime("%Y-%m-%d") if not_after else "?"
    if stage == "expired":
        issues.append(reason("cert_expired", [date], date=date))
    elif stage != "ok":
        issues.append(reason(f"cert_expires_{stage}", [date], days=days_left, date=date))
    if not verified and stage != "expired":
        detail = verify_error or "unknown"
        issues.append(reason("cert_untrusted", [detail], detail=detail))
    levels = [item.level for item in issues]
    level = "danger" if "danger" in levels else "caution" if "caution" in levels else "none"
    return CertificateVerdict(stage=stage, level=level, issues=tuple(issues))


def fetch_problem(status: int, error: str | None, error_kind: str | None = None) -> Reason | None:
    """A caution when a fetch gave no usable page (no answer, or an HTTP error status).

    The caller confirms with a second fetch before reporting (one failure is often a blip).
    A 304 answer to a conditional GET is not a problem.
    """
    if error is not None:
        detail = f"{error_kind}: {error}" if error_kind else error
        return reason("page_unreachable", [detail], detail=error_kind or "error")
    if status >= 400 or status < 200:
        return reason("page_http_error", [str(status)], status=status)
    return None
