"""The monitoring service against a local page server: text changes, injected scripts and
frames, HTTP errors confirmed by a second fetch, an expiring self-signed certificate, headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from mamori.core.models import Job
from mamori.findings.models import Finding, Status
from mamori.monitoring import services
from mamori.monitoring.models import ChangeStatus, PageState, Snapshot, WatchedPage

from .servers import SAFE_HEADERS, page_server, self_signed

LOOPBACK = ["127.0.0.0/8"]
HOME = """<html><body><h1>テスト商店</h1><p>営業時間 9:00-18:00</p>
<p class="counter">訪問者 1234 人</p></body></html>"""


def open_findings(org: Any, kind: str) -> list[Finding]:
    return list(Finding.objects.filter(organization=org, kind=kind, status=Status.OPEN))


def watch(org: Any, url: str, **fields: Any) -> WatchedPage:
    return services.save_page(None, org, WatchedPage(url=url, **fields))


def check(page: WatchedPage, **kwargs: Any) -> WatchedPage:
    result = services.run_check(page.pk, allow_networks=LOOPBACK, **kwargs)
    assert result is not None
    result.refresh_from_db()
    return result


@pytest.mark.django_db
def test_text_change_is_a_caution_until_approved(org: Any) -> None:
    with page_server() as (base, pages):
        pages.set("/", HOME, headers=SAFE_HEADERS)
        page = watch(org, base + "/", ignore_selectors=".counter")
        page = check(page)
        assert page.state == PageState.OK
        # The ignored region changes by itself: no change.
        pages.set("/", HOME.replace("1234", "1301"), headers=SAFE_HEADERS)
        page = check(page)
        assert page.state == PageState.OK and page.pending_change is None

        pages.set("/", HOME.replace("9:00-18:00", "10:00-15:00"), headers=SAFE_HEADERS)
        page = check(page)
        assert page.state == PageState.CHANGED
        change = page.pending_change
        assert change is not None and change.level == "caution"
        assert [f.severity for f in open_findings(org, "monitoring.page_changed")] == ["low"]
        assert open_findings(org, "monitoring.defacement") == []

        # The same content again is the same change, not a new one.
        page = check(page)
        assert page.changes.count() == 1

        from django.test import RequestFactory

        request = RequestFactory().post("/")
        request.user = org.memberships.first().user
        services.approve_change(request, change)
        page.refresh_from_db()
        change.refresh_from_db()
        assert change.status == ChangeStatus.APPROVED
        assert page.state == PageState.OK
        assert "10:00-15:00" in page.baseline["text"]
        assert open_findings(org, "monitoring.page_changed") == []
        page = check(page)
        assert page.state == PageState.OK


@pytest.mark.django_db
def test_new_external_iframe_is_dangerous(org: Any) -> None:
    with page_server() as (base, pages):
        pages.set("/", HOME, headers=SAFE_HEADERS)
        page = check(watch(org, base + "/"))
        pages.set(
            "/",
            HOME.replace(
                "</body>", '<iframe src="https://bad.example.net/ad" width="1"></iframe></body>'
            ),
            headers=SAFE_HEADERS,
        )
        page = check(page)
        assert page.state == PageState.DANGER
        [finding] = open_findings(org, "monitoring.defacement")
        assert finding.severity == "critical"
        assert "bad.example.net" in finding.params["changes"]
        assert any("bad.example.net" in item["text"] for item in finding.evidence)


@pytest.mark.django_db
def test_http_error_is_reported_only_after_a_confirmation_fetch(org: Any) -> None:
    with page_server() as (base, pages):
        pages.set("/", HOME, headers=SAFE_HEADERS)
        page = check(watch(org, base + "/"))
        pages.set("/", "<h1>Internal Server Error</h1>", status=500)
        page = check(page)
        assert page.failures == 1 and page.state == PageState.OK
        assert open_findings(org, "monitoring.unreachable") == []
        confirm = Job.objects.get(unique_key=f"monitoring.confirm:{page.pk}")
        assert confirm.payload == {"page_id": page.pk, "confirm": True}

        page = check(page, confirm=True)
        assert page.state == PageState.UNREACHABLE
        [finding] = open_findings(org, "monitoring.unreachable")
        assert "500" in str(finding.params["error"]) or "500" in str(finding.evidence)

        pages.set("/", HOME, headers=SAFE_HEADERS)
        page = check(page)
        assert page.state == PageState.OK and page.failures == 0
        assert open_findings(org, "monitoring.unreachable") == []


@pytest.mark.django_db
def test_loopback_is_refused_unless_allowed(org: Any) -> None:
    with page_server() as (base, pages), override_settings(OUTBOUND_ALLOW_NETWORKS=[]):
        pages.set("/", HOME)
        page = watch(org, base + "/")
        services.run_check(page.pk)
        services.run_check(page.pk, confirm=True)
        page.refresh_from_db()
        assert pages.hits == []
        assert page.state == PageState.UNREACHABLE
        assert "refused" in (page.problem or {}).get("evidence", [""])[0]


@pytest.mark.django_db
def test_expiring_self_signed_certificate_and_headers(org: Any, tmp_path: Path) -> None:
    server_context, client_context = self_signed(tmp_path, days_valid=5)
    with page_server(server_context) as (base, pages):
        pages.set("/", HOME)  # no security headers at all
        page = check(watch(org, base + "/"), ssl_context=client_context)
        assert page.state == PageState.OK
        assert page.certificate is not None and page.certificate["stage"] == "7"
        [cert] = open_findings(org, "monitoring.certificate_expiring")
        assert cert.params["days_left"] == 5
        assert cert.params["host"] == "127.0.0.1"
        [headers] = open_findings(org, "monitoring.security_headers")
        for name in ("Strict-Transport-Security", "Content-Security-Policy", "Referrer-Policy"):
            assert name in headers.params["missing"]

        pages.set("/", HOME, headers=SAFE_HEADERS)
        page = check(page, ssl_context=client_context)
        missing = open_findings(org, "monitoring.security_headers")
        # Only the redirect check (no plain-HTTP listener here) may remain.
        assert all("Content-Security-Policy" not in f.params["missing"] for f in missing)


@pytest.mark.django_db
def test_snapshots_keep_full_fingerprints_only_when_the_page_differs(org: Any) -> None:
    with page_server() as (base, pages):
        pages.set("/", HOME, headers=SAFE_HEADERS)
        page = watch(org, base + "/", expected_keywords="テスト商店")
        for _ in range(3):
            page = check(page)
        snapshots = list(Snapshot.objects.filter(page=page).order_by("fetched_at", "id"))
        assert len(snapshots) == 3
        assert snapshots[0].fingerprint is not None
        assert [s.fingerprint is None for s in snapshots[1:]] == [True, True]
        assert len({s.raw_sha256 for s in snapshots}) == 1

        # An expected word disappears: a caution naming it.
        pages.set("/", HOME.replace("テスト商店", "別の店"), headers=SAFE_HEADERS)
        page = check(page)
        assert page.state == PageState.CHANGED
        codes = {r["code"] for r in page.pending_change.reasons}
        assert "missing_keywords" in codes
