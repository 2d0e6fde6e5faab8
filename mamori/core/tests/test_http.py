"""The guarded outbound HTTP client, against a real local server started by the tests."""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mamori.core import http

LOOPBACK = ["127.0.0.0/8", "::1/128"]
BIG_BODY = b"x" * 200_000
BOMB = gzip.compress(b"\0" * 20_000_000)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def send_body(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.send_body(status, b"", {"Location": location})

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = self.path
        if path == "/ok":
            self.send_body(200, b"hello", {"Content-Type": "text/plain"})
        elif path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_body(304, b"", {"ETag": '"v1"'})
            else:
                self.send_body(200, b"versioned", {"ETag": '"v1"'})
        elif path == "/lastmod":
            stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
            if self.headers.get("If-Modified-Since") == stamp:
                self.send_body(304, b"")
            else:
                self.send_body(200, b"dated", {"Last-Modified": stamp})
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self.redirect("/ok" if left == 0 else f"/chain/{left - 1}")
        elif path == "/loop-a":
            self.redirect("/loop-b")
        elif path == "/loop-b":
            self.redirect("/loop-a", 301)
        elif path.startswith("/to?"):
            self.redirect(path.split("?", 1)[1])
        elif path == "/big":
            self.send_body(200, BIG_BODY)
        elif path == "/big-unsized":
            # No Content-Length: the size cap has to stop the stream itself.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b"y" * 8192)
        elif path == "/bomb":
            self.send_body(200, BOMB, {"Content-Encoding": "gzip"})
        elif path == "/gzip":
            self.send_body(
                200, gzip.compress(b"small and compressed"), {"Content-Encoding": "gzip"}
            )
        elif path == "/slow":
            time.sleep(1.5)
            self.send_body(200, b"late")
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(30):
                    self.wfile.write(b"d")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass
        elif path == "/drip-headers":
            self.send_response(200)
            try:
                for number in range(30):
                    self.wfile.write(f"X-Slow-{number}: 1\r\n".encode())
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass
        elif path == "/500":
            self.send_body(500, b"broken")
        elif path == "/headers":
            seen = {key.lower(): value for key, value in self.headers.items()}
            self.send_body(200, json.dumps(seen).encode(), {"Content-Type": "application/json"})
        else:
            self.send_body(404, b"no")


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up early (size and time caps) are expected here


def start_server(server: ThreadingHTTPServer) -> threading.Thread:
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), Handler)
    start_server(server)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.8.9.10/",
        "http://10.0.0.1/",
        "http://10.255.1.2:8080/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[2002:7f00:1::]/",  # 6to4 for 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 for 169.254.169.254
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[fec0::1]/",  # deprecated site-local
        "http://[::7f00:1]/",  # IPv4-compatible form of 127.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
        "http://2130706433/",  # 127.0.0.1 written as one number
        "http://[ff02::1]/",
        "http://localhost/",
        "https://localhost/",
    ],
)
def test_private_destinations_are_refused(url: str) -> None:
    result = http.fetch(url, allow_networks=[], timeout=5)
    assert result.error_kind == "refused_address", result.error
    assert result.status == 0
    assert result.content == b""


def test_loopback_refused_without_allow_even_when_server_runs(base: str) -> None:
    result = http.fetch(base + "/ok", allow_networks=[])
    assert result.error_kind == "refused_address"
    assert http.fetch(base + "/ok", allow_networks=["10.0.0.0/8"]).error_kind == "refused_address"


def test_name_resolving_to_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "resolve_host", lambda host, port: ["10.20.30.40"])
    result = http.fetch("http://intranet.example.com/", allow_networks=[])
    assert result.error_kind == "refused_address"
    assert "10.20.30.40" in (result.error or "")


def test_one_private_address_among_public_ones_refuses_the_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(http, "resolve_host", lambda host, port: ["93.184.215.14", "127.0.0.1"])
    result = http.fetch("http://rebind.example.com/", allow_networks=[])
    assert result.error_kind == "refused_address"


