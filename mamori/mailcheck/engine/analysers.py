"""The mail analysers, listed in one explicit registry and run in the order registered.

Each analyser reads the parsed mail and what earlier ones found (`Work`), and adds signals to the
collector. A new check is one function registered here; nothing is discovered by scanning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mamori.core.registry import Registry

from .attachments import AttachmentFacts, analyse_attachment
from .catalog import free_mail as free_mail_domains
from .content import check_content, mail_text
from .environment import Cues, Environment
from .links import LinkFacts, check_links
from .lures import SCAN_CHARS, check_disguise, check_infrastructure, check_lures, text_hrefs
from .model import Limits
from .parse import ParsedMail
from .sender import check_sender
from .signals import Collector


@dataclass
class Work:
    """One mail under analysis: its parts, the environment, and what the analysers found."""

    mail: ParsedMail
    env: Environment
    limits: Limits
    out: Collector
    claimed_brands: list[str] = field(default_factory=list)
    links: LinkFacts = field(default_factory=LinkFacts)
    attachments: AttachmentFacts = field(default_factory=AttachmentFacts)
    content: dict[str, bool] = field(default_factory=dict)
    lures: set[str] = field(default_factory=set)
    text: str = ""  # subject and text, NFKC and lower case (from the content analyser)
    namesake: str = ""  # evidence when the display name is a known contact's, address not theirs
    cues: Cues | None = None  # the mail's words and links, for brand names that are English words


Analyser = Callable[[Work], None]
ANALYSERS: Registry[Analyser] = Registry("mail analyser")


@ANALYSERS.register("sender")
def sender_analyser(work: Work) -> None:
    mail = work.mail
    work.cues = Cues(
        mail.subject, lambda: [*text_hrefs(mail)[:100], *mail.text, *(d.text for d in mail.html)]
    )
    work.claimed_brands, work.namesake = check_sender(mail, work.env, work.out, work.cues)


@ANALYSERS.register("links")
def links_analyser(work: Work) -> None:
    work.links = check_links(
        work.mail, work.env, work.claimed_brands, work.out, work.limits.max_links, work.cues
    )


@ANALYSERS.register("attachments")
def attachments_analyser(work: Work) -> None:
    for attachment in work.mail.attachments:
        if work.out.out_of_time():
            break
        analyse_attachment(
            attachment.name,
            attachment.data,
            attachment.truncated,
            work.limits,
            work.out,
            work.attachments,
        )


@ANALYSERS.register("content")
def content_analyser(work: Work) -> None:
    # Runs even when time is up: it is cheap, and the lure phrases matter most.
    work.text = mail_text(work.mail, work.limits.max_text_chars)
    work.content = check_content(
        work.mail, work.links, work.out, work.limits.max_text_chars, work.text
    )


@ANALYSERS.register("lures")
def lures_analyser(work: Work) -> None:
    mail = work.mail
    text = work.text[:SCAN_CHARS] if work.text else mail_text(mail, SCAN_CHARS)
    work.lures = check_lures(
        mail, text, work.env, work.out, work.links.untrusted_domains, work.cues
    )
    raw = "\n".join([*mail.text, *(d.text for d in mail.html)])
    check_disguise(mail, raw, work.out)
    check_infrastructure(mail, work.env, work.out, text_hrefs(mail), work.cues)


@ANALYSERS.register("namesake")
def namesake_analyser(work: Work) -> None:
    """A known contact's name from another address counts only with corroboration."""
    if not work.namesake:
        return
    out = work.out
    corroborated = [
        signal_id
        for signal_id in (
            "sender.free_mail_organisation",
            "sender.lookalike",
            "sender.reply_to_mismatch",
            "sender.auth_fail",
            "content.payee_change",
            "content.credential_request",
            "content.account_lure",
            "content.gift_card",
            "content.lure_with_link",
        )
        if out.has(signal_id)
    ] + sorted(work.lures & {"payment_failed", "credential", "advance_fee", "invoice"})
    free = work.mail.sender.domain in free_mail_domains()
    if free:
        corroborated.insert(0, "free mail")
    if corroborated:
        out.add("sender.contact_impersonation", f"{work.namesake} [{', '.join(corroborated[:4])}]")
    elif not _auth_passed(work.mail):
        out.add("sender.contact_impersonation", work.namesake, "low")


def _auth_passed(mail: ParsedMail) -> bool:
    text = mail.auth_results[0].lower() if mail.auth_results else ""
    return all(f"{method}=pass" in text for method in ("spf", "dkim", "dmarc"))


ALWAYS_RUN = frozenset({"sender", "content", "lures", "namesake"})
