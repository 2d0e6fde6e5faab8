"""Monitoring passes against a local web site started by the test (loopback allowed)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mamori.core.http import tls_certificate
from mamori.monitoring.checks import check_https_redirect, classify_certificate
from mamori.monitoring.engine import check_page

LOOPBACK = ["127.0.0.0/8"]
PAGE = (
    "<html><head><title>山田商店</title></head><body><h1>山田商店</h1>"
    "<p>営業時間 10:00-18:00</p><p class='stamp'>更新 {stamp}</p>"
    "<script src='/js/site.js'></script>{extra}</body></html>"
)


class Site:
    """Pages the test edits between passes: path -> (status, headers, body)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def set(self, path: str, body: str, status: int = 200, **headers: str) -> None:
        merged = {"Content-Type": "text/html; charset=utf-8", **headers}
        self.pages[path] = (status, merged, body.encode("utf-8"))


def handler_for(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:
            status, headers, body = site.pages.get(self.path, (404, {}, b"missing"))
            etag = headers.get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@pytest.fixture()
def site() -> Iterator[tuple[Site, str]]:
    pages = Site()
    server = QuietServer(("127.0.0.1", 0), handler_for(pages))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield pages, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_defacement_lifecycle(site: tuple[Site, str]) -> None:
    pages, base = site
    url = base + "/"
    ignore = [".stamp"]
    pages.set("/", PAGE.format(stamp="11/21", extra=""))
    first = check_page(url, ignore_selectors=ignore, allow_networks=LOOPBACK)
    assert first.fingerprint is not None and first.change is None and first.problem is None
    baseline = first.fingerprint

    # Only the ignored time stamp moves: nothing to report.
    pages.set("/", PAGE.format(stamp="11/22", extra=""))
    same = check_page(url, baseline=baseline, ignore_selectors=ignore, allow_networks=LOOPBACK)
    assert same.change is not None and same.change.level == "none" and same.change.raw_changed

    # Text changes: caution.
    pages.set("/", PAGE.format(stamp="11/22", extra="<p>臨時休業のお知らせ</p>"))
    text = check_page(url, baseline=baseline, ignore_selectors=ignore, allow_networks=LOOPBACK)
    assert text.level == "caution"
    assert [r.code for r in text.change.reasons] == ["text_changed"]

    # A script from another domain: danger, although nothing visible changed.
    pages.set(
        "/", PAGE.format(stamp="11/22", extra="<script src='https://evil.example/x.js'></script>")
    )
    script = check_page(url, baseline=baseline, ignore_selectors=ignore, allow_networks=LOOPBACK)
    assert script.level == "danger"
    assert [r.code for r in script.change.reasons] == ["new_script_domain"]
    assert script.change.reasons[0].evidence == ("https://evil.example/x.js",)

    # An invisible iframe to another domain: danger.
    pages.set(
        "/",
        PAGE.format(
            stamp="11/22", extra="<iframe src='http://drive-by.example/' width=0 height=0></iframe>"
        ),
    )
    frame = check_page(url, baseline=baseline, ignore_selectors=ignore, allow_networks=LOOPBACK)
    assert frame.level == "danger"
    assert "new_frame_domain" in [r.code for r in frame.change.reasons]

    # The server breaks: a caution problem and no comparison.
    pages.set("/", "<h1>Internal Server Error</h1>", status=500)
    broken = check_page(url, baseline=baseline, ignore_selectors=ignore, allow_networks=LOOPBACK)
    assert broken.change is None and broken.problem is not None
    assert broken.problem.code == "page_http_error" and "500" in broken.problem.ja
    assert broken.level == "caution"


def test_conditional_fetch_skips_unchanged_page(site: tuple[Site, str]) -> None:
    pages, base = site
    pages.set("/p", PAGE.format(stamp="1", extra=""), ETag='"abc"')
    first = check_page(base + "/p", allow_networks=LOOPBACK)
    again = check_page(
        base + "/p", baseline=first.fingerprint, etag=first.fetch.etag, allow_networks=LOOPBACK
    )
    assert again.not_modified and again.fingerprint is None and again.level == "none"


def test_unreachable_and_refused_pages_are_problems(site: tuple[Site, str]) -> None:
    _, base = site
    refused = check_page(base + "/", allow_networks=[])
    assert refused.problem is not None and refused.problem.code == "page_unreachable"
    assert refused.fetch.error_kind == "refused_address"


def test_http_page_not_redirected_to_https(site: tuple[Site, str]) -> None:
    pages, base = site
    pages.set("/", PAGE.format(stamp="1", extra=""))
    result = check_page(base + "/", allow_networks=LOOPBACK)
    issue = check_https_redirect(base + "/", result.fetch.final_url, result.fetch.status)
    assert issue is not None and issue.code == "https_redirect_missing"
    assert "hsts_missing" not in [i.code for i in result.header_issues]  # plain http page
    assert "csp_missing" in [i.code for i in result.header_issues]


def make_certificate(directory: Path, not_after: dt.datetime) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shop.test")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - dt.timedelta(days=90))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "c.pem", directory / "k.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_self_signed_certificate_about_to_expire(tmp_path: Path) -> None:
    not_after = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=6, hours=2)
    cert_path, key_path = make_certificate(tmp_path, not_after)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    pages = Site()
    pages.set("/", PAGE.format(stamp="1", extra=""))
    server = QuietServer(("127.0.0.1", 0), handler_for(pages))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        info = tls_certificate("127.0.0.1", port, allow_networks=LOOPBACK)
        assert info.error is None and info.not_after == not_after
        verdict = classify_certificate(
            info.not_after, info.days_left, verified=info.verified, verify_error=info.verify_error
        )
        assert verdict.stage == "7" and verdict.level == "danger"
        assert [i.code for i in verdict.issues] == ["cert_expires_7", "cert_untrusted"]
        # The page itself cannot be fetched with verification on: an unreachable problem.
        page = check_page(f"https://127.0.0.1:{port}/", allow_networks=LOOPBACK)
        assert page.fetch.error_kind == "tls" and page.problem is not None
    finally:
        server.shutdown()
        server.server_close()