def test_connection_is_pinned_to_the_checked_address_with_the_name_as_host(
    base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = base.rsplit(":", 1)[1]
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(http, "resolve_host", resolver)
    result = http.fetch(f"http://pinned.example.com:{port}/headers", allow_networks=LOOPBACK)
    assert result.status == 200, result.error
    echoed = json.loads(result.content)
    assert echoed["host"] == f"pinned.example.com:{port}"
    assert calls == ["pinned.example.com"]


def test_slow_dns_is_stopped_by_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def stuck_resolver(host: str, port: int) -> list[str]:
        release.wait(5)
        return ["93.184.215.14"]

    monkeypatch.setattr(http, "resolve_host", stuck_resolver)
    try:
        result = http.fetch("http://slow-dns.example.com/", allow_networks=[], timeout=0.3)
    finally:
        release.set()
    assert result.error_kind == "dns"
    assert "time limit" in (result.error or "")


def test_dns_failure_is_an_error_value() -> None:
    result = http.fetch("http://no-such-host.invalid/", allow_networks=[], timeout=5)
    assert result.error_kind == "dns"


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "http:///nohost", "junk"]
)
def test_only_http_and_https_urls(url: str) -> None:
    result = http.fetch(url, allow_networks=[])
    assert result.error_kind == "invalid_url"


def test_allow_list_from_django_settings(base: str, settings: object) -> None:
    settings.OUTBOUND_ALLOW_NETWORKS = ["127.0.0.0/8"]  # type: ignore[attr-defined]
    assert http.fetch(base + "/ok").status == 200
    settings.OUTBOUND_ALLOW_NETWORKS = []  # type: ignore[attr-defined]
    assert http.fetch(base + "/ok").error_kind == "refused_address"


def test_allow_list_from_environment_without_django() -> None:
    code = (
        "from mamori.core import http; "
        "print(','.join(str(n) for n in http.configured_allow_networks()))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["MAMORI_OUTBOUND_ALLOW_NETWORKS"] = "127.0.0.0/8, not-a-network, ::1/128"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "127.0.0.0/8,::1/128"


# --- address policy properties ------------------------------------------------------------

PRIVATE_V4 = [
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16")
]


@st.composite
def private_v4(draw: st.DrawFn) -> ipaddress.IPv4Address:
    network = draw(st.sampled_from(PRIVATE_V4))
    offset = draw(st.integers(0, network.num_addresses - 1))
    return network[offset]


@hypothesis_settings(max_examples=150, deadline=None)
@given(private_v4())
def test_private_v4_is_refused_in_every_ipv6_wrapping(address: ipaddress.IPv4Address) -> None:
    value = int(address)
    wrappings = [
        address,
        ipaddress.IPv6Address((0xFFFF << 32) | value),  # ::ffff:a.b.c.d
        ipaddress.IPv6Address((0x2002 << 112) | (value << 80)),  # 6to4
        ipaddress.IPv6Address(int(http.NAT64_WELL_KNOWN.network_address) | value),
    ]
    for wrapped in wrappings:
        assert http.check_address(wrapped, []) is not None, wrapped
    # Allowing the IPv4 network also allows its wrapped forms.
    network = next(n for n in PRIVATE_V4 if address in n)
    for wrapped in wrappings:
        assert http.check_address(wrapped, [network]) is None, wrapped


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.integers(0x01000000, 0xDFFFFFFF))
def test_wrapped_form_is_judged_like_the_plain_ipv4(value: int) -> None:
    plain = ipaddress.IPv4Address(value)
    mapped = ipaddress.IPv6Address((0xFFFF << 32) | value)
    assert (http.refusal_reason(plain) is None) == (http.refusal_reason(mapped) is None)


