"""The only outbound HTTP client of mamori, guarded against SSRF.

Every connection goes through ``GuardedBackend``: it resolves the host name itself, refuses the
whole name when any resolved address is private, loopback, link-local, multicast, reserved,
unspecified (or an IPv6 form embedding one of those), and then connects to the address it
checked.  Because the socket is opened to the checked address, a second DNS answer cannot swap
in another one (no rebinding window), while httpcore still sends the name as Host header and
TLS SNI and verifies the certificate against the name.

``fetch`` and ``tls_certificate`` never raise on network trouble: they return a value carrying
``error`` (text) and ``error_kind`` (a stable code).

Libraries that open their own sockets (smtplib for a channel's SMTP server, imapclient for the
report mailbox, requests inside apprise for chat webhooks) run inside ``pinned_outbound()``:
every name they resolve goes through the same check, once, and resolves to exactly the checked
addresses, whatever its spelling (``2130706433``, ``0x7f000001``, ``LOCALHOST``).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import certifi
import httpcore
import httpx
from cryptography import x509
from cryptography.x509.oid import NameOID

DEFAULT_USER_AGENT = "mamori/0.1"
ALLOWED_SCHEMES = ("http", "https")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_HEADER_VALUE_CHARS = 8192
# Headers that carry the caller's credentials: never sent to another origin after a redirect.
CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IPv6 ranges that embed or translate to IPv4 and have no ipaddress helper of their own.
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")


# --- errors raised inside the transport, turned into error values by fetch() -------------------
# They deliberately do not derive from httpcore exceptions, so httpx passes them through as they
# are instead of mapping them to a generic ConnectError.


class OutboundRefused(Exception):
    """The destination address is not allowed."""


class OutboundDnsError(Exception):
    """The host name could not be resolved."""


# --- address policy ---------------------------------------------------------------------------


def parse_networks(values: Iterable[str] | str | None) -> tuple[IPNetwork, ...]:
    """CIDR strings (a list, or one comma-separated string) as networks; bad entries are skipped."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = values.split(",")
    networks: list[IPNetwork] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            continue
    return tuple(networks)


def configured_allow_networks() -> tuple[IPNetwork, ...]:
    """The allow list from Django settings when configured, else the environment, else none."""
    try:
        from django.conf import settings

        if settings.configured:
            return parse_networks(getattr(settings, "OUTBOUND_ALLOW_NETWORKS", None) or ())
    except Exception:  # noqa: S110 - Django absent or unconfigured: fall back to the environment
        pass
    return parse_networks(os.environ.get("MAMORI_OUTBOUND_ALLOW_NETWORKS", ""))


