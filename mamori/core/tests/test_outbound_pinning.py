"""Every outbound destination a member can type is resolved once by the outbound guard, checked,
and connected to at exactly the checked address: chat webhooks of every allowed apprise scheme,
a channel's SMTP server and the report mailbox's IMAP server, as well as fetch() and the
certificate check. A listener on 127.0.0.1 must receive nothing for any spelling of a loopback
host (numeric, hex, octal, short, upper case, trailing dot) while private addresses are not
allowed, and a name that answers differently the second time (DNS rebinding) is connected to at
its first, checked, answer."""

from __future__ import annotations

import _socket
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import override_settings

from mamori.core import http
from mamori.mailcheck import credentials, mailbox
from mamori.mailcheck.models import MailCheckSettings
from mamori.notify.delivery import DeliveryError, send_chat, send_email
from mamori.notify.models import Channel, ChannelKind

# Loopback spellings that all reach 127.0.0.1; none contains a dot-separated public name.
LOOPBACK_FORMS = (
    "2130706433",
    "0x7f000001",
    "0x7F.1",
    "017700000001",
    "127.1",
    "LOCALHOST",
    "LocalHost.",
    "127.0.0.1",
)


@dataclass
class Listener:
    """A TCP listener that records every connection it accepts (and answers with `reply`)."""

    host: str
    port: int = 0
    reply: bytes = b""
    accepted: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.host, self.port))
        self.port = int(self.sock.getsockname()[1])
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, peer = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(peer[0])
            try:
                if self.reply:
                    conn.sendall(self.reply)
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.sock.close()


@contextmanager
def listening(host: str = "127.0.0.1", port: int = 0, reply: bytes = b"") -> Iterator[Listener]:
    listener = Listener(host, port, reply)
    try:
        yield listener
    finally:
        listener.close()