@pytest.mark.parametrize(
    "text",
    ["8.8.8.8", "93.184.215.14", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_pass(text: str) -> None:
    assert http.check_address(ipaddress.ip_address(text), []) is None


def test_parse_networks_skips_garbage() -> None:
    parsed = http.parse_networks("10.0.0.0/8, ,bogus,::1")
    assert [str(n) for n in parsed] == ["10.0.0.0/8", "::1/128"]


# --- against the local server -------------------------------------------------------------


def test_plain_200(base: str) -> None:
    result = http.fetch(base + "/ok", allow_networks=LOOPBACK)
    assert result.ok and result.error is None
    assert result.status == 200
    assert result.content == b"hello"
    assert result.headers["content-type"] == "text/plain"
    assert result.final_url == base + "/ok"
    assert result.redirects == ()


def test_fixed_user_agent_and_no_url_credentials(base: str) -> None:
    url = base.replace("http://", "http://alice:secret@") + "/headers"
    result = http.fetch(url, headers={"User-Agent": "spoofed"}, allow_networks=LOOPBACK)
    echoed = json.loads(result.content)
    assert echoed["user-agent"] != "spoofed"
    assert "mamori" in echoed["user-agent"]
    assert "authorization" not in echoed
    assert "secret" not in result.url and "secret" not in result.final_url


def test_etag_conditional_get(base: str) -> None:
    first = http.fetch(base + "/etag", allow_networks=LOOPBACK)
    assert first.status == 200 and first.etag == '"v1"'
    second = http.fetch(base + "/etag", etag=first.etag, allow_networks=LOOPBACK)
    assert second.status == 304 and second.not_modified
    assert second.content == b""
    via_header = http.fetch(
        base + "/etag", headers={"If-None-Match": '"v1"'}, allow_networks=LOOPBACK
    )
    assert via_header.not_modified
    stale = http.fetch(base + "/etag", etag='"v0"', allow_networks=LOOPBACK)
    assert stale.status == 200 and stale.content == b"versioned"


def test_if_modified_since(base: str) -> None:
    first = http.fetch(base + "/lastmod", allow_networks=LOOPBACK)
    assert first.last_modified
    again = http.fetch(
        base + "/lastmod", last_modified=first.last_modified, allow_networks=LOOPBACK
    )
    assert again.not_modified


def test_redirect_chain_is_followed_and_recorded(base: str) -> None:
    result = http.fetch(base + "/chain/3", allow_networks=LOOPBACK)
    assert result.status == 200 and result.content == b"hello"
    assert result.redirects == (
        base + "/chain/2",
        base + "/chain/1",
        base + "/chain/0",
        base + "/ok",
    )
    assert result.final_url == base + "/ok"


def test_too_many_redirects(base: str) -> None:
    result = http.fetch(base + "/chain/3", max_redirects=2, allow_networks=LOOPBACK)
    assert result.error_kind == "too_many_redirects"
    assert len(result.redirects) == 2
    assert result.content == b""


def test_redirect_loop(base: str) -> None:
    result = http.fetch(base + "/loop-a", allow_networks=LOOPBACK)
    assert result.error_kind == "redirect_loop"


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://[::ffff:192.168.0.1]/",
    ],
)
def test_redirect_to_refused_address_is_checked_again(base: str, target: str) -> None:
    result = http.fetch(f"{base}/to?{target}", allow_networks=LOOPBACK)
    assert result.error_kind == "refused_address"
    assert result.redirects == (target,)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "http://[bad", "gopher://x/"])
def test_redirect_to_other_scheme_or_bad_url_is_refused(base: str, target: str) -> None:
    result = http.fetch(f"{base}/to?{target}", allow_networks=LOOPBACK)
    assert result.error_kind == "invalid_url"


def test_credentials_headers_dropped_on_cross_origin_redirect(base: str) -> None:
    port = base.rsplit(":", 1)[1]
    same = http.fetch(
        f"{base}/to?/headers", headers={"Authorization": "Bearer t"}, allow_networks=LOOPBACK
    )
    assert json.loads(same.content)["authorization"] == "Bearer t"
    other = http.fetch(
        f"{base}/to?http://localhost:{port}/headers",
        headers={"Authorization": "Bearer t", "Cookie": "s=1"},
        allow_networks=LOOPBACK,
    )
    assert other.status == 200, other.error
    echoed = json.loads(other.content)
    assert "authorization" not in echoed and "cookie" not in echoed


@pytest.mark.parametrize("path", ["/big", "/big-unsized", "/bomb"])
def test_too_large_body_is_stopped(base: str, path: str) -> None:
    result = http.fetch(base + path, max_bytes=50_000, allow_networks=LOOPBACK)
    assert result.error_kind == "too_large"
    assert result.content == b""


def test_body_at_the_limit_is_kept(base: str) -> None:
    result = http.fetch(base + "/big", max_bytes=len(BIG_BODY), allow_networks=LOOPBACK)
    assert result.ok and result.content == BIG_BODY


def test_gzip_is_decoded(base: str) -> None:
    result = http.fetch(base + "/gzip", allow_networks=LOOPBACK)
    assert result.content == b"small and compressed"


def test_slow_server_times_out(base: str) -> None:
    result = http.fetch(base + "/slow", timeout=0.3, allow_networks=LOOPBACK)
    assert result.error_kind == "timeout"


def test_total_time_cap_stops_a_dripping_body(base: str) -> None:
    # Each byte arrives well within a read timeout; only the total cap can stop it.
    result = http.fetch(base + "/drip", timeout=0.4, allow_networks=LOOPBACK)
    assert result.error_kind == "timeout"


def test_total_time_cap_stops_dripping_headers(base: str) -> None:
    result = http.fetch(base + "/drip-headers", timeout=0.4, allow_networks=LOOPBACK)
    assert result.error_kind == "timeout"
    assert result.status == 0


