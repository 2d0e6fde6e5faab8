"""Forwarded mail → stored checks and verdict replies, for the check address and the mailbox.

Only members of the organisation get an answer: a mail from anyone else is dropped without a
reply (no backscatter to forged senders), and so are auto-replies, bounces and our own replies.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage as DjangoEmailMessage
from django.core.mail import get_connection

from mamori.accounts.services import profile_of
from mamori.orgs.models import Membership, Organization

from . import services
from .forwarding import extract_forwarded
from .models import CheckedMail, MailCheckSettings
from .pipeline import _reporter_and_loop_check
from .ppap import Pair
from .queries import ppap_pairs
from .reply import compose_reply

log = logging.getLogger(__name__)

CHECK_LOCAL = "check"
_PLUS_ADDRESS = re.compile(r"^check\+([a-z0-9][a-z0-9_-]{0,59})@(.+)$")


def default_check_address(org: Organization) -> str:
    return f"{CHECK_LOCAL}+{org.slug}@{settings.MAIL_DOMAIN}"


def check_address_of(org: Organization, own: MailCheckSettings | None = None) -> str:
    own = own if own is not None else MailCheckSettings.objects.filter(organization=org).first()
    if own is not None and own.check_address:
        return own.check_address
    return default_check_address(org)


def org_for_address(address: str) -> Organization | None:
    """The organisation whose check address this is (check+<slug>@MAIL_DOMAIN or its own)."""
    address = address.strip().strip("<>").lower()
    custom = (
        MailCheckSettings.objects.select_related("organization")
        .filter(check_address=address)
        .first()
    )
    if custom is not None:
        return custom.organization
    match = _PLUS_ADDRESS.match(address)
    if match is None or match.group(2) != settings.MAIL_DOMAIN:
        return None
    org = Organization.objects.filter(slug=match.group(1)).first()
    if org is None:
        return None
    own = MailCheckSettings.objects.filter(organization=org).first()
    if own is not None and own.check_address and own.check_address != address:
        return None  # the organisation chose another address; the standard one is off
    return org


def member_by_email(org: Organization, address: str) -> Any:
    """The user who is a member of org with this address, or None."""
    user_model = get_user_model()
    address = address.strip().lower()
    if not address:
        return None
    user = user_model.objects.filter(email__iexact=address, is_active=True).first()
    if user is None:
        return None
    if not Membership.objects.filter(organization=org, user=user).exists():
        return None
    return user


@dataclass
class InboundResult:
    reporter: str = ""
    refused: str = ""  # why nothing was checked or answered
    mails: list[CheckedMail] = field(default_factory=list)
    replies: int = 0


def _ppap_lines(pairs: list[Pair]) -> list[str]:
    lines: list[str] = []
    for item in pairs:
        names = ", ".join(item.archive_names) or "—"
        minutes = int(item.gap.total_seconds() // 60)
        lines += [
            "",
            f"PPAP: 暗号化ZIP（{names}）とそのパスワードのメールが {minutes} 分差で届いています。",
            item.explanation.get("ja", ""),
            f"PPAP: the encrypted zip ({names}) and a mail with its password arrived "
            f"{minutes} minutes apart.",
            item.explanation.get("en", ""),
        ]
    return lines


def _with_extra(body: str, extra: list[str]) -> str:
    """The extra lines go above the reply's signature block ("-- ")."""
    head, separator, tail = body.rpartition("\n-- \n")
    if not separator:
        return body + "\n" + "\n".join(extra) + "\n"
    return head + "\n" + "\n".join(extra) + "\n" + separator + tail + "\n"


def process_forward(
    org: Organization,
    raw: bytes,
    *,
    check_address: str,
    source: str,
    send_replies: bool = True,
) -> InboundResult:
    """Check every doubted mail a member forwarded, store each, and mail the verdicts back."""
    reporter_address, skipped = _reporter_and_loop_check(raw, check_address)
    result = InboundResult(reporter=reporter_address)
    if skipped:
        result.refused = skipped
        return result
    reporter = member_by_email(org, reporter_address)
    if reporter is None:
        result.refused = "sender is not a member of the organisation"
        log.info("check address %s: mail from a non-member dropped", check_address)
        return result
    # The member's own language first, the other one below it.
    language = str(getattr(profile_of(reporter), "language", "ja") or "ja")[:2]
    replies: list[DjangoEmailMessage] = []
    for original in extract_forwarded(raw):
        checked = services.check_mail(
            org, original, source=source, reporter=reporter, file_name="forwarded.eml"
        )
        result.mails.append(checked.mail)
        reply = compose_reply(
            checked.report, to=reporter_address, from_addr=check_address, lang=language
        )
        body = str(reply.get_content()).rstrip("\n")
        extra = _ppap_lines(ppap_pairs(org, checked.mail))
        extra += [
            "",
            f"結果の詳細 / Details: {services.result_url(checked.mail)}",
        ]
        headers = {
            "Auto-Submitted": "auto-replied",
            "Message-ID": str(reply["Message-ID"]),
        }
        if reply["References"]:
            headers["References"] = str(reply["References"])
            headers["In-Reply-To"] = str(reply["References"])
        replies.append(
            DjangoEmailMessage(
                subject=str(reply["Subject"]),
                body=_with_extra(body, extra),
                from_email=check_address,
                to=[reporter_address],
                headers=headers,
            )
        )
    if send_replies and replies:
        result.replies = get_connection().send_messages(replies) or 0
    return result
