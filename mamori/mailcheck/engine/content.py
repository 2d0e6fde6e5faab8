"""Content checks: payee changes (BEC), account and identity lures, credential and gift-card
requests, macro instructions, and the password half of a PPAP exchange."""

from __future__ import annotations

import unicodedata

from .links import LinkFacts
from .lures import _phrases_of_content, first_match
from .parse import ParsedMail
from .signals import Collector

CATEGORY_SIGNALS: tuple[tuple[str, str], ...] = (
    ("payee_change", "content.payee_change"),
    ("urgency", "content.urgency"),
    ("account_lure", "content.account_lure"),
    ("credential_request", "content.credential_request"),
    ("gift_card", "content.gift_card"),
    ("enable_macro", "content.enable_macro_instruction"),
)


def mail_text(mail: ParsedMail, cap: int) -> str:
    pieces = [mail.subject, *mail.text, *(d.text for d in mail.html)]
    text = "\n".join(pieces)[:cap]
    return unicodedata.normalize("NFKC", text).lower()


def _snippet(text: str, start: int, end: int) -> str:
    left = max(0, start - 15)
    return " ".join(text[left : end + 15].split())


def check_content(
    mail: ParsedMail, links: LinkFacts, out: Collector, cap: int, text: str | None = None
) -> dict[str, bool]:
    text = mail_text(mail, cap) if text is None else text
    phrases = _phrases_of_content()
    found: dict[str, bool] = {}
    for category, signal_id in CATEGORY_SIGNALS:
        match = first_match(phrases[category], text)
        if match is None:
            continue
        found[category] = True
        evidence = _snippet(text, match.start(), match.end())
        out.add(signal_id, evidence)
        if category == "account_lure" and links.untrusted_domains:
            out.add("content.lure_with_link", f"{evidence} → {links.untrusted_domains[0]}")
    if not mail.attachments:
        match = first_match(phrases["password_notice"], text, skip_negated=False)
        if match is not None:
            found["password_notice"] = True
            out.add("content.password_notice", _snippet(text, match.start(), match.end()))
    return found