def test_server_error_is_a_response_not_an_error(base: str) -> None:
    result = http.fetch(base + "/500", allow_networks=LOOPBACK)
    assert result.status == 500 and not result.ok
    assert result.error is None
    assert result.content == b"broken"


def test_head_request(base: str) -> None:
    result = http.fetch(base + "/ok", method="HEAD", allow_networks=LOOPBACK)
    assert result.status == 200 and result.content == b""


def test_connection_refused_is_an_error_value() -> None:
    result = http.fetch("http://127.0.0.1:9/", allow_networks=LOOPBACK, timeout=3)
    assert result.error_kind == "connect"


# --- TLS ----------------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def make_certificate(directory: Path, not_after: dt.datetime) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.now(dt.UTC) - dt.timedelta(days=60))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, dt.datetime]]:
    # Valid now (so verification can succeed when trusted), expiring 5 days after NOW.
    not_after = max(NOW, dt.datetime.now(dt.UTC).replace(microsecond=0)) + dt.timedelta(
        days=5, hours=1
    )
    cert_path, key_path = make_certificate(tmp_path_factory.mktemp("tls"), not_after)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = QuietServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    start_server(server)
    yield server.server_address[1], cert_path, not_after
    server.shutdown()
    server.server_close()


def test_certificate_expiry_of_untrusted_certificate(
    tls_server: tuple[int, Path, dt.datetime],
) -> None:
    port, _cert, not_after = tls_server
    now = not_after - dt.timedelta(days=5, hours=1)
    info = http.tls_certificate("127.0.0.1", port, allow_networks=LOOPBACK, now=now)
    assert info.error is None
    assert info.not_after == not_after
    assert info.days_left == 5
    assert info.subject == "localhost" and info.issuer == "localhost"
    assert not info.verified and info.verify_error
    assert "localhost" in info.names


def test_certificate_verified_with_trusted_ca(tls_server: tuple[int, Path, dt.datetime]) -> None:
    port, cert_path, _ = tls_server
    trusting = ssl.create_default_context(cafile=str(cert_path))
    info = http.tls_certificate("localhost", port, allow_networks=LOOPBACK, ssl_context=trusting)
    assert info.verified and info.verify_error is None


def test_certificate_lookup_uses_the_address_guard(
    tls_server: tuple[int, Path, dt.datetime],
) -> None:
    port, _, _ = tls_server
    info = http.tls_certificate("127.0.0.1", port, allow_networks=[])
    assert info.error_kind == "refused_address" and info.not_after is None


def test_https_fetch_rejects_untrusted_certificate(
    tls_server: tuple[int, Path, dt.datetime],
) -> None:
    port, _, _ = tls_server
    result = http.fetch(f"https://127.0.0.1:{port}/ok", allow_networks=LOOPBACK)
    assert result.error_kind == "tls"


def test_https_pinned_address_still_verifies_the_name(
    tls_server: tuple[int, Path, dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, cert_path, _ = tls_server
    trusting = ssl.create_default_context(cafile=str(cert_path))
    good = http.fetch(f"https://localhost:{port}/ok", allow_networks=LOOPBACK, ssl_context=trusting)
    assert good.status == 200, good.error
    # Same address, other name: the certificate does not cover it, so TLS must fail.
    monkeypatch.setattr(http, "resolve_host", lambda host, port: ["127.0.0.1"])
    wrong = http.fetch(
        f"https://other.example.com:{port}/ok", allow_networks=LOOPBACK, ssl_context=trusting
    )
    assert wrong.error_kind == "tls"


URL_PIECES = st.sampled_from(
    ["http://", "https://", "ftp://", "[", "]", "::1", "user:pw@", "@", ":", "80", ":99999", "/",
     "?", "#", "%", "%00", "\x00", " ", "例え.jp", "xn--", "..", "a" * 70, "127.0.0.1", "\n"]
)  # fmt: skip


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.lists(URL_PIECES, max_size=8), st.text(max_size=8))
def test_any_url_gives_an_error_value_never_an_exception(pieces: list[str], tail: str) -> None:
    def no_dns(host: str, port: int) -> list[str]:
        raise OSError("resolution disabled in this test")

    original = http.resolve_host
    http.resolve_host = no_dns  # the resolver this module owns; no network in this test
    try:
        result = http.fetch("".join(pieces) + tail, allow_networks=[], timeout=2)
    finally:
        http.resolve_host = original
    assert result.error_kind in {"invalid_url", "dns", "refused_address"}
    assert result.status == 0
