"""Forwarded mail → verdict replies: the pure step behind the check address (smtpd or IMAP).

The caller (Django wiring) supplies the organisation's Context and sends the replies; this module
only decides. Auto-replies, bulk mail and our own replies are never answered (no mail loops).
"""

from __future__ import annotations

import email
import email.utils
from dataclasses import dataclass, field
from email.message import EmailMessage

from .engine import Context, Limits, Report, analyse
from .engine.parse import decode_header_value
from .forwarding import extract_forwarded
from .reply import compose_reply

BULK_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})


@dataclass
class ForwardResult:
    reporter: str  # who forwarded the mail (the reply goes there)
    reports: list[Report] = field(default_factory=list)
    replies: list[EmailMessage] = field(default_factory=list)
    skipped: str = ""  # why nothing is answered, when so


def _reporter_and_loop_check(raw: bytes, check_address: str) -> tuple[str, str]:
    try:
        outer = email.message_from_bytes(raw[: 256 * 1024])
    except Exception:
        return "", "unreadable"
    addresses = email.utils.getaddresses([decode_header_value(outer.get("From", ""))])
    reporter = addresses[0][1].strip().lower() if addresses else ""
    auto = str(outer.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(outer.get("Precedence", "")).strip().lower()
    if not reporter or "@" not in reporter:
        return "", "no sender to reply to"
    if reporter == check_address.lower() or auto not in {"", "no"} or precedence in BULK_PRECEDENCE:
        return reporter, "automatic or bulk mail: not answered"
    if reporter.startswith(("mailer-daemon@", "postmaster@")):
        return reporter, "delivery report: not answered"
    return reporter, ""


def handle_forwarded(
    raw: bytes,
    *,
    check_address: str,
    context: Context | None = None,
    limits: Limits | None = None,
    lang: str = "ja",
) -> ForwardResult:
    """Check every doubted mail inside a forward and compose one reply per doubted mail."""
    reporter, skipped = _reporter_and_loop_check(raw, check_address)
    result = ForwardResult(reporter=reporter, skipped=skipped)
    if skipped:
        return result
    for original in extract_forwarded(raw):
        report = analyse(original, context, limits)
        result.reports.append(report)
        result.replies.append(
            compose_reply(report, to=reporter, from_addr=check_address, lang=lang)
        )
    return result
