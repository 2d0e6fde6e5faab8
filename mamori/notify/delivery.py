"""Sending one message through one channel: SMTP (Django mail) or a chat service (apprise).

apprise only ever gets the single URL the owner configured, of an allowed service type. Every
connection either library opens (apprise's requests, Django's smtplib) runs inside
``pinned_outbound()``: each host name, whatever its form (``2130706433``, ``0x7f000001``,
``LOCALHOST``), is resolved once by the outbound guard, checked, and connected to at exactly the
checked address, so neither a numeric alias nor a second DNS answer reaches an internal address.
Errors become a DeliveryError whose text never contains the channel's secrets.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from mamori.core.http import OutboundDnsError, OutboundPin, OutboundRefused, pinned_outbound

SMTP_TIMEOUT = 20
CHAT_TIMEOUT = 20
# apprise services a channel may use; the hosted ones (Slack, Teams, Discord) have fixed hosts.
ALLOWED_PLUGINS = {
    "NotifyJSON": True,  # value: the URL names a host of the owner's choosing (guard it)
    "NotifyForm": True,
    "NotifyNtfy": True,
    "NotifyMattermost": True,
    "NotifyWorkflows": True,
    "NotifySlack": False,
    "NotifyMSTeams": False,
    "NotifyDiscord": False,
}


class DeliveryError(Exception):
    """A delivery failed; the message (Japanese / English) is safe to show and store."""

    def __init__(self, code: str, **params: object) -> None:
        from .compose import texts

        entry = texts()["errors"][code]
        values = {name: str(value) for name, value in params.items()}
        self.code = code
        super().__init__(f"{entry['ja'].format_map(values)} / {entry['en'].format_map(values)}")


def _guard_host(pin: OutboundPin, host: str, port: int) -> None:
    """Resolve and check the destination up front, for a clear message (the pin also guards
    every connection the library opens afterwards)."""
    try:
        pin.resolve(host, port)
    except (OutboundRefused, OutboundDnsError) as exc:
        raise DeliveryError("refused", detail=exc) from None


def chat_plugin(url: str) -> Any:
    """The apprise plugin for a configured URL, or DeliveryError when it is not allowed."""
    import apprise

    url = url.strip()
    if not url:
        raise DeliveryError("no_url")
    try:
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    except Exception:  # noqa: BLE001 - any parsing trouble is a bad URL
        plugin = None
    if not plugin:
        raise DeliveryError("not_recognised")
    name = type(plugin).__name__
    if name not in ALLOWED_PLUGINS:
        raise DeliveryError("not_allowed", service=name.removeprefix("Notify"))
    return plugin


def masked_url(url: str) -> str:
    """The service type and, for self-hosted targets, the host: never a path or token (a
    webhook's path is often its secret)."""
    try:
        plugin = chat_plugin(url)
    except DeliveryError:
        return "—"
    scheme = url.strip().split("://", 1)[0].lower()
    host = _plugin_host(plugin) if ALLOWED_PLUGINS[type(plugin).__name__] else None
    if host is None:
        return f"{scheme}://…"
    port = getattr(plugin, "port", None)
    return f"{scheme}://{host}" + (f":{port}" if port else "") + "/…"


def _plugin_host(plugin: Any) -> str | None:
    host = getattr(plugin, "host", None)
    if not isinstance(host, str) or not host:
        return None
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        return host if "." in host or host == "localhost" else None


def send_chat(url: str, title: str, body: str) -> None:
    plugin = chat_plugin(url)
    for attribute, value in (
        ("socket_connect_timeout", 10),
        ("socket_read_timeout", CHAT_TIMEOUT),
        # A redirect could lead past the address check to an internal service.
        ("redirects", False),
    ):
        if hasattr(plugin, attribute):
            setattr(plugin, attribute, value)
    with pinned_outbound(timeout=10) as pin:
        host = getattr(plugin, "host", None)
        if isinstance(host, str) and host.strip():
            port = getattr(plugin, "port", None) or (
                443 if getattr(plugin, "secure", False) else 80
            )
            _guard_host(pin, host, int(port))
        try:
            # The plugin itself, not Apprise.notify(): that may hand the send to a thread pool.
            delivered = plugin.notify(body=body, title=title)
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not take the worker down
            if pin.refused:
                raise DeliveryError("refused", detail=pin.refused[0]) from None
            raise DeliveryError("chat_failed", detail=type(exc).__name__) from None
    if pin.refused:
        raise DeliveryError("refused", detail=pin.refused[0])
    if not delivered:
        raise DeliveryError("chat_rejected")


def send_email(channel: Any, subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        raise DeliveryError("no_recipients")
    if channel.use_server_mail:
        connection = get_connection(fail_silently=False)
    else:
        if not channel.smtp_host:
            raise DeliveryError("no_smtp")
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            fail_silently=False,
            host=channel.smtp_host,
            port=channel.smtp_port,
            username=channel.smtp_username or None,
            password=channel.smtp_password or None,
            use_tls=channel.smtp_starttls,
            timeout=SMTP_TIMEOUT,
        )
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=channel.from_email or settings.DEFAULT_FROM_EMAIL,
        to=recipients[:200],
        connection=connection,
    )
    if channel.use_server_mail:
        # The server's own relay (MAMORI_SMTP_HOST) is the operator's setting, not a destination
        # a member typed: it may be a local relay and is not pinned.
        _send_message(channel, message)
        return
    with pinned_outbound(timeout=SMTP_TIMEOUT) as pin:
        _guard_host(pin, channel.smtp_host, channel.smtp_port)
        try:
            _send_message(channel, message)
        except DeliveryError:
            if pin.refused:
                raise DeliveryError("refused", detail=pin.refused[0]) from None
            raise


def _send_message(channel: Any, message: EmailMessage) -> None:
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - SMTP, socket and TLS errors alike
        detail = str(exc)
        for secret in (channel.smtp_password, channel.smtp_username):
            if secret:
                detail = detail.replace(secret, "***")
        raise DeliveryError("mail_failed", detail=f"{type(exc).__name__}: {detail[:200]}") from None
