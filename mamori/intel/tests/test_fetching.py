"""Feed fetching against a local HTTP server (loopback explicitly allowed): ETag/304,
redirects, errors; a failing feed keeps its stored items and does not stop the others."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mamori.intel.fetching import fetch_feed
from mamori.intel.models import Feed, FeedItem
from mamori.intel.tests.fixtures import rss
from mamori.intel.tests.samples import BILLION_LAUGHS, HTML_PAGE

LOOPBACK = ["127.0.0.0/8"]
FEED = rss(
    "Local feed",
    [
        ("First local item", "https://local.example/1", "Mon, 11 Dec 2023 15:00:00 +0900"),
        ("Second local item", "https://local.example/2", "Tue, 12 Dec 2023 15:00:00 +0900"),
    ],
)


class Handler(BaseHTTPRequestHandler):
    requests: list[tuple[str, str | None]] = []
    broken = False

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        Handler.requests.append((self.path, self.headers.get("If-None-Match")))
        if self.path == "/feed":
            if Handler.broken:
                self._send(500, b"oops")
            elif self.headers.get("If-None-Match") == '"v1"':
                self._send(304, ETag='"v1"')
            else:
                self._send(200, FEED, ETag='"v1"', Content_Type="application/rss+xml")
        elif self.path == "/moved":
            self._send(301, Location="/feed")
        elif self.path == "/loop":
            self._send(302, Location="/loop")
        elif self.path == "/html":
            self._send(200, HTML_PAGE, Content_Type="text/html")
        elif self.path == "/bomb":
            self._send(200, BILLION_LAUGHS, Content_Type="application/xml")
        else:
            self._send(500, b"server error")


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.requests = []
    Handler.broken = False
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _feed(org: Any, url: str, name: str = "Local") -> Feed:
    return Feed.objects.create(organization=org, name=name, url=url)


@pytest.mark.django_db
def test_etag_gives_304_and_nothing_is_stored_twice(org: Any, server: str) -> None:
    feed = _feed(org, f"{server}/feed")
    first = fetch_feed(feed.pk, allow_networks=LOOPBACK, force=True)
    assert first.ok and len(first.new_items) == 2
    feed.refresh_from_db()
    assert feed.etag == '"v1"' and feed.item_count == 2 and feed.last_error == ""
    second = fetch_feed(feed.pk, allow_networks=LOOPBACK, force=True)
    assert second.ok and second.not_modified and second.new_items == []
    assert Handler.requests[-1] == ("/feed", '"v1"')  # the conditional GET was sent
    assert FeedItem.objects.filter(feed=feed).count() == 2


@pytest.mark.django_db
def test_redirect_is_followed(org: Any, server: str) -> None:
    feed = _feed(org, f"{server}/moved")
    outcome = fetch_feed(feed.pk, allow_networks=LOOPBACK, force=True)
    assert outcome.ok and len(outcome.new_items) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "expected"),
    [("/loop", "redirect"), ("/html", "HTML"), ("/error", "HTTP 500"), ("/bomb", "")],
)
def test_bad_feeds_get_a_clear_error_and_others_keep_working(
    org: Any, server: str, path: str, expected: str
) -> None:
    good = _feed(org, f"{server}/feed", "Good")
    bad = _feed(org, f"{server}{path}", "Bad")
    assert fetch_feed(good.pk, allow_networks=LOOPBACK, force=True).ok
    outcome = fetch_feed(bad.pk, allow_networks=LOOPBACK, force=True)
    assert not outcome.ok
    bad.refresh_from_db()
    assert bad.last_error and expected.lower() in bad.last_error.lower()
    assert bad.error_count == 1 and bad.next_fetch_at is not None
    good.refresh_from_db()
    assert good.last_error == "" and FeedItem.objects.filter(feed=good).count() == 2


@pytest.mark.django_db
def test_a_failing_feed_keeps_its_items_and_backs_off(org: Any, server: str) -> None:
    feed = _feed(org, f"{server}/feed")
    assert fetch_feed(feed.pk, allow_networks=LOOPBACK, force=True).ok
    Handler.broken = True
    for attempt in (1, 2):
        assert not fetch_feed(feed.pk, allow_networks=LOOPBACK, force=True).ok
        feed.refresh_from_db()
        assert feed.error_count == attempt
    assert "HTTP 500" in feed.last_error
    assert FeedItem.objects.filter(feed=feed).count() == 2
    waited = feed.next_fetch_at - feed.last_fetched_at
    assert waited.total_seconds() >= 4 * 60 * feed.interval_minutes  # 2**2 intervals
    # In backoff, the scheduled run does not fetch at all.
    before = len(Handler.requests)
    assert fetch_feed(feed.pk, allow_networks=LOOPBACK).not_modified
    assert len(Handler.requests) == before
    Handler.broken = False
    assert fetch_feed(feed.pk, allow_networks=LOOPBACK, force=True).ok
    feed.refresh_from_db()
    assert feed.error_count == 0 and feed.last_error == ""


@pytest.mark.django_db
def test_loopback_is_refused_without_the_allow_list(org: Any, server: str) -> None:
    feed = _feed(org, f"{server}/feed")
    outcome = fetch_feed(feed.pk, allow_networks=[], force=True)
    assert not outcome.ok
    assert Handler.requests == []


@pytest.mark.django_db
def test_feed_page_shows_the_error(
    org: Any, members: dict[str, Any], client_as: Any, server: str
) -> None:
    feed = _feed(org, f"{server}/html", "Broken feed")
    fetch_feed(feed.pk, allow_networks=LOOPBACK, force=True)
    body = client_as(members["editor"]).get(f"/o/{org.slug}/intel/feeds/").content.decode()
    assert "Broken feed" in body and "HTML" in body
    assert client_as(members["viewer"]).get(f"/o/{org.slug}/intel/feeds/").status_code == 403
