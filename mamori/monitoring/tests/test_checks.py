"""Security headers, HTTP→HTTPS redirect and certificate expiry classification."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mamori.monitoring.checks import (
    check_headers,
    check_https_redirect,
    classify_certificate,
    expiry_stage,
)

GOOD = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def codes(items: list) -> list[str]:
    return [item.code for item in items]


def test_well_configured_headers_have_no_issues() -> None:
    assert check_headers(GOOD) == []
    lower = {key.lower(): value for key, value in GOOD.items()}
    assert check_headers(lower) == []


def test_no_headers_at_all() -> None:
    assert codes(check_headers({})) == [
        "hsts_missing",
        "csp_missing",
        "nosniff_missing",
        "framing_unprotected",
        "referrer_policy_missing",
    ]
    assert "hsts_missing" not in codes(check_headers({}, https=False))


def test_frame_protection_by_either_header() -> None:
    without_csp = {k: v for k, v in GOOD.items() if k != "Content-Security-Policy"}
    assert "framing_unprotected" in codes(check_headers(without_csp))
    assert "framing_unprotected" not in codes(
        check_headers({**without_csp, "X-Frame-Options": "SAMEORIGIN"})
    )
    weak_csp = {**GOOD, "Content-Security-Policy": "default-src 'self'"}
    assert codes(check_headers(weak_csp)) == ["framing_unprotected"]


def test_short_hsts_and_wrong_nosniff() -> None:
    issues = check_headers(
        {**GOOD, "Strict-Transport-Security": "max-age=86400", "X-Content-Type-Options": "yes"}
    )
    assert codes(issues) == ["hsts_short", "nosniff_missing"]
    assert "1" in issues[0].ja and "1 day" in issues[0].en


@pytest.mark.parametrize(
    ("start", "final", "status", "expected"),
    [
        ("http://shop.example/", "https://shop.example/", 200, None),
        ("http://shop.example/", "https://www.shop.example/", 200, None),
        ("http://shop.example/", "http://shop.example/", 200, "https_redirect_missing"),
        ("http://shop.example/", "http://shop.example/", 500, "https_redirect_missing"),
        ("http://shop.example/", "https://parked.example/", 200, "https_redirect_offsite"),
        ("http://shop.example/", "http://shop.example/", 0, None),
        ("https://shop.example/", "https://shop.example/", 200, None),
    ],
)
def test_https_redirect(start: str, final: str, status: int, expected: str | None) -> None:
    issue = check_https_redirect(start, final, status)
    assert (issue.code if issue else None) == expected


@pytest.mark.parametrize(
    ("days", "stage", "level"),
    [
        (None, "ok", "none"),
        (365, "ok", "none"),
        (31, "ok", "none"),
        (30, "30", "caution"),
        (15, "30", "caution"),
        (14, "14", "caution"),
        (8, "14", "caution"),
        (7, "7", "danger"),
        (0, "7", "danger"),
        (-1, "expired", "danger"),
    ],
)
def test_certificate_stages(days: int | None, stage: str, level: str) -> None:
    assert expiry_stage(days) == stage
    verdict = classify_certificate(datetime(2026, 12, 1, tzinfo=UTC), days)
    assert verdict.stage == stage and verdict.level == level
    assert len(verdict.issues) == (0 if stage == "ok" else 1)
    if stage not in ("ok", "expired"):
        assert f"{days}" in verdict.issues[0].ja and "2026-12-01" in verdict.issues[0].en


def test_untrusted_certificate_is_caution() -> None:
    verdict = classify_certificate(
        datetime(2027, 1, 1, tzinfo=UTC), 200, verified=False, verify_error="self-signed"
    )
    assert verdict.level == "caution"
    assert codes(list(verdict.issues)) == ["cert_untrusted"]
    assert "self-signed" in verdict.issues[0].en
