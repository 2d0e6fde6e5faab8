"""The MyJVN API fetch job against a local HTTP server: paging by startItem, the last-updated
date cursor, rate limiting, the API's own error status, and where an interrupted run resumes."""

from __future__ import annotations

import datetime as dt
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings

from mamori.intel import sync
from mamori.intel.models import Advisory, SyncState
from mamori.intel.parsers import parse_myjvn

LOOPBACK = ["127.0.0.0/8"]
TOTAL = 5
NOW = dt.datetime(2024, 5, 10, 3, 0, tzinfo=dt.UTC)


def page(first: int, count: int, total: int = TOTAL) -> bytes:
    items = "".join(
        f'<item rdf:about="https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-{n:06d}.html">'
        f"<title>製品 {n} の脆弱性</title>"
        f"<link>https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-{n:06d}.html</link>"
        f"<sec:identifier>JVNDB-2024-{n:06d}</sec:identifier>"
        f'<sec:cpe version="2.2" vendor="Example" product="Widget">cpe:/a:example:widget</sec:cpe>'
        f"<dcterms:modified>2024-05-0{1 + n % 5}T10:00:00+09:00</dcterms:modified></item>"
        for n in range(first, min(first + count, total + 1))
    )
    returned = max(min(count, total - first + 1), 0)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rdf:RDF xmlns="http://purl.org/rss/1.0/" '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" '
        'xmlns:status="http://jvndb.jvn.jp/myjvn/Status" xml:lang="ja">'
        '<channel rdf:about="https://jvndb.jvn.jp/apis/myjvn"><title>JVNDB</title></channel>'
        f'{items}<status:Status version="3.3" method="getVulnOverviewList" retCd="0" '
        f'errCd="" errMsg="" totalRes="{total}" totalResRet="{returned}" firstRes="{first}"/>'
        "</rdf:RDF>"
    ).encode()


ERROR = (
    b'<?xml version="1.0"?><Result xmlns:status="http://jvndb.jvn.jp/myjvn/Status">'
    b'<status:Status retCd="1" errCd="1001" errMsg="invalid parameter" totalRes="0"/></Result>'
)


class Handler(BaseHTTPRequestHandler):
    queries: list[dict[str, list[str]]] = []
    throttle_once = False
    fail_from: int | None = None
    per_page = 2

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        Handler.queries.append(query)
        if Handler.throttle_once:
            Handler.throttle_once = False
            self.send_response(429)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = int(query["startItem"][0])
        body = (
            ERROR
            if Handler.fail_from and start >= Handler.fail_from
            else page(start, Handler.per_page)
        )
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def base() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Handler.queries, Handler.throttle_once, Handler.fail_from = [], False, None
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/myjvn"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_paging_facts_from_the_status_node():
    result = parse_myjvn(page(3, 2))
    assert [a.jvndb_id for a in result.advisories] == ["JVNDB-2024-000003", "JVNDB-2024-000004"]
    assert (result.total_results, result.start_index, result.next_start_index) == (5, 2, 4)


@pytest.mark.django_db
def test_pages_through_updates_with_a_pause_and_a_retry_after_429(base: str) -> None:
    pauses: list[float] = []
    Handler.throttle_once = True
    with override_settings(INTEL_MYJVN_URL=base):
        result = sync.sync_myjvn(allow_networks=LOOPBACK, sleep=pauses.append, now=NOW)
    assert result.created == TOTAL and Advisory.objects.count() == TOTAL
    starts = [q["startItem"][0] for q in Handler.queries]
    assert starts == ["1", "1", "3", "5"]  # the throttled first page was asked again
    first = Handler.queries[0]
    assert first["method"] == ["getVulnOverviewList"] and first["maxCountItem"] == ["50"]
    assert (first["datePublishedStartY"], first["datePublishedStartM"]) == (["2024"], ["04"])
    assert pauses[0] == 30.0 and sync.MYJVN_PAUSE_SECONDS in pauses
    state = SyncState.objects.get(source="myjvn")
    assert state.cursor == "2024-05-10" and state.last_error == ""
    # the next run starts from the day reached
    Handler.queries = []
    with override_settings(INTEL_MYJVN_URL=base):
        again = sync.sync_myjvn(allow_networks=LOOPBACK, sleep=pauses.append, now=NOW)
    assert again.created == 0 and again.unchanged == TOTAL
    assert Handler.queries[0]["datePublishedStartD"] == ["10"]


@pytest.mark.django_db
def test_an_api_error_keeps_the_place_for_the_next_run(base: str) -> None:
    Handler.fail_from = 3
    with override_settings(INTEL_MYJVN_URL=base):
        result = sync.sync_myjvn(allow_networks=LOOPBACK, sleep=lambda s: None, now=NOW)
    assert result.created == 2
    state = SyncState.objects.get(source="myjvn")
    assert "invalid parameter" in state.last_error
    assert state.cursor == "2024-04-10#3"
    Handler.fail_from, Handler.queries = None, []
    with override_settings(INTEL_MYJVN_URL=base):
        sync.sync_myjvn(allow_networks=LOOPBACK, sleep=lambda s: None, now=NOW)
    assert Handler.queries[0]["startItem"] == ["3"]
    assert Advisory.objects.count() == TOTAL


@pytest.mark.django_db
def test_the_job_is_scheduled_with_the_other_sources() -> None:
    from mamori.core.models import Job

    sync.ensure_scheduled()
    assert Job.objects.filter(unique_key="intel.sync:myjvn", kind="intel.sync_myjvn").exists()