def _configured_user_agent() -> str:
    try:
        from django.conf import settings

        if settings.configured:
            return str(getattr(settings, "OUTBOUND_USER_AGENT", DEFAULT_USER_AGENT))
    except Exception:  # noqa: S110 - Django absent or unconfigured
        pass
    return DEFAULT_USER_AGENT


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition form stands for (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _refusal_reason_plain(address: IPAddress) -> str | None:
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("site-local", isinstance(address, ipaddress.IPv6Address) and address.is_site_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        (
            "shared (CGNAT)",
            isinstance(address, ipaddress.IPv4Address) and address in SHARED_ADDRESS_SPACE,
        ),
        ("not global", not address.is_global),
    )
    for name, hit in checks:
        if hit:
            return name
    return None


def refusal_reason(address: IPAddress) -> str | None:
    """Why this address may not be contacted, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.teredo is not None or address in NAT64_LOCAL_USE:
            return "tunnel/translation range"
        inner = embedded_ipv4(address)
        if inner is not None:
            inner_reason = _refusal_reason_plain(inner)
            if inner_reason is not None:
                return f"{inner_reason} (embedded {inner})"
            # 6to4 and NAT64 are themselves outside is_global; the embedded address decides.
            return None
    return _refusal_reason_plain(address)


def is_allowed(address: IPAddress, allow_networks: Sequence[IPNetwork]) -> bool:
    """True when the address (or the IPv4 address it embeds) is in an explicitly allowed network."""
    candidates: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates.append(inner)
    return any(
        candidate.version == network.version and candidate in network
        for candidate in candidates
        for network in allow_networks
    )


def check_address(address: IPAddress, allow_networks: Sequence[IPNetwork]) -> str | None:
    """None when the address may be contacted, else the reason it may not."""
    if is_allowed(address, allow_networks):
        return None
    return refusal_reason(address)


def resolve_host(host: str, port: int) -> list[str]:
    """All addresses of a host for TCP (IP literals come back as themselves)."""
    infos = _underlying_getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if text not in seen:
            seen.append(text)
    return seen


# getaddrinfo has no timeout of its own; lookups run here so a caller can stop waiting.
_DNS_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="mamori-dns")


def _resolve_within(name: str, port: int, timeout: float | None) -> list[str]:
    if timeout is None:
        return resolve_host(name, port)
    future = _DNS_POOL.submit(resolve_host, name, port)
    try:
        return future.result(timeout=max(timeout, 0.001))
    except FutureTimeout:
        raise OutboundDnsError(f"looking up {name} took longer than the time limit") from None


def checked_addresses(
    host: str, port: int, allow_networks: Sequence[IPNetwork], timeout: float | None = None
) -> list[str]:
    """Resolve and check every address; raise OutboundDnsError / OutboundRefused."""
    name = host.strip("[]")
    try:
        addresses = _resolve_within(name, port, timeout)
    except (OSError, UnicodeError) as exc:
        raise OutboundDnsError(f"cannot resolve {name}: {exc}") from None
    if not addresses:
        raise OutboundDnsError(f"no address for {name}")
    for text in addresses:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise OutboundRefused(f"{name} resolved to an unparsable address {text!r}") from None
        reason = check_address(address, allow_networks)
        if reason is not None:
            # One bad address refuses the whole name: a rebinding name often mixes both kinds.
            raise OutboundRefused(f"{name} resolves to {text} ({reason})")
    return addresses


def connect_checked(
    host: str, port: int, timeout: float | None, allow_networks: Sequence[IPNetwork]
) -> socket.socket:
    """A TCP socket to a checked address of host (tries each address in turn)."""
    last_error: OSError | None = None
    for address in checked_addresses(host, port, allow_networks, timeout):
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            last_error = exc
    assert last_error is not None
    raise last_error


# --- pinned name resolution for libraries that open their own sockets --------------------------
# smtplib, imaplib (imapclient) and requests (apprise) take a host name and resolve it themselves,
# possibly to another answer than the one checked (DNS rebinding). Inside ``pinned_outbound()``
# every name the current thread (or a copied context) resolves is resolved once here, checked,
# and answered with exactly the checked addresses, so the library connects to what was checked
# while still using the name for TLS (SNI and certificate verification). Outside the context the
# process resolves names as usual: the state lives in a ContextVar, nothing is swapped per call.

_underlying_getaddrinfo = socket.getaddrinfo
_GUARD_LOCK = threading.Lock()


class PinnedRefused(socket.gaierror):
    """A library asked to resolve a name whose addresses are not allowed (an OSError, so every
    library treats it as a connection failure; the pin records the reason)."""


@dataclass
class OutboundPin:
    """The addresses checked inside one ``pinned_outbound()`` block, and what was refused."""

    allow_networks: tuple[IPNetwork, ...]
    timeout: float | None
    pinned: dict[str, list[str]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    def resolve(self, host: str, port: int | str | None) -> list[str]:
        """The checked addresses of host (resolved once per block); OutboundRefused /
        OutboundDnsError when it may not or cannot be contacted."""
        key = str(host).strip().strip("[]").rstrip(".").lower()
        if not key:
            raise OutboundDnsError("no host name")
        addresses = self.pinned.get(key)
        if addresses is None:
            try:
                addresses = checked_addresses(key, port or 0, self.allow_networks, self.timeout)  # type: ignore[arg-type]
            except OutboundRefused as exc:
                self.refused.append(str(exc))
                raise
            self.pinned[key] = addresses
        return addresses


_ACTIVE_PIN: ContextVar[OutboundPin | None] = ContextVar("mamori_outbound_pin", default=None)


def _guarded_getaddrinfo(
    host: bytes | str | None,
    port: bytes | str | int | None,
    family: int = 0,
    type: int = 0,  # noqa: A002 - socket.getaddrinfo's own parameter name
    proto: int = 0,
    flags: int = 0,
) -> list[Any]:
    pin = _ACTIVE_PIN.get()
    if pin is None or host is None:
        return _underlying_getaddrinfo(host, port, family, type, proto, flags)
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
    try:
        addresses = pin.resolve(name, port if not isinstance(port, bytes) else port.decode())
    except OutboundRefused as exc:
        raise PinnedRefused(socket.EAI_FAIL, f"refused by the outbound guard: {exc}") from None
    except OutboundDnsError as exc:
        raise socket.gaierror(socket.EAI_NONAME, str(exc)) from None
    results: list[Any] = []
    for address in addresses:
        try:
            results.extend(
                _underlying_getaddrinfo(
                    address, port, family, type, proto, flags | socket.AI_NUMERICHOST
                )
            )
        except socket.gaierror:
            continue  # e.g. an IPv4 address asked for with family AF_INET6
    if not results:
        raise socket.gaierror(socket.EAI_NONAME, f"no usable address for {name}")
    return results


def _install_socket_guard() -> None:
    """Put the dispatching getaddrinfo in place (again, if something replaced it)."""
    global _underlying_getaddrinfo
    with _GUARD_LOCK:
        current = socket.getaddrinfo
        if current is not _guarded_getaddrinfo:
            _underlying_getaddrinfo = current
            socket.getaddrinfo = _guarded_getaddrinfo


@contextmanager
def pinned_outbound(
    allow_networks: Iterable[str] | None = None, timeout: float | None = 10.0
) -> Iterator[OutboundPin]:
    """Run a library's network calls so that every name resolves once, through the guard.

    ``socket.create_connection`` (smtplib, imaplib) and urllib3 (requests) resolve through
    ``socket.getaddrinfo``; inside this block that answers with the checked addresses only and
    refuses private, loopback and link-local ones (PinnedRefused, an OSError) unless allowed.
    """
    networks = (
        parse_networks(allow_networks)
        if allow_networks is not None
        else configured_allow_networks()
    )
    _install_socket_guard()
    pin = OutboundPin(tuple(networks), timeout)
    token = _ACTIVE_PIN.set(pin)
    try:
        yield pin
    finally:
        _ACTIVE_PIN.reset(token)


@contextmanager
def outside_pin() -> Iterator[None]:
    """Suspend the pin for work done in the middle of a pinned session that is not part of it
    (e.g. handling a fetched mail, which may send replies through the server's own relay)."""
    token = _ACTIVE_PIN.set(None)
    try:
        yield
    finally:
        _ACTIVE_PIN.reset(token)


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation ends by one overall deadline.

    Per-operation timeouts alone let a server drip bytes (headers included) for ever.
    """

    def __init__(self, inner: httpcore.NetworkStream, deadline: float | None) -> None:
        self.inner = inner
        self.deadline = deadline

    def _timeout(self, timeout: float | None, exc: type[Exception]) -> float | None:
        if self.deadline is None:
            return timeout
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise exc("the overall time limit was reached")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wrapped = self.inner.start_tls(
            ssl_context, server_hostname, self._timeout(timeout, httpcore.ConnectTimeout)
        )
        return DeadlineStream(wrapped, self.deadline)

    def get_extra_info(self, info: str) -> object:
        return self.inner.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore network backend that connects only to checked addresses."""

    def __init__(self, allow_networks: Sequence[IPNetwork], deadline: float | None = None) -> None:
        self.allow_networks = tuple(allow_networks)
        self.deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[tuple[int, int, int | bytes | None]] | None = None,
    ) -> httpcore.NetworkStream:
        lookup_timeout = timeout
        if self.deadline is not None:
            remaining = max(self.deadline - time.monotonic(), 0.001)
            lookup_timeout = remaining if timeout is None else min(timeout, remaining)
        addresses = checked_addresses(host, port, self.allow_networks, lookup_timeout)
        last_error: Exception | None = None
        for address in addresses:
            try:
                # The parent connects to exactly the string it is given: the checked address.
                stream = super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
                continue
            return DeadlineStream(stream, self.deadline)
        assert last_error is not None
        raise last_error

    def connect_unix_socket(self, *args: object, **kwargs: object) -> httpcore.NetworkStream:
        raise OutboundRefused("unix sockets are not an outbound destination")


@lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """One verifying context, shared: loading the CA bundle costs more than the handshake."""
    return ssl.create_default_context(cafile=certifi.where())


class GuardedTransport(httpx.HTTPTransport):
    """httpx transport whose connection pool uses GuardedBackend and ignores proxies."""

    def __init__(
        self,
        allow_networks: Sequence[IPNetwork],
        ssl_context: ssl.SSLContext | None = None,
        deadline: float | None = None,
    ) -> None:
        context = ssl_context or default_ssl_context()
        super().__init__(verify=context, trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            # Fail closed if a future httpx changes its internals.
            raise RuntimeError("unsupported httpx version: cannot install the address guard")
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_networks, deadline),
        )


