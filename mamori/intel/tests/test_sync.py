"""Advisory sources against a local HTTP server: NVD paging with the lastModified cursor and
rate limiting, KEV with conditional GET; imports trigger a re-match of the concerned orgs."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings

from mamori.core.models import Job
from mamori.intel.models import Advisory, SyncState
from mamori.intel.sync import sync_document, sync_nvd
from mamori.intel.tests.samples import kev_json, nvd_page, nvd_record
from mamori.inventory.models import Software

LOOPBACK = ["127.0.0.0/8"]
RECORDS = [nvd_record(f"CVE-2024-{n:04d}") for n in range(5)]


class Handler(BaseHTTPRequestHandler):
    queries: list[dict[str, list[str]]] = []
    throttle_once = False

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        parsed = urllib.parse.urlsplit(self.path)
        if parsed.path == "/kev":
            if self.headers.get("If-None-Match") == '"k1"':
                self.send_response(304)
                self.end_headers()
                return
            body, extra = kev_json(), {"ETag": '"k1"'}
        else:
            query = urllib.parse.parse_qs(parsed.query)
            Handler.queries.append(query)
            if Handler.throttle_once:
                Handler.throttle_once = False
                self.send_response(429)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = int(query["startIndex"][0])
            body = nvd_page(RECORDS[start : start + 2], start=start, total=len(RECORDS))
            extra = {}
        self.send_response(200)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def base() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Handler.queries = []
    Handler.throttle_once = False
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.django_db
def test_nvd_pages_cursor_and_rate_limit(org: Any, base: str) -> None:
    Software.objects.create(organization=org, vendor="Apache", product="Struts", version="2.5.30")
    pauses: list[float] = []
    Handler.throttle_once = True
    with override_settings(INTEL_NVD_URL=f"{base}/nvd"):
        result = sync_nvd(allow_networks=LOOPBACK, sleep=pauses.append)
    assert result.created == 5 and Advisory.objects.count() == 5
    assert [q["startIndex"][0] for q in Handler.queries] == ["0", "0", "2", "4"]
    assert pauses[0] >= 30  # the 429 was waited out
    assert all(p >= 6 for p in pauses)  # no API key: NVD's public rate
    state = SyncState.objects.get(source="nvd")
    assert state.cursor and state.last_error == ""
    # The next run starts where this one ended, and re-imports update in place.
    Handler.queries = []
    with override_settings(INTEL_NVD_URL=f"{base}/nvd", NVD_API_KEY="k"):
        again = sync_nvd(allow_networks=LOOPBACK, sleep=pauses.append)
    assert Handler.queries[0]["lastModStartDate"][0].startswith(state.cursor[:19])
    assert again.created == 0 and Advisory.objects.count() == 5
    assert Job.objects.filter(kind="intel.rematch", organization_id=org.pk).exists()


@pytest.mark.django_db
def test_kev_conditional_get(base: str) -> None:
    with override_settings(INTEL_KEV_URL=f"{base}/kev"):
        first = sync_document("kev", allow_networks=LOOPBACK)
        assert first.created == 2
        second = sync_document("kev", allow_networks=LOOPBACK)
    assert second.created == 0 and second.updated == 0
    kev = Advisory.objects.get(advisory_id="CVE-2023-50164")
    assert kev.kev and str(kev.kev_due_date) == "2024-01-26"
    assert SyncState.objects.get(source="kev").etag == '"k1"'
