"""Recognising a drill mail forwarded to the check address: reporting it is the success.

The forwarded original carries the X-Mamori-Drill header with the recipient's token; when a
mail client strips headers (an inline forward), the recipient's unique link in the body still
names them. Only a token whose recipient's address on record is the forward's sender counts, and
the thanks go to that address on record, never to the address the mail claims.
"""

from __future__ import annotations

import email
import re
from email import policy
from typing import Any

from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from mamori.mailcheck.forwarding import extract_forwarded

from .mailer import DRILL_HEADER
from .models import DrillRecipient

URL_SAFE_ID = r"([A-Za-z0-9_-]{24,64})"  # the recipient token as generated (token_urlsafe(24))
HEADER_TOKEN = re.compile(rf"^{DRILL_HEADER}:\s*{URL_SAFE_ID}\s*$", re.IGNORECASE | re.MULTILINE)
LINK_TOKEN = re.compile(rf"/d/{URL_SAFE_ID}/")
MAX_SCAN_BYTES = 2 * 1024 * 1024
MAX_PARTS = 50


def _texts(raw: bytes) -> list[str]:
    """Header blocks and decoded text parts of a mail and of every mail attached inside it."""
    found = [raw[:MAX_SCAN_BYTES].decode("utf-8", "replace")]
    try:
        message = email.message_from_bytes(raw[:MAX_SCAN_BYTES], policy=policy.default)
    except Exception:  # noqa: BLE001 - an unreadable forward is scanned as plain bytes only
        return found
    try:
        for count, part in enumerate(message.walk()):
            if count >= MAX_PARTS:
                break
            # A broken charset or header (mail from anyone) hides only that part.
            try:
                if part.get_content_maintype() == "text":
                    found.append(str(part.get_content()))
                elif part.get_content_type() == "message/rfc822":
                    found.append(part.as_string()[:MAX_SCAN_BYTES])
            except Exception:  # noqa: BLE001, S112
                continue
    except Exception:  # noqa: BLE001 - a malformed structure: what was read so far is scanned
        return found
    return found


def tokens_in(raw: bytes) -> list[str]:
    """Drill tokens named by a forward (header first, then links), without repeats."""
    tokens: list[str] = []
    candidates = [raw, *extract_forwarded(raw)]
    for candidate in candidates:
        for text in _texts(candidate):
            for pattern in (HEADER_TOKEN, LINK_TOKEN):
                for token in pattern.findall(text):
                    if token not in tokens:
                        tokens.append(token)
    return tokens[:20]


def recognise(org: Any, raw: bytes, sender: str) -> DrillRecipient | None:
    """The drill recipient this forward reports, when it comes from that recipient."""
    sender = sender.strip().lower()
    tokens = tokens_in(raw)
    if not tokens or not sender:
        return None
    return (
        DrillRecipient.objects.select_related("drill")
        .filter(
            organization=org,
            token__in=tokens,
            email__iexact=sender,
            delivered_at__isnull=False,
        )
        .first()
    )


def thanks(recipient: DrillRecipient, *, from_addr: str) -> EmailMessage:
    """The reply to a reporter, in their language, instead of a verdict."""
    with translation.override(recipient.language or "ja"):
        subject = _("[mamori] Thank you for reporting this mail")
        body = "\n".join(
            [
                _("%(name)s, thank you for reporting this mail.") % {"name": recipient.name},
                "",
                _(
                    "It was a practice mail sent by your organisation to check how suspicious "
                    "mail is handled. Forwarding it to the check address without opening its "
                    "link or attachment was exactly the right thing to do."
                ),
                _(
                    "Keep doing the same with any mail that asks for more than reading it: "
                    "opening a file, typing a password, paying (handbook chapter 7 §7.1)."
                ),
                "",
                "-- ",
                _("This reply was sent automatically by mamori's suspicious-mail check."),
            ]
        )
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=from_addr,
        to=[recipient.email],
        headers={"Auto-Submitted": "auto-replied"},
    )