# --- fetch ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    """What a fetch produced. ``error`` is None whenever an HTTP response arrived (any status)."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    elapsed: float
    redirects: tuple[str, ...] = ()
    error: str | None = None
    error_kind: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.error is None and self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class _TooLarge(Exception):
    pass


class _Deadline(Exception):
    pass


def strip_credentials(url: str) -> str:
    """The URL without user:password@ (never forwarded)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url  # fetch() reports the URL as invalid
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _validate_url(url: str) -> str | None:
    """None when the URL can be fetched, else the reason it cannot."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        _ = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        return f"invalid URL: {exc}"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"scheme {parts.scheme or '(none)'!r} is not allowed (http and https only)"
    if not hostname:
        return "URL has no host"
    return None


def _flatten_headers(headers: httpx.Headers) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key in headers.keys():
        flat[key.lower()] = ", ".join(headers.get_list(key))[:MAX_HEADER_VALUE_CHARS]
    return flat


class _BoundedDecoder:
    """Content-Encoding decoding that never produces more than ``limit`` bytes (zip bombs)."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.produced = 0
        encoding = encoding.strip().lower()
        self._raw_deflate_fallback = encoding == "deflate"
        self._decoder: zlib._Decompress | None
        if encoding in ("gzip", "x-gzip"):
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._decoder = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            # identity, or an encoding we never asked for: keep the bytes as they are
            self._decoder = None
        self._started = False

    def feed(self, chunk: bytes) -> bytes:
        if self._decoder is None:
            data = chunk
        else:
            room = self.limit - self.produced + 1
            try:
                data = self._decoder.decompress(chunk, room)
            except zlib.error:
                if not self._started and self._raw_deflate_fallback:
                    # Some servers send raw deflate without the zlib header.
                    self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    data = self._decoder.decompress(chunk, room)
                else:
                    raise
            if self._decoder.unconsumed_tail:
                raise _TooLarge()
        self._started = True
        self.produced += len(data)
        if self.produced > self.limit:
            raise _TooLarge()
        return data


def _read_body(response: httpx.Response, max_bytes: int, deadline: float, method: str) -> bytes:
    if method == "HEAD" or response.status_code in (204, 304):
        return b""
    declared = response.headers.get("content-length", "").strip()
    encoding = response.headers.get("content-encoding", "")
    if declared.isdigit() and not encoding and int(declared) > max_bytes:
        raise _TooLarge()
    decoder = _BoundedDecoder(encoding, max_bytes)
    parts: list[bytes] = []
    # No chunk_size: httpx would buffer up to it, hiding a dripping body from the deadline.
    raw_chunks: Iterator[bytes] = response.iter_raw()
    for chunk in raw_chunks:
        if time.monotonic() > deadline:
            raise _Deadline()
        parts.append(decoder.feed(chunk))
    return b"".join(parts)


def _error_kind(exc: BaseException) -> tuple[str, str]:
    """(error_kind, message) for an exception raised while fetching."""
    if isinstance(exc, OutboundRefused):
        return "refused_address", str(exc)
    if isinstance(exc, OutboundDnsError):
        return "dns", str(exc)
    if isinstance(exc, httpx.TimeoutException | _Deadline):
        return "timeout", "the time limit was reached"
    if isinstance(exc, _TooLarge):
        return "too_large", "the response is larger than the size limit"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol | UnicodeError | ValueError):
        return "invalid_url", f"invalid URL: {exc}"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError | ssl.CertificateError):
            return "tls", f"TLS error: {cause}"
        cause = cause.__cause__ or cause.__context__
    if "certificate" in str(exc).lower() or "ssl" in str(exc).lower():
        return "tls", f"TLS error: {exc}"
    if isinstance(exc, httpx.ConnectError):
        return "connect", f"cannot connect: {exc}"
    if isinstance(exc, httpx.HTTPError | zlib.error):
        return "protocol", f"bad response: {exc}"
    return "error", f"{type(exc).__name__}: {exc}"


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    max_bytes: int = 5_000_000,
    timeout: float = 20.0,
    max_redirects: int = 5,
    allow_networks: Iterable[str] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> FetchResult:
    """Fetch a URL through the address guard; never raises for network or server trouble.

    ``etag``/``last_modified`` (or the same headers in ``headers``) make a conditional GET; an
    unchanged resource comes back as status 304 with empty content.
    """
    started = time.monotonic()
    deadline = started + max(timeout, 0.001)
    method = method.upper()
    original_url = url
    url = strip_credentials(url.strip())
    networks = (
        parse_networks(allow_networks)
        if allow_networks is not None
        else configured_allow_networks()
    )

    request_headers: dict[str, str] = {}
    for key, value in (headers or {}).items():
        request_headers[str(key).lower()] = str(value)
    if etag:
        request_headers["if-none-match"] = etag
    if last_modified:
        request_headers["if-modified-since"] = last_modified
    request_headers["user-agent"] = _configured_user_agent()
    # Only encodings the bounded decoder can cap.
    request_headers["accept-encoding"] = "gzip, deflate"

    redirects: list[str] = []
    visited = {url}

    def result(
        final: str,
        status: int = 0,
        response_headers: dict[str, str] | None = None,
        content: bytes = b"",
        error: str | None = None,
        kind: str | None = None,
    ) -> FetchResult:
        return FetchResult(
            url=strip_credentials(original_url),
            final_url=final,
            status=status,
            headers=response_headers or {},
            content=content,
            elapsed=time.monotonic() - started,
            redirects=tuple(redirects),
            error=error,
            error_kind=kind,
        )

    try:
        transport = GuardedTransport(networks, ssl_context, deadline)
    except RuntimeError as exc:
        return result(url, error=str(exc), kind="error")

    with httpx.Client(transport=transport, follow_redirects=False, trust_env=False) as client:
        current = url
        while True:
            problem = _validate_url(current)
            if problem is not None:
                return result(current, error=problem, kind="invalid_url")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return result(current, error="the time limit was reached", kind="timeout")
            try:
                with client.stream(
                    method, current, headers=request_headers, timeout=httpx.Timeout(remaining)
                ) as response:
                    status = response.status_code
                    response_headers = _flatten_headers(response.headers)
                    location = response.headers.get("location")
                    if status in REDIRECT_STATUSES and location:
                        pass  # handled below, after the body is discarded
                    else:
                        body = _read_body(response, max_bytes, deadline, method)
                        return result(current, status, response_headers, body)
            except Exception as exc:
                kind, message = _error_kind(exc)
                return result(current, error=message, kind=kind)

            if len(redirects) >= max_redirects:
                return result(
                    current,
                    status,
                    response_headers,
                    error=f"more than {max_redirects} redirects",
                    kind="too_many_redirects",
                )
            try:
                next_url = strip_credentials(urljoin(current, location.strip()))
            except ValueError as exc:
                return result(
                    current,
                    status,
                    response_headers,
                    error=f"bad redirect location: {exc}",
                    kind="invalid_url",
                )
            if next_url in visited:
                return result(
                    current,
                    status,
                    response_headers,
                    error=f"redirect loop back to {next_url}",
                    kind="redirect_loop",
                )
            if _origin(next_url) != _origin(current):
                for name in CREDENTIAL_HEADERS:
                    request_headers.pop(name, None)
            if status == 303 or (status in (301, 302) and method not in ("GET", "HEAD")):
                method = "GET"
            redirects.append(next_url)
            visited.add(next_url)
            current = next_url


# --- TLS certificate --------------------------------------------------------------------------


@dataclass(frozen=True)
class CertInfo:
    """The server certificate's validity. ``error`` is set when no certificate could be read."""

    not_after: datetime | None
    subject: str
    issuer: str
    days_left: int | None
    error: str | None = None
    error_kind: str | None = None
    verified: bool = False
    verify_error: str | None = None
    not_before: datetime | None = None
    names: tuple[str, ...] = field(default_factory=tuple)


