"""Forwarded mail → stored checks and verdict replies, for the check address and the mailbox.

Only members of the organisation get an answer: a mail from anyone else is dropped without a
reply (no backscatter to forged senders), and so are auto-replies, bounces and our own replies.

A From header naming a member proves nothing. The check is attributed to the member only when
the forward is authenticated (``authresults``: an aligned DKIM/DMARC pass recorded by a trusted
receiving server, or arrival from the organisation's own mail server); otherwise it is stored as
from an unverified sender (no reporter; only editors and owners see it). Either way the reply
goes to the member's address on record, never to the address the mail claims, and at most
MAIL_CHECK_MAX_PER_SENDER_HOUR checks per claimed sender and hour are stored and answered.
"""

from __future__ import annotations

import email
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage as DjangoEmailMessage
from django.core.mail import get_connection
from django.utils import timezone

from mamori.accounts.services import profile_of
from mamori.orgs.models import Membership, Organization

from . import services
from .authresults import aligned_pass, from_relay, trusted_results
from .forwarding import extract_forwarded
from .models import CheckedMail, MailCheckSettings, Source
from .pipeline import _reporter_and_loop_check
from .ppap import Pair
from .queries import ppap_pairs
from .reply import compose_reply, reply_language

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


NOT_MEMBER = "sender is not a member of the organisation"
RATE_LIMITED = "too many checks from this sender in the last hour"


@dataclass
class InboundResult:
    reporter: str = ""
    refused: str = ""  # why nothing was checked or answered
    mails: list[CheckedMail] = field(default_factory=list)
    replies: int = 0
    verified_by: str = ""  # "dmarc", "dkim", "relay", or "" (unverified sender)


def verified_by(
    org: Organization, raw: bytes, member_address: str, *, source: str, peer: str | None
) -> str:
    """How the forward is known to come from the member ("" when it is not)."""
    if source == Source.SMTP and from_relay(peer, org.slug, settings.MAIL_ORG_RELAYS):
        return "relay"
    trusted_ids = list(settings.MAIL_TRUSTED_AUTHSERV_IDS)
    if source == Source.SMTP and not from_relay(peer, "", settings.MAIL_FRONT_RELAYS):
        # Straight from the sender's side: every Authentication-Results header is its own text.
        return ""
    try:
        outer = email.message_from_bytes(raw[: 256 * 1024])
    except Exception:  # noqa: BLE001 - unreadable headers authenticate nothing
        return ""
    domain = member_address.rpartition("@")[2]
    return aligned_pass(trusted_results(outer, trusted_ids), domain)


def checks_in_last_hour(org: Organization, address: str) -> int:
    """Checks stored for forwards claiming `address` in the last hour (any verification)."""
    since = timezone.now() - timedelta(hours=1)
    return CheckedMail.objects.filter(
        organization=org,
        source__in=(Source.SMTP, Source.IMAP),
        checked_at__gte=since,
        facts__reporter__address=address.lower(),
    ).count()


UNVERIFIED_NOTE: dict[str, str] = {
    "ja": "注意: この転送は、あなたのメールサーバーによる送信者確認（DKIM/DMARC）が取れなかったため、"
    "「未確認の送信者」からの報告として記録しました。あなたが転送していない場合は、"
    "管理担当に知らせてください。",
    "en": "Note: this forward could not be confirmed as sent by you (no DKIM/DMARC pass from your "
    "mail server), so it was recorded as a report from an unverified sender. If you did not "
    "forward it, tell your administrator.",
}
DETAILS_LABEL: dict[str, str] = {"ja": "結果の詳細", "en": "Details"}


def _unverified_lines(lang: str) -> list[str]:
    return ["", UNVERIFIED_NOTE[reply_language(lang)]]