@contextmanager
def rebinding_dns(
    monkeypatch: pytest.MonkeyPatch, name: str, first: str, then: str
) -> Iterator[list[str]]:
    """`name` answers `first` to the first lookup and `then` to every later one (a rebinding
    attacker's DNS); other names resolve as usual. Installed under whatever resolves names."""
    answers: list[str] = []

    def fake(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0):  # noqa: A002, ANN202
        if isinstance(host, str) and host.rstrip(".").lower() == name:
            address = first if not answers else then
            answers.append(address)
            return _socket.getaddrinfo(address, port, family, type, proto, flags)
        return _socket.getaddrinfo(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    monkeypatch.setattr(http, "_underlying_getaddrinfo", fake, raising=False)
    yield answers


def _free_port_on_both() -> int:
    for _ in range(20):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        try:
            with socket.socket() as other:
                other.bind(("127.0.0.2", port))
        except OSError:
            continue
        return port
    raise RuntimeError("no port free on both 127.0.0.1 and 127.0.0.2")


# --- chat webhooks (apprise) -------------------------------------------------------------------


def _chat_urls(host: str, port: int) -> list[str]:
    return [
        f"json://{host}:{port}/hook",
        f"jsons://{host}:{port}/hook",
        f"form://{host}:{port}/hook",
        f"ntfy://{host}:{port}/alerts",
        f"mmost://{host}:{port}/abcdefghijklmnopqrstuvwxyz",
        f"workflow://{host}:{port}/abc123/def456",
    ]


@override_settings(OUTBOUND_ALLOW_NETWORKS=[])
def test_chat_webhooks_never_reach_loopback_whatever_the_host_spelling() -> None:
    with listening() as target:
        for form in LOOPBACK_FORMS:
            for url in _chat_urls(form, target.port):
                try:
                    send_chat(url, "t", "b")
                except DeliveryError:
                    pass
                else:
                    pytest.fail(f"{url} was delivered")
        assert target.accepted == []


@override_settings(OUTBOUND_ALLOW_NETWORKS=[])
def test_chat_refusal_says_refused_for_a_dotless_numeric_host() -> None:
    with listening() as target, pytest.raises(DeliveryError, match="refused"):
        send_chat(f"json://2130706433:{target.port}/x", "t", "b")
    assert target.accepted == []


@override_settings(OUTBOUND_ALLOW_NETWORKS=["127.0.0.2/32"])
def test_chat_connects_to_the_checked_address_not_a_second_dns_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = _free_port_on_both()
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    with (
        listening("127.0.0.1", port) as internal,
        listening("127.0.0.2", port, reply=ok) as checked,
        rebinding_dns(monkeypatch, "rebind.mamori.test", "127.0.0.2", "127.0.0.1"),
    ):
        try:
            send_chat(f"json://rebind.mamori.test:{port}/hook", "t", "b")
        except DeliveryError:
            pass  # a bare listener is not a webhook; where it connected is what counts
    assert internal.accepted == []
    assert checked.accepted  # the pinned address was used


# --- SMTP channels ----------------------------------------------------------------------------


def _smtp_channel(org: Any, host: str, port: int) -> Channel:
    return Channel.objects.create(
        organization=org,
        name=f"smtp {host}",
        kind=ChannelKind.EMAIL,
        use_server_mail=False,
        smtp_host=host,
        smtp_port=port,
        smtp_starttls=False,
    )


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=[])
def test_smtp_channels_never_reach_loopback_whatever_the_host_spelling(org: Any) -> None:
    with listening(reply=b"220 internal ESMTP\r\n") as target:
        for form in LOOPBACK_FORMS:
            channel = _smtp_channel(org, form, target.port)
            with pytest.raises(DeliveryError, match="refused"):
                send_email(channel, "s", "b", ["someone@example.jp"])
        assert target.accepted == []


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=["127.0.0.2/32"])
def test_smtp_connects_to_the_checked_address_not_a_second_dns_answer(
    org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller

    from mamori.monitoring.tests.servers import Mailbox

    port = _free_port_on_both()
    received = Mailbox()
    controller = Controller(received, hostname="127.0.0.2", port=port)
    controller.start()
    try:
        with (
            listening("127.0.0.1", port, reply=b"220 internal ESMTP\r\n") as internal,
            rebinding_dns(monkeypatch, "rebind.mamori.test", "127.0.0.2", "127.0.0.1"),
        ):
            channel = _smtp_channel(org, "rebind.mamori.test", port)
            send_email(channel, "件名", "本文", ["someone@example.jp"])
    finally:
        controller.stop()
    assert internal.accepted == []
    assert len(received.messages) == 1


# --- IMAP report mailbox ------------------------------------------------------------------------


def _mailbox_settings(org: Any, host: str, port: int) -> None:
    MailCheckSettings.objects.update_or_create(
        organization=org,
        defaults={
            "imap_enabled": True,
            "imap_host": host,
            "imap_port": port,
            "imap_use_ssl": False,
            "imap_username": "report@our-office.co.jp",
            "imap_password_encrypted": credentials.encrypt("imap-Pass-9876"),
        },
    )


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=[])
def test_imap_mailbox_never_reaches_loopback_whatever_the_host_spelling(org: Any) -> None:
    with listening(reply=b"* OK internal IMAP\r\n") as target:
        for form in LOOPBACK_FORMS:
            _mailbox_settings(org, form, target.port)
            assert mailbox.poll_organisation(org.pk, timeout=5) is None
            own = MailCheckSettings.objects.get(organization=org)
            assert own.imap_last_error.startswith("refused"), form
        assert target.accepted == []


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=["127.0.0.2/32"])
def test_imap_connects_to_the_checked_address_not_a_second_dns_answer(
    org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _free_port_on_both()
    greeting = b"* BYE not today\r\n"
    with (
        listening("127.0.0.1", port, reply=b"* OK internal IMAP\r\n") as internal,
        listening("127.0.0.2", port, reply=greeting) as checked,
        rebinding_dns(monkeypatch, "rebind.mamori.test", "127.0.0.2", "127.0.0.1"),
    ):
        _mailbox_settings(org, "rebind.mamori.test", port)
        with pytest.raises(RuntimeError):
            mailbox.poll_organisation(org.pk, timeout=5)  # the stand-in server says BYE
    assert internal.accepted == []
    assert checked.accepted


# --- fetch and the certificate check ------------------------------------------------------------


@override_settings(OUTBOUND_ALLOW_NETWORKS=[])
def test_fetch_and_certificate_check_refuse_every_loopback_spelling() -> None:
    with listening() as target:
        for form in LOOPBACK_FORMS:
            result = http.fetch(f"http://{form}:{target.port}/")
            assert result.error_kind in ("refused_address", "dns"), (form, result.error)
            info = http.tls_certificate(form, target.port, timeout=2)
            assert info.error_kind in ("refused_address", "dns"), (form, info.error)
        assert target.accepted == []


def test_pin_is_per_thread_and_leaves_other_code_alone() -> None:
    """Inside the block loopback is refused; another thread and code after the block resolve
    as usual (the test database and the server's own relay keep working)."""
    seen: dict[str, Any] = {}

    def other_thread() -> None:
        seen["other"] = socket.getaddrinfo("127.0.0.1", 80, type=socket.SOCK_STREAM)

    with http.pinned_outbound(allow_networks=[]) as pin:
        with pytest.raises(OSError):
            socket.create_connection(("0x7f000001", 9), timeout=1)
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        with http.outside_pin():
            assert socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)
    assert pin.refused and "127.0.0.1" in pin.refused[0]
    assert seen["other"]
    assert socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)


# --- TLS: the name is still verified and sent as SNI ----------------------------------------------


def _certificate_for(directory: Any, name: str) -> tuple[str, str]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
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
    return str(cert_path), str(key_path)


@override_settings(OUTBOUND_ALLOW_NETWORKS=["127.0.0.2/32"])
def test_chat_over_tls_verifies_the_name_and_sends_it_as_sni(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import ssl
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    cert, key = _certificate_for(tmp_path, "hook.mamori.test")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert)  # requests (inside apprise) trusts the test CA
    names = {"hook.mamori.test": "127.0.0.2", "other.mamori.test": "127.0.0.2"}

    def fake(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0):  # noqa: A002, ANN202
        if isinstance(host, str) and host.lower() in names:
            host = names[host.lower()]
        return _socket.getaddrinfo(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    monkeypatch.setattr(http, "_underlying_getaddrinfo", fake, raising=False)
    sni: list[str | None] = []
    bodies: list[bytes] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            bodies.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: sni.append(name)  # type: ignore[assignment]
    server = ThreadingHTTPServer(("127.0.0.2", 0), Hook)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    port = server.server_address[1]
    try:
        send_chat(f"jsons://hook.mamori.test:{port}/hook", "件名", "本文")
        assert len(bodies) == 1 and "hook.mamori.test" in sni
        # Same address, another name: the certificate does not match, nothing is delivered.
        with pytest.raises(DeliveryError):
            send_chat(f"jsons://other.mamori.test:{port}/hook", "件名", "本文")
        assert len(bodies) == 1
    finally:
        server.shutdown()
        server.server_close()