def _name_text(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return name.rfc4514_string()


def _read_peer_certificate(
    host: str,
    port: int,
    timeout: float,
    networks: Sequence[IPNetwork],
    context: ssl.SSLContext,
) -> bytes:
    deadline = time.monotonic() + timeout
    sock = connect_checked(host, port, timeout, networks)
    try:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        with context.wrap_socket(sock, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True)
    finally:
        sock.close()
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return der


def tls_certificate(
    host: str,
    port: int = 443,
    *,
    allow_networks: Iterable[str] | None = None,
    timeout: float = 10,
    now: datetime | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> CertInfo:
    """Read the certificate a TLS server presents, through the same address guard as fetch().

    The expiry is reported even for a certificate that fails verification (``verified`` is then
    False and ``verify_error`` says why), so an expiring self-signed certificate is still seen.
    """
    networks = (
        parse_networks(allow_networks)
        if allow_networks is not None
        else configured_allow_networks()
    )
    host = host.strip().strip("[]")
    verified = False
    verify_error: str | None = None
    try:
        try:
            der = _read_peer_certificate(
                host, port, timeout, networks, ssl_context or default_ssl_context()
            )
            verified = True
        except ssl.SSLCertVerificationError as exc:
            verify_error = str(exc.verify_message or exc)
            unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            unverified.check_hostname = False
            unverified.verify_mode = ssl.CERT_NONE
            der = _read_peer_certificate(host, port, timeout, networks, unverified)
        cert = x509.load_der_x509_certificate(der)
    except Exception as exc:
        kind, message = _error_kind(exc)
        if isinstance(exc, TimeoutError | socket.timeout):
            kind, message = "timeout", "the time limit was reached"
        elif isinstance(exc, ConnectionError | OSError) and kind == "error":
            kind, message = "connect", f"cannot connect: {exc}"
        elif isinstance(exc, ValueError):
            kind, message = "tls", f"unreadable certificate: {exc}"
        return CertInfo(None, "", "", None, error=message, error_kind=kind)

    moment = now or datetime.now(UTC)
    not_after = cert.not_valid_after_utc
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(str(n) for n in san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = ()
    return CertInfo(
        not_after=not_after,
        subject=_name_text(cert.subject),
        issuer=_name_text(cert.issuer),
        days_left=(not_after - moment).days,
        verified=verified,
        verify_error=verify_error,
        not_before=cert.not_valid_before_utc,
        names=names,
    )