def _ppap_lines(pairs: list[Pair], lang: str) -> list[str]:
    language = reply_language(lang)
    lines: list[str] = []
    for item in pairs:
        names = ", ".join(item.archive_names) or "—"
        minutes = int(item.gap.total_seconds() // 60)
        if language == "en":
            heading = (
                f"PPAP: the encrypted zip ({names}) and a mail with its password arrived "
                f"{minutes} minutes apart."
            )
        else:
            heading = f"PPAP: 暗号化ZIP（{names}）とそのパスワードのメールが {minutes} 分差で届いています。"
        lines += ["", heading, item.explanation.get(language, "")]
    return lines


def _with_extra(body: str, extra: list[str]) -> str:
    """The extra lines go above the reply's signature block ("-- ")."""
    head, separator, tail = body.rpartition("\n-- \n")
    if not separator:
        return body + "\n" + "\n".join(extra) + "\n"
    return head + "\n" + "\n".join(extra) + "\n" + separator + tail + "\n"


def _drill_report(
    org: Organization, raw: bytes, claimed: str, check_address: str, send: bool
) -> InboundResult | None:
    """A forwarded targeted-mail drill (mamori.training): counted as reported and thanked in the
    recipient's language instead of a verdict. None when the forward is not a drill mail."""
    from mamori.training import reporting
    from mamori.training.services import record_report

    recipient = reporting.recognise(org, raw, claimed)
    if recipient is None:
        return None
    result = InboundResult(reporter=claimed)
    # Thanked once per recipient and drill: a repeated forward is not answered again.
    if record_report(recipient) and send:
        reply = reporting.thanks(recipient, from_addr=check_address)
        result.replies = get_connection().send_messages([reply]) or 0
    return result


def process_forward(
    org: Organization,
    raw: bytes,
    *,
    check_address: str,
    source: str,
    send_replies: bool = True,
    peer: str | None = None,
) -> InboundResult:
    """Check every doubted mail a member forwarded, store each, and mail the verdicts back.

    `peer` is the SMTP client's address (smtpd); it decides whether the organisation's own mail
    server or a trusted front server delivered the forward.
    """
    claimed_address, skipped = _reporter_and_loop_check(raw, check_address)
    result = InboundResult(reporter=claimed_address)
    if skipped:
        result.refused = skipped
        return result
    drill_report = _drill_report(org, raw, claimed_address, check_address, send_replies)
    if drill_report is not None:
        return drill_report
    member = member_by_email(org, claimed_address)
    if member is None:
        result.refused = NOT_MEMBER
        log.info("check address %s: mail from a non-member dropped", check_address)
        return result
    address_on_record = str(member.email).strip()
    key = address_on_record.lower()
    limit = max(int(settings.MAIL_CHECK_MAX_PER_SENDER_HOUR), 0)
    room = limit - checks_in_last_hour(org, key)
    if room <= 0:
        result.refused = RATE_LIMITED
        log.info("check address %s: hourly limit reached for a sender", check_address)
        return result
    how = verified_by(org, raw, key, source=source, peer=peer)
    result.verified_by = how
    reporter = member if how else None
    # One language per reply: the member's own (Japanese unless their profile says English).
    language = reply_language(getattr(profile_of(member), "language", "ja"))
    replies: list[DjangoEmailMessage] = []
    for original in extract_forwarded(raw)[:room]:
        checked = services.check_mail(
            org, original, source=source, reporter=reporter, file_name="forwarded.eml"
        )
        mail = checked.mail
        mail.facts = {
            **(mail.facts or {}),
            "reporter": {"address": key, "verified": bool(how), "by": how},
        }
        mail.save(update_fields=["facts"])
        result.mails.append(mail)
        reply = compose_reply(
            checked.report, to=address_on_record, from_addr=check_address, lang=language
        )
        body = str(reply.get_content()).rstrip("\n")
        extra = [] if how else _unverified_lines(language)
        extra += _ppap_lines(ppap_pairs(org, mail), language)
        extra += ["", f"{DETAILS_LABEL[language]}: {services.result_url(mail)}"]
        headers = {
            "Auto-Submitted": "auto-replied",
            "Message-ID": str(reply["Message-ID"]),
            "Content-Language": language,
        }
        if reply["References"]:
            headers["References"] = str(reply["References"])
            headers["In-Reply-To"] = str(reply["References"])
        replies.append(
            DjangoEmailMessage(
                subject=str(reply["Subject"]),
                body=_with_extra(body, extra),
                from_email=check_address,
                # Never the claimed address: only the member's own address on record.
                to=[address_on_record],
                headers=headers,
            )
        )
    if send_replies and replies:
        result.replies = get_connection().send_messages(replies) or 0
    return result
