"""Polling an organisation's report mailbox (IMAP) with its stored settings.

The server's addresses pass the same outbound guard as HTTP (no private or loopback addresses
unless OUTBOUND_ALLOW_NETWORKS allows them), and imapclient connects inside ``pinned_outbound()``
to exactly the address that was checked (no second DNS answer, TLS still checks the name). The password is decrypted only here, only for the
login, and never appears in a log line, an error text or a page.
"""

from __future__ import annotations

import logging

from mamori.core.http import OutboundDnsError, OutboundRefused, outside_pin, pinned_outbound
from mamori.orgs.models import Organization

from . import credentials, services
from .imap import MailboxSettings, PollResult, poll_mailbox
from .inbound import check_address_of, process_forward
from .models import MailCheckSettings, Source

log = logging.getLogger(__name__)

UNREADABLE_NOTE = "stored password cannot be read (the secret key changed): enter it again"


def poll_organisation(org_id: int, *, timeout: float = 30.0) -> PollResult | None:
    """One poll of the organisation's report mailbox; None when there is nothing to poll."""
    own = (
        MailCheckSettings.objects.select_related("organization")
        .filter(organization_id=org_id)
        .first()
    )
    if own is None or not own.imap_enabled or not own.imap_host or not own.imap_username:
        return None
    org: Organization = own.organization
    password = credentials.decrypt(own.imap_password_encrypted)
    if password is None:
        services.note_poll(org, UNREADABLE_NOTE)
        return None
    port = own.imap_port or (993 if own.imap_use_ssl else 143)
    with pinned_outbound(timeout=timeout) as pin:
        try:
            pin.resolve(own.imap_host, port)
        except (OutboundRefused, OutboundDnsError) as error:
            services.note_poll(org, f"refused: {error}")
            return None
        return _poll(org, own, password, port, timeout)


def _poll(
    org: Organization, own: MailCheckSettings, password: str, port: int, timeout: float
) -> PollResult:
    address = own.imap_username if "@" in own.imap_username else check_address_of(org, own)
    box = MailboxSettings(
        host=own.imap_host,
        port=port,
        username=own.imap_username,
        password=password,
        folder=own.imap_folder or "INBOX",
        use_ssl=own.imap_use_ssl,
        timeout=timeout,
    )

    def handle(raw: bytes) -> None:
        with outside_pin():  # replies go through the server's own relay, not the mailbox host
            process_forward(org, raw, check_address=address.lower(), source=Source.IMAP)

    try:
        result = poll_mailbox(box, handle, max_bytes=services.MAX_MAIL_BYTES)
    except Exception as error:  # recorded for the settings page, then the job retries
        text = f"{type(error).__name__}: {_safe(str(error), password)}"
        services.note_poll(org, text)
        raise RuntimeError(f"report mailbox poll failed: {text}") from None
    error_text = f"{len(result.failed)} mail(s) could not be handled" if result.failed else ""
    services.note_poll(org, error_text)
    return result


def _safe(text: str, password: str) -> str:
    """An error text with the password blanked, should a server ever echo it."""
    return text.replace(password, "••••") if password else text
