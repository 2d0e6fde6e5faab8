"""A feed read from broken XML says so on the feeds page, in the reader's language."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mamori.intel.fetching import fetch_feed
from mamori.intel.models import Feed, FeedItem

BROKEN = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>Broken & Co</title>"
    b"<item><title>one &nbsp; entry</title><link>https://e.example/1</link></item>"
    b"<item><title>two</title><link>https://e.example/2</link><description>a <b>bold"
    b"</description></item></channel></rss>"
)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(BROKEN)))
        self.end_headers()
        self.wfile.write(BROKEN)


@pytest.fixture
def url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/rss"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.django_db(transaction=True)
def test_broken_feed_keeps_its_entries_and_the_page_says_so_in_japanese(
    org: Any, members: dict[str, Any], client_as: Any, url: str
) -> None:
    feed = Feed.objects.create(organization=org, name="broken", url=url)
    fetch_feed(feed.pk, allow_networks=["127.0.0.0/8"])
    feed.refresh_from_db()
    assert feed.last_error == ""
    assert sorted(FeedItem.objects.filter(feed=feed).values_list("title", flat=True)) == [
        "one entry",
        "two",
    ]
    page = client_as(members["owner"]).get(f"/o/{org.slug}/intel/feeds/").content.decode()
    assert "読み取れた記事は取り込みました" in page
    assert "malformed XML" not in page and "line 1" not in page
